"""Whether the networks of a saved pipeline fit in memory, before anything is allocated: their weights, from their
configs alone, and the activations of one image, measured by running the generator on the ``meta`` device (no memory,
milliseconds). The same estimate sizes the batches of commands and of the Space (:func:`max_images_in_memory`).

Every refusal is a :class:`~hfgan.errors.CheckpointError` (or :class:`~hfgan.errors.HFGANError`) of one line.
"""

import importlib
import math
import os
import weakref
from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Tuple

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from ..errors import CheckpointError, HFGANError
from .folder_checks import read_json, read_model_index


# -- weights ---------------------------------------------------------------------------------------------------
def _available_memory() -> int:
    """Bytes of memory that can be allocated now without swapping."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**28 else f"{n / 2**20:.1f} MiB" if n >= 2**18 else f"{n:.0f} bytes"


def component_dtype(dtype, name: str) -> Optional[torch.dtype]:
    """The dtype of component ``name`` under ``dtype``: one ``torch.dtype`` for all, or diffusers' per-component dict
    (``{"generator": torch.bfloat16, "default": torch.float32}``; float32 for a name it lacks and no default)."""
    if isinstance(dtype, dict):
        return dtype.get(name, dtype.get("default", torch.float32))
    return dtype


def _meta_models(folder: str, names: Iterable[str]) -> Dict[str, torch.nn.Module]:
    """``{name: model}``: each named component built from its ``config.json`` on the ``meta`` device, which
    allocates nothing."""
    index = read_model_index(folder)
    models = {}
    for name in names:
        cls = _model_class(folder, index, name)
        config = read_json(os.path.join(folder, name, "config.json"))
        with torch.device("meta"):
            models[name] = cls.from_config(config)
    return models


def _model_class(folder: str, index: dict, name: str):
    """The hfgan model class that ``model_index.json`` names for component ``name``."""
    library, class_name = index[name]
    cls = getattr(importlib.import_module(library), class_name, None)
    if cls is None or not hasattr(cls, "from_config"):
        raise CheckpointError(f"{os.path.join(folder, 'model_index.json')}: {name} names {library}.{class_name}, "
                              "which is not an hfgan model class")
    return cls


def _sizes(models: Dict[str, torch.nn.Module], dtype) -> Dict[str, Tuple[int, int]]:
    sizes = {}
    for name, model in models.items():
        cast_to = component_dtype(dtype, name)
        cast = torch.empty((), dtype=cast_to, device="meta").element_size() if cast_to is not None else 0
        tensors = list(model.parameters()) + list(model.buffers())
        sizes[name] = (sum(t.numel() for t in tensors),
                       sum(t.numel() * (cast if cast and t.is_floating_point() else t.element_size()) for t in tensors))
    return sizes


def estimate_size(folder: str, names: Iterable[str], dtype=None) -> Dict[str, Tuple[int, int]]:
    """``{name: (values, bytes)}``: the parameters and buffers of each named component once loaded, from its
    ``config.json`` alone: the network is built on the ``meta`` device, which allocates nothing. ``dtype`` is a
    ``torch.dtype`` or a per-component dict, as :func:`component_dtype` reads it."""
    return _sizes(_meta_models(folder, names), dtype)


def check_memory(folder: str, names: Iterable[str], dtype=None) -> None:
    """Refuse, before anything is allocated, components whose configs describe networks larger than the memory
    available now, or a generator that cannot make even one image in what is left once the weights are loaded
    (its activations are measured on the ``meta`` device, see :func:`first_image_bytes`), saying how much they
    would need."""
    models = _meta_models(folder, names)
    sizes = _sizes(models, dtype)
    needed, available = sum(size for _, size in sizes.values()), _available_memory()
    if needed > available:
        name = max(sizes, key=lambda n: sizes[n][1])
        values, size = sizes[name]
        raise CheckpointError(f"{os.path.join(folder, name, 'config.json')} describes a network of {values:.3g} values "
                              f"({_gib(size)}); loading the pipeline needs {_gib(needed)}, but only {_gib(available)} "
                              "of memory is available")
    for name in (n for n in models if n in GENERATOR_COMPONENTS):
        first, shape = first_image_bytes(models[name], component_dtype(dtype, name))
        if needed + first > available:
            raise CheckpointError(f"{os.path.join(folder, name, 'config.json')} describes a generator whose one "
                                  f"{shape[-1]}x{shape[-2]} image needs about {_gib(first)} of memory (the weights "
                                  f"{_gib(needed)}), but only {_gib(available)} of memory is available")


# -- activations ------------------------------------------------------------------------------------------------
# The components that run at inference: a GANPipeline's generator, an image-to-image pipeline's two translators.
GENERATOR_COMPONENTS = ("generator", "generator_reverse")
# Share of the memory available that one batch of images may take (the rest: the images kept, the allocator's
# slack, other work of this process).
MEMORY_FRACTION = 0.5
# What the pipeline holds besides the forward pass, in output-sized float32 tensors: the output itself while
# it is turned into 8-bit images (x * 255, rounded, as numpy arrays) and the images.
OUTPUT_COPIES = 3


class _PeakMemory(TorchDispatchMode):
    """Follows the bytes of the tensors every aten op creates while they are alive, and keeps the peak.

    Views and in-place results share their input's memory and are not counted; a convolution also holds its
    unfolded input (im2col) while it runs. On the ``meta`` device no value exists: a value asked for
    (``int(labels.max())`` in an input check) reads as 0 (``False``), which every check of hfgan's models passes.
    """

    def __init__(self):
        super().__init__()
        self.live = self.peak = 0

    def _free(self, nbytes: int) -> None:
        self.live -= nbytes

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is torch.ops.aten._local_scalar_dense.default and args[0].is_meta:
            return False if args[0].dtype == torch.bool else 0
        out = func(*args, **(kwargs or {}))
        if any(ret.alias_info is not None for ret in func._schema.returns):
            return out
        for tensor in tree_flatten(out)[0]:
            if isinstance(tensor, torch.Tensor):
                nbytes = tensor.untyped_storage().nbytes()
                self.live += nbytes
                weakref.finalize(tensor, self._free, nbytes)
        workspace = _unfolded_bytes(args, out) if func is torch.ops.aten.convolution.default else 0
        self.peak = max(self.peak, self.live + workspace)
        return out


def _unfolded_bytes(args, out: torch.Tensor) -> int:
    """The im2col buffer of ``aten.convolution(input, weight, ..., transposed, ...)`` on the CPU: every input value
    under the kernel at every output position (for a transposed convolution, every output value under the kernel
    at every input position)."""
    pixel_values, weight, transposed = args[0], args[1], args[6]
    kernel = math.prod(weight.shape[2:])
    if transposed:  # weight [C_in, C_out / groups, kh, kw]
        values = pixel_values.shape[0] * weight.shape[1] * kernel * math.prod(pixel_values.shape[2:])
    else:  # weight [C_out, C_in / groups, kh, kw]
        values = out.shape[0] * pixel_values.shape[1] * kernel * math.prod(out.shape[2:])
    return 0 if kernel == 1 else values * out.element_size()


@dataclass(frozen=True)
class ActivationEstimate:
    """The memory a generator needs to make images, beyond its weights.

    ``first``: bytes at the peak of a call for one image, including what a first call builds once (normalized
    weight copies); ``per_image``: bytes each further image of the same call adds; ``output_shape``: ``(C, H, W)``
    of one image; ``output_bytes``: one image at the model's dtype.
    """

    first: int
    per_image: int
    output_shape: Tuple[int, ...]
    output_bytes: int

    @property
    def size_text(self) -> str:
        """``"WxH"`` of one image."""
        return f"{self.output_shape[-1]}x{self.output_shape[-2]}"

    def bytes_for(self, num_images: int) -> int:
        """Bytes a call for ``num_images`` images needs."""
        return self.first + max(int(num_images) - 1, 0) * self.per_image

    def max_images(self, budget: float) -> int:
        """The most images one call can make in ``budget`` bytes (0 when not even one fits)."""
        if self.first > budget:
            return 0
        return 1 + int((budget - self.first) // max(self.per_image, 1))


def _meta_inputs(model, config, batch_size: int, dtype: torch.dtype) -> tuple:
    """Inputs of ``batch_size`` images on the ``meta`` device: ``pixel_values`` for a translator (a config with
    ``in_channels`` and no ``latent_dim``), else ``latents`` (and ``class_labels`` for a conditional model)."""
    if config.get("latent_dim") is None and config.get("in_channels") is not None:
        size = config["sample_size"]
        return (torch.zeros(batch_size, config["in_channels"], size, size, device="meta", dtype=dtype),)
    latents = torch.zeros(batch_size, config["latent_dim"], device="meta", dtype=dtype)
    if config.get("num_classes"):
        return latents, torch.zeros(batch_size, dtype=torch.long, device="meta")
    return (latents,)


def _peak_bytes(model, config, batch_size: int, dtype: torch.dtype) -> Tuple[int, Tuple[int, ...]]:
    """``(peak bytes, output shape)`` of one eval-mode forward pass of ``batch_size`` images on the meta device;
    the inputs count as part of it."""
    inputs = _meta_inputs(model, config, batch_size, dtype)
    with torch.no_grad(), _PeakMemory() as tracker:
        output = model(*inputs)
        shape = tuple(output.shape)
        del output
    return tracker.peak + sum(t.numel() * t.element_size() for t in inputs), shape


def _measure(model, config: dict, dtype: torch.dtype) -> ActivationEstimate:
    """Three passes on the meta device: one image (with the first call's one-off work), one image again, two
    images; ``per_image`` is what the second image adds."""
    first, shape = _peak_bytes(model, config, 1, dtype)
    one, _ = _peak_bytes(model, config, 1, dtype)
    two, _ = _peak_bytes(model, config, 2, dtype)
    output_bytes = math.prod(shape[1:]) * torch.empty((), dtype=dtype, device="meta").element_size()
    extra = _output_handling_bytes(shape[1:])
    per_image = max(two - one, output_bytes) + extra
    return ActivationEstimate(first + extra, per_image, tuple(shape[1:]), output_bytes)


def _output_handling_bytes(image_shape: Tuple[int, ...]) -> int:
    """What turning one output image into an 8-bit one holds: :data:`OUTPUT_COPIES` float32 copies of it."""
    return OUTPUT_COPIES * math.prod(image_shape) * 4


def _from_config_alone(config: dict, dtype: torch.dtype) -> ActivationEstimate:
    """For a generator that cannot run on the meta device: a bound from the image size alone (its activations
    taken as eight images' worth)."""
    size = config.get("sample_size") or 1
    height, width = (size, size) if isinstance(size, int) else tuple(size)
    shape = (int(config.get("out_channels") or 3), int(height), int(width))
    output_bytes = math.prod(shape) * torch.empty((), dtype=dtype, device="meta").element_size()
    per_image = 8 * output_bytes + _output_handling_bytes(shape)
    return ActivationEstimate(per_image, per_image, shape, output_bytes)


def _on_meta(model: torch.nn.Module, dtype: Optional[torch.dtype]) -> Tuple[torch.nn.Module, torch.dtype]:
    """A model built on the meta device, at ``dtype`` (default float32), in eval mode."""
    dtype = dtype or torch.float32
    return torch.nn.Module.to(model, dtype=dtype).eval(), dtype


def first_image_bytes(meta_model: torch.nn.Module, dtype: Optional[torch.dtype] = None) -> Tuple[int, Tuple[int, ...]]:
    """``(bytes, (C, H, W))``: what the first call of a generator built on the meta device needs for one image,
    from one pass there (the loader's check; :func:`estimate_activations` has the whole estimate)."""
    model, dtype = _on_meta(meta_model, dtype)
    try:
        first, shape = _peak_bytes(model, model.config, 1, dtype)
    except Exception:  # noqa: BLE001 - a network the meta device cannot run: fall back on its image size
        estimate = _from_config_alone(model.config, dtype)
        return estimate.first, estimate.output_shape
    return first + _output_handling_bytes(shape[1:]), tuple(shape[1:])


def estimate_activations(cls, config: dict, dtype: Optional[torch.dtype] = None) -> ActivationEstimate:
    """The activation memory of generator class ``cls`` with ``config`` (see :class:`ActivationEstimate`), at
    ``dtype`` (default float32), measured by running it on the ``meta`` device: nothing is allocated, and it takes
    milliseconds. A generator that cannot run there is bounded from its image size alone."""
    with torch.device("meta"):
        model = cls.from_config(config)
    model, dtype = _on_meta(model, dtype)
    try:
        return _measure(model, model.config, dtype)
    except Exception:  # noqa: BLE001 - a network the meta device cannot run: fall back on its image size
        return _from_config_alone(model.config, dtype)


# {generator: {dtype: estimate}}: measured once per loaded model and dtype
_ESTIMATES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def generator_activations(model: torch.nn.Module) -> ActivationEstimate:
    """:func:`estimate_activations` of a loaded generator at its dtype, measured once per model and dtype."""
    weight = next(model.parameters(), None)
    dtype = weight.dtype if weight is not None and weight.is_floating_point() else torch.float32
    by_dtype = _ESTIMATES.setdefault(model, {})
    if dtype not in by_dtype:
        by_dtype[dtype] = estimate_activations(type(model), dict(model.config), dtype)
    return by_dtype[dtype]


def available_memory(device=None) -> int:
    """Bytes that can be allocated now on ``device``: free GPU memory on a CUDA device, else the RAM available."""
    device = torch.device(device) if device is not None else torch.device("cpu")
    if device.type == "cuda" and torch.cuda.is_available():
        return int(torch.cuda.mem_get_info(device)[0])
    return _available_memory()


def max_images_in_memory(model: torch.nn.Module, device=None) -> int:
    """The most images one call of generator ``model`` should make on ``device``: those that fit in
    :data:`MEMORY_FRACTION` of the memory available, at least 1 when one image fits at all, 0 when not."""
    estimate, available = generator_activations(model), available_memory(device)
    if estimate.first > available:
        return 0
    return max(1, estimate.max_images(MEMORY_FRACTION * available))


def check_images_fit(model: torch.nn.Module, num_images: int, device=None) -> None:
    """Refuse, with one line, a call of generator ``model`` for ``num_images`` images that does not fit in the
    memory available on ``device`` (see :func:`max_images_in_memory`), saying how many would."""
    fit = max_images_in_memory(model, device)
    if num_images <= fit:
        return
    estimate, available = generator_activations(model), available_memory(device)
    if fit == 0:
        raise HFGANError(f"one {estimate.size_text} image of {type(model).__name__} needs about {_gib(estimate.first)} "
                         f"of memory, but only {_gib(available)} of memory is available")
    raise HFGANError(f"{num_images} images of {estimate.size_text} need about {_gib(estimate.bytes_for(num_images))} "
                     f"of memory, but at most {_gib(MEMORY_FRACTION * available)} may be used now (half of the "
                     f"{_gib(available)} available): ask for at most {fit}")
