"""Input and config checks shared by every family: one clear message instead of a deep torch traceback."""

from typing import Optional, Tuple

import torch

from ..errors import ConfigError, HFGANError

_POSITIVE_INTS = ("latent_dim", "base_channels", "max_channels", "class_embed_dim", "mapping_layers")
_FLOATS = {"dropout": (0.0, 1.0), "negative_slope": (0.0, None)}  # key: (min inclusive, max exclusive)
_BOOLS = ("spectral_norm",)
TRANSLATION_NORM_TYPES = ("batch", "instance", "none")  # the image-to-image families' ``norm_type``


def is_int(value) -> bool:
    """Whether ``value`` is an integer config value (a bool is not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def valid_sample_sizes(max_size: int = 1024):
    """Image sizes the convolutional families support: 4 * 2**k and 7 * 2**k, k >= 1."""
    sizes = set()
    for base in (4, 7):
        size = base * 2
        while size <= max_size:
            sizes.add(size)
            size *= 2
    return sorted(sizes)


def num_upsamplings(sample_size: int):
    """``(base, k)`` with ``sample_size == base * 2**k``, base in (4, 7), k >= 1."""
    for base in (4, 7):
        k, size = 0, sample_size
        while size > base and size % 2 == 0:
            size //= 2
            k += 1
        if size == base and k >= 1:
            return base, k
    raise ConfigError(
        f"sample_size={sample_size} is not supported: use 4 or 7 times a power of two, e.g. {valid_sample_sizes(64)}"
    )


def validate_config(model, image: bool = True, conditional: bool = False, in_channels: bool = False) -> None:
    """Check the registered config of ``model`` and raise :class:`ConfigError` naming the bad field."""
    cfg = model.config
    name = type(model).__name__
    for key in _POSITIVE_INTS:
        if key in cfg and not (is_int(cfg[key]) and cfg[key] > 0):
            raise ConfigError(f"{name}: config '{key}' must be a positive integer, got {cfg[key]!r}")
    for key, (low, high) in _FLOATS.items():
        value = cfg.get(key, low)
        if not (isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value and (high is None or value < high)):
            bounds = f"in [{low}, {high})" if high is not None else f">= {low}"
            raise ConfigError(f"{name}: config '{key}' must be a number {bounds}, got {value!r}")
    for key in _BOOLS:
        if key in cfg and not isinstance(cfg[key], bool):
            raise ConfigError(f"{name}: config '{key}' must be true or false, got {cfg[key]!r}")
    if image:
        if not (is_int(cfg.sample_size) and cfg.sample_size > 0):
            raise ConfigError(f"{name}: config 'sample_size' must be a positive integer, got {cfg.sample_size!r}")
        channels_key = "in_channels" if in_channels else "out_channels"
        if cfg.get(channels_key) not in (1, 3):
            raise ConfigError(f"{name}: config '{channels_key}' must be 1 or 3, got {cfg.get(channels_key)!r}")
    for key in ("hidden_dims",):
        if key in cfg:
            dims = cfg[key]
            if not isinstance(dims, (list, tuple)) or not dims or not all(is_int(d) and d > 0 for d in dims):
                raise ConfigError(f"{name}: config '{key}' must be a non-empty list of positive integers, got {dims!r}")
    if conditional:
        num_classes = cfg.get("num_classes")
        if num_classes is not None and not (is_int(num_classes) and num_classes >= 2):
            raise ConfigError(f"{name}: config 'num_classes' must be None or an integer >= 2, got {num_classes!r}")
        names = cfg.get("class_names")
        if names is not None:
            if not num_classes or not isinstance(names, (list, tuple)) or len(names) != num_classes \
                    or not all(isinstance(n, str) for n in names):
                raise ConfigError(f"{name}: config 'class_names' must list exactly num_classes={num_classes} strings")


def validate_translation_config(
    model,
    channel_keys: Tuple[str, ...] = (),
    optional_ints: Tuple[Tuple[str, int], ...] = (),
    bools: Tuple[str, ...] = (),
) -> None:
    """Config checks of the image-to-image families, each error naming the field (:class:`ConfigError`).

    On top of :func:`validate_config`: every key in ``channel_keys`` is 1 or 3, ``norm_type`` is one of
    :data:`TRANSLATION_NORM_TYPES`, each ``(key, minimum)`` in ``optional_ints`` is None or an integer >= minimum,
    and every key in ``bools`` is a bool.
    """
    cfg = model.config
    name = type(model).__name__
    validate_config(model, image=True, in_channels="out_channels" not in cfg)
    for key in channel_keys:
        if cfg[key] not in (1, 3) or isinstance(cfg[key], bool):
            raise ConfigError(f"{name}: config '{key}' must be 1 or 3, got {cfg[key]!r}")
    if cfg.norm_type not in TRANSLATION_NORM_TYPES:
        raise ConfigError(f"{name}: config 'norm_type' must be one of {TRANSLATION_NORM_TYPES}, got {cfg.norm_type!r}")
    for key, minimum in optional_ints:
        value = cfg[key]
        if value is not None and not (is_int(value) and value >= minimum):
            raise ConfigError(f"{name}: config '{key}' must be None or an integer >= {minimum}, got {value!r}")
    for key in bools:
        if not isinstance(cfg[key], bool):
            raise ConfigError(f"{name}: config '{key}' must be true or false, got {cfg[key]!r}")


def _describe(value) -> str:
    return f"a {value.dtype} tensor" if isinstance(value, torch.Tensor) else type(value).__name__


def check_latents(latents: torch.Tensor, latent_dim: int) -> None:
    if not isinstance(latents, torch.Tensor) or not latents.is_floating_point():
        raise HFGANError(f"latents must be a floating-point torch.Tensor, got {_describe(latents)}")
    if latents.ndim != 2 or latents.shape[1] != latent_dim:
        raise HFGANError(f"latents must have shape [batch_size, {latent_dim}], got {list(latents.shape)}")


def check_pixel_values(pixel_values: torch.Tensor, channels: int, sample_size: int) -> None:
    if not isinstance(pixel_values, torch.Tensor) or not pixel_values.is_floating_point():
        raise HFGANError(f"pixel_values must be a floating-point torch.Tensor in [-1, 1], got {_describe(pixel_values)}")
    expected = (channels, sample_size, sample_size)
    if pixel_values.ndim != 4 or tuple(pixel_values.shape[1:]) != expected:
        raise HFGANError(f"pixel_values must have shape [batch_size, {channels}, {sample_size}, {sample_size}], got {list(pixel_values.shape)}")


def check_class_labels(class_labels, num_classes: Optional[int], batch_size: int) -> Optional[torch.Tensor]:
    """Validate ``class_labels`` ([N] integer tensor) against the model's ``num_classes``."""
    if not num_classes:
        if class_labels is not None:
            raise HFGANError("class_labels were given, but this model is unconditional (num_classes is None)")
        return None
    if class_labels is None:
        raise HFGANError(f"this model is class-conditional: pass class_labels, integers in [0, {num_classes - 1}]")
    if not isinstance(class_labels, torch.Tensor) or class_labels.dtype not in (torch.int64, torch.int32, torch.int16, torch.uint8):
        raise HFGANError("class_labels must be an integer torch.Tensor of shape [batch_size]")
    if class_labels.ndim != 1 or class_labels.shape[0] != batch_size:
        raise HFGANError(f"class_labels must have shape [{batch_size}], got {list(class_labels.shape)}")
    if class_labels.numel() and (int(class_labels.min()) < 0 or int(class_labels.max()) >= num_classes):
        raise HFGANError(f"class_labels must lie in [0, {num_classes - 1}], got values in [{int(class_labels.min())}, {int(class_labels.max())}]")
    return class_labels.long()


def check_class_embeddings(class_embeddings, embed_dim: int, batch_size: int) -> None:
    """Validate ``class_embeddings`` ([N, embed_dim] float tensor), given to a generator instead of class labels."""
    if not isinstance(class_embeddings, torch.Tensor) or not class_embeddings.is_floating_point():
        raise HFGANError(f"class_embeddings must be a floating-point torch.Tensor, got {_describe(class_embeddings)}")
    if class_embeddings.ndim != 2 or tuple(class_embeddings.shape) != (batch_size, embed_dim):
        raise HFGANError(f"class_embeddings must have shape [{batch_size}, {embed_dim}], got {list(class_embeddings.shape)}")


def check_class_labels_alone(class_labels, num_classes: Optional[int]) -> torch.Tensor:
    """``class_labels`` ([N] integer tensor, any N) checked against ``num_classes`` (a model's ``embed_classes``)."""
    if not isinstance(class_labels, torch.Tensor) or class_labels.ndim != 1:
        raise HFGANError(f"class_labels must be an integer torch.Tensor of shape [batch_size], got {_describe(class_labels)}")
    return check_class_labels(class_labels, num_classes, class_labels.shape[0])


def check_class_inputs(class_labels, class_embeddings, num_classes: Optional[int], embed_dim: int,
                       batch_size: int) -> Optional[torch.Tensor]:
    """A generator's classes, as ``class_labels [N]`` or, for conditional models, ``class_embeddings [N, embed_dim]``
    in their place: checked; the labels as :func:`check_class_labels` returns them (None with embeddings)."""
    if class_embeddings is None:
        return check_class_labels(class_labels, num_classes, batch_size)
    if class_labels is not None or not num_classes:
        raise HFGANError("class_embeddings are for conditional models, in place of class_labels (not both)")
    check_class_embeddings(class_embeddings, embed_dim, batch_size)
    return None


def check_image_tensor(name: str, images, channels: int, min_size: int) -> None:
    """``images`` must be a floating-point ``[N, channels, H, W]`` tensor with ``H, W >= min_size`` (the
    fully convolutional translators take any size that large)."""
    if not isinstance(images, torch.Tensor) or not images.is_floating_point():
        got = f"a {images.dtype} tensor" if isinstance(images, torch.Tensor) else type(images).__name__
        raise HFGANError(f"{name} must be a floating-point torch.Tensor in [-1, 1], got {got}")
    if images.ndim != 4 or images.shape[1] != channels:
        raise HFGANError(f"{name} must have shape [batch_size, {channels}, height, width], got {list(images.shape)}")
    if min(images.shape[2:]) < min_size:
        raise HFGANError(f"{name} must be at least {min_size}x{min_size} pixels for this model, got {list(images.shape[2:])}")
