"""Read BigGAN-deep checkpoints of Hugging Face's ``pytorch-pretrained-biggan`` into :class:`BigGANDeepGenerator`.

A source folder holds that project's ``config.json`` (``z_dim``, ``num_classes``, ``channel_width``, ``layers``,
``attention_layer_position``, ``n_stats``, ``eps``, ``output_dim``) and its weights, ``pytorch_model.bin`` (read with
``torch.load(weights_only=True)``: tensors only, no code) or a ``.safetensors`` file. Every tensor maps to one of
ours (the class embedding, a bias-free linear layer on one-hot labels there, is transposed into an embedding
table); spectral norms keep their stored ``u`` and ``v``, so the images are the same.
"""

import os
import re
from typing import Dict, List, Optional, Tuple

import torch

from ..errors import CheckpointError, ConfigError, HFGANError, one_line
from ..models.validation import is_int

CONFIG_NAME = "config.json"
WEIGHTS_NAMES = ("pytorch_model.bin", "model.safetensors", "pytorch_model.safetensors")
REQUIRED_KEYS = ("z_dim", "num_classes", "channel_width", "layers", "attention_layer_position", "n_stats", "eps")
SOURCE_PROJECT = "pytorch-pretrained-biggan"

# reference name -> ours, applied in order to every key
_RENAMES: List[Tuple[str, str]] = [
    (r"^generator\.gen_z\.", "project."),
    (r"^generator\.layers\.", "blocks."),
    (r"^generator\.bn\.", "norm_out."),
    (r"^generator\.conv_to_rgb\.", "to_image."),
    (r"\.bn_(\d)\.", r".norm\1."),
    (r"\.conv_(\d)\.", r".conv\1."),
    (r"\.snconv1x1_theta\.", ".query."),
    (r"\.snconv1x1_phi\.", ".key."),
    (r"\.snconv1x1_g\.", ".value."),
    (r"\.snconv1x1_o_conv\.", ".out."),
    (r"\.weight_orig$", ".parametrizations.weight.original"),
    (r"\.weight_u$", ".parametrizations.weight.0._u"),
    (r"\.weight_v$", ".parametrizations.weight.0._v"),
]


def find_weights(folder: str) -> str:
    """The weights file of a source folder: ``pytorch_model.bin`` or a single ``.safetensors`` file."""
    for name in WEIGHTS_NAMES:
        if os.path.isfile(os.path.join(folder, name)):
            return os.path.join(folder, name)
    others = sorted(f for f in os.listdir(folder) if f.endswith(".safetensors"))
    if len(others) == 1:
        return os.path.join(folder, others[0])
    raise CheckpointError(f"{folder} has no {SOURCE_PROJECT} weights ({' or '.join(WEIGHTS_NAMES[:2])})")


def read_reference_config(path: str) -> Dict:
    """The source ``config.json`` as a dict, checked to be a BigGAN-deep config of the reference project."""
    from ..pipelines.folder_checks import read_json

    config = read_json(path)
    missing = [key for key in REQUIRED_KEYS if key not in config]
    if missing:
        raise CheckpointError(f"{path} is not a {SOURCE_PROJECT} BigGAN-deep config (no {', '.join(missing)})")
    return config


def generator_config(config: Dict, path: str = CONFIG_NAME) -> Dict:
    """Our :class:`BigGANDeepGenerator` config for a reference config (what that project's code builds from it)."""
    layers = config["layers"]
    if not isinstance(layers, list) or not layers or not all(
            isinstance(layer, list) and len(layer) == 3 and isinstance(layer[0], bool)
            and is_int(layer[1]) and is_int(layer[2]) for layer in layers):
        raise ConfigError(f"{path}: 'layers' must be a list of [upsample, in_multiplier, out_multiplier], "
                          f"got {str(layers)[:80]}")
    for key in ("z_dim", "num_classes", "channel_width", "n_stats"):
        if not (is_int(config[key]) and config[key] > 0):
            raise ConfigError(f"{path}: '{key}' must be a positive integer, got {config[key]!r}")
    if layers[0][1] != 16:  # the reference's first block takes the 16 * channel_width channels of its linear layer
        raise ConfigError(f"{path}: the first layer must take 16 x channel_width channels, got {layers[0][1]}")
    size = 4 * 2 ** sum(1 for up, _, _ in layers if up)  # the reference starts from 4x4
    if config.get("output_dim", size) != size:
        raise ConfigError(f"{path}: output_dim={config['output_dim']!r}, but its layers make {size}x{size} images")
    position = config["attention_layer_position"]
    attention = position if is_int(position) and 0 <= position < len(layers) else None  # else none is built
    channel_width = config["channel_width"]
    return {
        "latent_dim": config["z_dim"],
        "num_classes": config["num_classes"],
        "class_embed_dim": config["z_dim"],  # the reference embeds classes into z_dim entries
        "channel_width": channel_width,
        "layers": [list(layer) for layer in layers],
        "attention_layer_position": attention,
        "sample_size": size,
        "out_channels": 3,
        "image_conv_channels": channel_width,
        "n_stats": config["n_stats"],
        "eps": config["eps"],
    }


def load_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """Tensors of a ``.bin`` (``torch.load(weights_only=True)``) or ``.safetensors`` file, or a one-line error."""
    try:
        if path.endswith(".safetensors"):
            from safetensors.torch import load_file

            state = load_file(path, device="cpu")
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - a foreign, truncated or code-carrying file
        raise CheckpointError(f"{path} is not a state dict of tensors that loads without unpickling code "
                              f"({one_line(err)[:200]})") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not state or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
        raise CheckpointError(f"{path} does not hold a state dict of named tensors")
    return state


def rename(key: str) -> str:
    """Our name of a reference tensor."""
    if key == "embeddings.weight":
        return "class_embedding.weight"
    for pattern, replacement in _RENAMES:
        key = re.sub(pattern, replacement, key)
    return key


def convert_state_dict(state: Dict[str, torch.Tensor], model, path: str = "weights") -> Dict[str, torch.Tensor]:
    """The reference ``state`` in our names and layout, checked key by key and shape by shape against ``model``."""
    expected = model.state_dict()
    converted = {}
    for key, tensor in state.items():
        ours = rename(key)
        if ours == "class_embedding.weight" and tensor.ndim == 2:
            tensor = tensor.t()  # linear [E, classes] on one-hot -> embedding table [classes, E]
        converted[ours] = tensor
    for key in [k for k in expected if k.endswith("._v") and k not in converted]:
        # a spectral norm saved without v: one half power-iteration step from its u
        original, u = converted.get(key[: -len("0._v")] + "original"), converted.get(key[:-2] + "_u")
        if isinstance(original, torch.Tensor) and isinstance(u, torch.Tensor) and original.is_floating_point() \
                and u.ndim == 1 and u.shape[0] == original.shape[0]:
            converted[key] = torch.nn.functional.normalize(torch.mv(original.flatten(1).t().float(), u.float()), dim=0)
    unexpected = sorted(set(converted) - set(expected))
    missing = sorted(set(expected) - set(converted))
    if unexpected or missing:
        raise CheckpointError(f"{path} does not match its config.json as a {SOURCE_PROJECT} BigGAN-deep "
                              f"(unexpected {unexpected[:3]}, missing {missing[:3]})")
    for key, tensor in converted.items():
        if tuple(tensor.shape) != tuple(expected[key].shape):
            raise CheckpointError(f"{path}: {key} has shape {list(tensor.shape)}, its config.json needs "
                                  f"{list(expected[key].shape)}")
        if not tensor.is_floating_point() or not torch.isfinite(tensor).all():
            raise CheckpointError(f"{path}: {key} is not floating point or holds NaN or inf")
    return {key: tensor.to(expected[key].dtype).contiguous() for key, tensor in converted.items()}


def check_fits_in_memory(meta_model: torch.nn.Module, config_path: str) -> None:
    """A one-line error when the parameters and buffers of ``meta_model`` (built on the ``meta`` device from
    ``config_path``) would not fit, twice over (the weights read, the network built), in the memory available."""
    from ..pipelines.memory import available_memory

    tensors = list(meta_model.parameters()) + list(meta_model.buffers())
    values = sum(t.numel() for t in tensors)
    needed, available = 2 * sum(t.numel() * t.element_size() for t in tensors), available_memory()
    if needed > available:
        raise CheckpointError(f"{config_path} describes a generator of {values:.3g} values: converting it needs about "
                          f"{needed / 2**30:.1f} GiB of memory, but only {available / 2**30:.1f} GiB is available")


def load_biggan_deep(src: str):
    """A :class:`BigGANDeepGenerator` (eval mode) with the weights of a ``pytorch-pretrained-biggan`` folder."""
    from ..models.biggan import BigGANDeepGenerator

    if not os.path.isdir(src):
        raise HFGANError(f"{src} is not a folder (expected a {SOURCE_PROJECT} folder with {CONFIG_NAME} and weights)")
    config_path = os.path.join(src, CONFIG_NAME)
    if not os.path.isfile(config_path):
        raise CheckpointError(f"{src} has no {CONFIG_NAME} (expected a {SOURCE_PROJECT} folder)")
    reference = read_reference_config(config_path)
    kwargs = generator_config(reference, config_path)
    try:
        with torch.device("meta"):  # allocates nothing: the size the config describes, checked before building it
            check_fits_in_memory(BigGANDeepGenerator(**kwargs), config_path)
    except ConfigError as err:
        raise ConfigError(f"{config_path}: {err}") from None
    weights_path = find_weights(src)
    state = load_state_dict(weights_path)
    model = BigGANDeepGenerator(**kwargs)
    model.load_state_dict(convert_state_dict(state, model, weights_path))
    return model.eval()


def convert_biggan_deep(src: str, dst: str, name: Optional[str] = None):
    """Write a :class:`GANPipeline` folder (generator only) at ``dst`` from a ``pytorch-pretrained-biggan`` folder."""
    from ..pipelines import GANPipeline

    generator = load_biggan_deep(src)
    pipe = GANPipeline(generator=generator)
    pipe.card_data = {"name": name or os.path.basename(os.path.normpath(src)),
                      "converted_from": {"project": SOURCE_PROJECT, "format": "biggan-deep"}}
    pipe.save_pretrained(dst)
    return pipe

