"""Read NVlabs' stylegan2-ada-pytorch networks into :class:`StyleGAN2Generator` / :class:`StyleGAN2Discriminator`.

Sources:

- a state dict of the reference's ``G_ema`` (keys ``mapping.*``, ``synthesis.*``) in ``.safetensors`` or
  ``.pt``/``.pth`` (read with ``torch.load(weights_only=True)``: tensors only), optionally with the ``D`` state dict in a
  second file (``discriminator=``); or one file holding both under ``G_ema.`` / ``D.`` prefixes (or a dict
  ``{"G_ema": {...}, "D": {...}}`` in a ``.pt``);
- the reference's network pickle (``network-snapshot-*.pkl``), only with ``trust_pickle=True``: unpickling runs code
  from the file and imports the reference's ``dnnlib`` and ``torch_utils`` packages, so a checkout of
  stylegan2-ada-pytorch must be importable (e.g. on ``PYTHONPATH``). Its ``G_ema`` and ``D`` carry their constructor
  arguments, so nothing needs to be inferred.

Our networks name and store their tensors as the reference does, so conversion drops the FIR filter buffers and
checks every key and shape. The architecture is read from the tensor shapes; what shapes cannot tell
(``conv_clamp``, the minibatch-std group size, the learning-rate multipliers, a crop to ``sample_size``) comes
from the pickle's arguments or the caller.
"""

import math
import os
import pickle
import re
from typing import Any, Dict, Optional, Tuple

import torch

from ..errors import CheckpointError, HFGANError, one_line

SOURCE_PROJECT = "stylegan2-ada-pytorch"
TENSOR_SUFFIXES = (".safetensors", ".pt", ".pth")
PICKLE_SUFFIXES = (".pkl", ".pickle")
_DROPPED = re.compile(r"(^|\.)resample_filter$")

StateDict = Dict[str, torch.Tensor]


def _is_state_dict(value) -> bool:
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in value.items())


def _load_tensors(path: str) -> Any:
    try:
        if path.endswith(".safetensors"):
            from safetensors.torch import load_file

            return load_file(path, device="cpu")
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - a foreign, truncated or code-carrying file
        raise CheckpointError(f"{path} is not a file of tensors that loads without unpickling code ({one_line(err)[:160]}); "
                              f"a {SOURCE_PROJECT} network pickle must end in .pkl and needs --trust-pickle") from None


def _split(state: Any, path: str) -> Tuple[StateDict, Optional[StateDict]]:
    """``(G_ema, D or None)`` from a flat state dict, a prefixed one, or a dict of two state dicts."""
    if isinstance(state, dict) and isinstance(state.get("G_ema"), dict):
        g, d = state["G_ema"], state.get("D")
        if not _is_state_dict(g) or (d is not None and not _is_state_dict(d)):
            raise CheckpointError(f"{path}: 'G_ema' and 'D' must be state dicts of named tensors")
        return g, d
    if not _is_state_dict(state):
        raise CheckpointError(f"{path} does not hold a state dict of named tensors")
    if any(k.startswith("G_ema.") for k in state):
        g = {k[len("G_ema."):]: v for k, v in state.items() if k.startswith("G_ema.")}
        d = {k[len("D."):]: v for k, v in state.items() if k.startswith("D.")}
        return g, d or None
    return state, None


def _load_pickle(path: str) -> Tuple[StateDict, Optional[StateDict], Dict, Dict]:
    """``(G_ema state, D state, G kwargs, D kwargs)`` of a network pickle (runs the pickle's code)."""
    try:
        with open(path, "rb") as f:
            data = pickle.load(f)  # noqa: S301 - the caller passed trust_pickle
    except ModuleNotFoundError as err:
        raise CheckpointError(f"{path} needs the module {err.name!r} of {SOURCE_PROJECT} to unpickle: put a checkout "
                              f"of it on PYTHONPATH") from None
    except Exception as err:  # noqa: BLE001
        raise CheckpointError(f"{path} is not a readable network pickle ({one_line(err)[:160]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("G_ema"), torch.nn.Module):
        raise CheckpointError(f"{path} is not a {SOURCE_PROJECT} network pickle (no G_ema network)")
    g_module, d_module = data["G_ema"], data.get("D")
    g_state = {k: v.detach().float() for k, v in g_module.state_dict().items()}
    d_state = {k: v.detach().float() for k, v in d_module.state_dict().items()} if isinstance(d_module, torch.nn.Module) else None
    g_kwargs = dict(getattr(g_module, "init_kwargs", {}) or {})
    d_kwargs = dict(getattr(d_module, "init_kwargs", {}) or {}) if d_state is not None else {}
    return g_state, d_state, g_kwargs, d_kwargs


def read_source(src: str, discriminator: Optional[str] = None, trust_pickle: bool = False):
    """``(G_ema state, D state or None, G kwargs, D kwargs)`` of a source file (kwargs only from a pickle)."""
    if not os.path.isfile(src):
        raise HFGANError(f"{src} is not a file (expected a {SOURCE_PROJECT} state dict or network pickle)")
    lower = src.lower()
    if lower.endswith(PICKLE_SUFFIXES):
        if not trust_pickle:
            raise HFGANError(f"{src} is a pickle: reading it runs code from the file. If you trust it, pass "
                             f"--trust-pickle (it imports {SOURCE_PROJECT}'s dnnlib and torch_utils: put a checkout "
                             "on PYTHONPATH), or convert a state dict (.safetensors / .pt) instead")
        g, d, g_kwargs, d_kwargs = _load_pickle(src)
    elif lower.endswith(TENSOR_SUFFIXES):
        g, d = _split(_load_tensors(src), src)
        g_kwargs, d_kwargs = {}, {}
    else:
        raise HFGANError(f"{src}: unknown file type; expected {', '.join(TENSOR_SUFFIXES + PICKLE_SUFFIXES)}")
    if discriminator is not None:
        if d is not None:
            raise HFGANError(f"{src} already holds a discriminator; do not pass another one")
        if not os.path.isfile(discriminator) or not discriminator.lower().endswith(TENSOR_SUFFIXES):
            raise HFGANError(f"{discriminator} is not a {'/'.join(TENSOR_SUFFIXES)} file")
        d = _split(_load_tensors(discriminator), discriminator)[0]
    return g, d, g_kwargs, d_kwargs


# -- architecture from tensor shapes ---------------------------------------------------------------------------------
def _tensor(state: StateDict, key: str, path: str, ndim: int) -> torch.Tensor:
    tensor = state.get(key)
    if not isinstance(tensor, torch.Tensor) or tensor.ndim != ndim:
        raise CheckpointError(f"{path} is not a {SOURCE_PROJECT} network: no {ndim}-D tensor {key!r}")
    return tensor


def _resolutions(state: StateDict, prefix: str) -> list:
    return sorted({int(m.group(1)) for k in state for m in [re.match(re.escape(prefix) + r"b(\d+)\.", k)] if m})


def _channel_rule(channels: Dict[int, int], path: str) -> Tuple[int, int]:
    """``(channel_base, channel_max)`` with ``channels[r] == min(channel_base // r, channel_max)`` for every r."""
    channel_max = max(channels.values())
    top = max(channels)
    narrow = [r for r in channels if channels[r] < channel_max]
    anchor = max(narrow) if narrow else top
    for base in range(channels[anchor] * anchor, channels[anchor] * anchor + anchor):
        if all(min(base // r, channel_max) == c for r, c in channels.items()):
            return base, channel_max
    raise CheckpointError(f"{path}: channel widths {dict(sorted(channels.items()))} do not follow "
                          "min(channel_base // resolution, channel_max)")


def _count_layers(state: StateDict, prefix: str) -> int:
    return len({m.group(1) for k in state for m in [re.match(re.escape(prefix) + r"fc(\d+)\.weight$", k)] if m})


def generator_config(state: StateDict, path: str, reference_kwargs: Optional[Dict] = None,
                     sample_size: Optional[int] = None, conv_clamp: Optional[float] = None,
                     mapping_lr_multiplier: float = 0.01) -> Dict:
    """Our generator config for a reference ``G_ema`` state dict (and its constructor kwargs, when known)."""
    kwargs = dict(reference_kwargs or {})
    mapping_kwargs = dict(kwargs.get("mapping_kwargs") or {})
    synthesis_kwargs = dict(kwargs.get("synthesis_kwargs") or {})
    if synthesis_kwargs.get("architecture", "skip") != "skip":
        raise CheckpointError(f"{path}: synthesis architecture {synthesis_kwargs['architecture']!r} is not supported "
                              "(only 'skip', the reference's default)")
    resolutions = _resolutions(state, "synthesis.")
    if not resolutions or resolutions[0] != 4:
        raise CheckpointError(f"{path} is not a {SOURCE_PROJECT} generator (no synthesis.b4 block)")
    resolution = resolutions[-1]
    if resolutions != [2**i for i in range(2, int(math.log2(resolution)) + 1)]:
        raise CheckpointError(f"{path}: synthesis blocks {resolutions} are not 4, 8, ..., a power of two")
    channels = {r: _tensor(state, f"synthesis.b{r}.conv1.weight", path, 4).shape[0] for r in resolutions}
    # the rule also fixes the channels below 4x4 that no block uses; take them from it
    channel_base, channel_max = _channel_rule(channels, path)
    w_dim = _tensor(state, "synthesis.b4.conv1.affine.weight", path, 2).shape[1]
    num_layers = _count_layers(state, "mapping.")
    fc0 = _tensor(state, "mapping.fc0.weight", path, 2)
    embed = state.get("mapping.embed.weight")
    num_classes = embed.shape[1] if isinstance(embed, torch.Tensor) and embed.ndim == 2 else None
    embed_features = embed.shape[0] if num_classes else 0
    latent_dim = fc0.shape[1] - embed_features
    layer_features = fc0.shape[0] if num_layers > 1 else w_dim
    out_channels = _tensor(state, f"synthesis.b{resolution}.torgb.weight", path, 4).shape[0]
    if sample_size is not None:
        from ..models.stylegan2.modeling_stylegan2 import _resolution_for

        if _resolution_for("sample_size", sample_size) != resolution:
            raise HFGANError(f"sample_size={sample_size} would render at {_resolution_for('sample_size', sample_size)}, "
                             f"but {path} renders at {resolution}x{resolution}")
    if latent_dim < 1:
        raise CheckpointError(f"{path}: mapping.fc0 takes {fc0.shape[1]} features, leaving no latent (z_dim 0 is not supported)")
    clamp = synthesis_kwargs.get("conv_clamp", conv_clamp)
    return {
        "latent_dim": latent_dim,
        "w_dim": w_dim,
        "num_classes": num_classes,
        "sample_size": sample_size or resolution,
        "out_channels": out_channels,
        "channel_base": channel_base,
        "channel_max": channel_max,
        "mapping_layers": num_layers,
        "mapping_lr_multiplier": mapping_kwargs.get("lr_multiplier", mapping_lr_multiplier),
        "embed_features": embed_features if num_classes and embed_features != w_dim else None,
        "layer_features": layer_features if layer_features != w_dim else None,
        "w_avg_beta": mapping_kwargs.get("w_avg_beta", 0.995),
        "use_noise": "synthesis.b4.conv1.noise_strength" in state,
        "conv_clamp": clamp,
        "resample_filter": [float(t) for t in synthesis_kwargs.get("resample_filter", [1, 3, 3, 1])],
    }


def discriminator_config(state: StateDict, path: str, reference_kwargs: Optional[Dict] = None,
                         sample_size: Optional[int] = None, conv_clamp: Optional[float] = None,
                         mbstd_group_size: Optional[int] = 4, mapping_lr_multiplier: float = 0.01) -> Dict:
    """Our discriminator config for a reference ``D`` state dict (and its constructor kwargs, when known)."""
    kwargs = dict(reference_kwargs or {})
    if kwargs.get("architecture", "resnet") != "resnet":
        raise CheckpointError(f"{path}: discriminator architecture {kwargs['architecture']!r} is not supported "
                              "(only 'resnet', the reference's default)")
    epilogue = dict(kwargs.get("epilogue_kwargs") or {})
    mapping_kwargs = dict(kwargs.get("mapping_kwargs") or {})
    resolutions = _resolutions(state, "")
    resolution = resolutions[-1] if resolutions else 0
    if 4 not in resolutions or resolution < 8 or f"b{resolution}.fromrgb.weight" not in state:
        raise CheckpointError(f"{path} is not a {SOURCE_PROJECT} discriminator (no b4 epilogue or fromrgb block)")
    channels = {r: _tensor(state, f"b{r}.conv0.weight", path, 4).shape[0] for r in resolutions if r > 4}
    channels[4] = _tensor(state, "b4.conv.weight", path, 4).shape[0]
    channel_base, channel_max = _channel_rule(channels, path)
    embed = state.get("mapping.embed.weight")
    num_classes = embed.shape[1] if isinstance(embed, torch.Tensor) and embed.ndim == 2 else None
    cmap_dim = _tensor(state, "b4.out.weight", path, 2).shape[0] if num_classes else None
    return {
        "in_channels": _tensor(state, f"b{resolution}.fromrgb.weight", path, 4).shape[1],
        "sample_size": sample_size or resolution,
        "num_classes": num_classes,
        "channel_base": channel_base,
        "channel_max": channel_max,
        "mbstd_group_size": epilogue.get("mbstd_group_size", mbstd_group_size),
        "mbstd_num_channels": _tensor(state, "b4.conv.weight", path, 4).shape[1] - channels[4],
        "cmap_dim": cmap_dim if cmap_dim != channels[4] else None,
        "mapping_layers": _count_layers(state, "mapping.") or 8,
        "mapping_lr_multiplier": mapping_kwargs.get("lr_multiplier", mapping_lr_multiplier),
        "conv_clamp": kwargs.get("conv_clamp", conv_clamp),
        "resample_filter": [float(t) for t in (kwargs.get("block_kwargs") or {}).get("resample_filter", [1, 3, 3, 1])],
    }


def convert_state_dict(state: StateDict, model: torch.nn.Module, path: str, what: str) -> StateDict:
    """The reference ``state`` without its FIR filter buffers, checked key by key and shape by shape against ``model``."""
    expected = model.state_dict()
    converted = {k: v for k, v in state.items() if not _DROPPED.search(k)}
    unexpected = sorted(set(converted) - set(expected))
    missing = sorted(set(expected) - set(converted))
    if unexpected or missing:
        raise CheckpointError(f"{path} does not match a {SOURCE_PROJECT} {what} (unexpected {unexpected[:3]}, "
                              f"missing {missing[:3]})")
    for key, tensor in converted.items():
        if tuple(tensor.shape) != tuple(expected[key].shape):
            raise CheckpointError(f"{path}: {key} has shape {list(tensor.shape)}, expected {list(expected[key].shape)}")
        if not tensor.is_floating_point() or not torch.isfinite(tensor).all():
            raise CheckpointError(f"{path}: {key} is not floating point or holds NaN or inf")
    return {k: v.to(expected[k].dtype).contiguous() for k, v in converted.items()}


def load_stylegan2_ada(src: str, discriminator: Optional[str] = None, trust_pickle: bool = False,
                       sample_size: Optional[int] = None, conv_clamp: Optional[float] = None,
                       mbstd_group_size: Optional[int] = 4, class_names: Optional[list] = None):
    """``(generator, discriminator or None)`` in eval mode from a stylegan2-ada-pytorch source (see module doc)."""
    from ..models.stylegan2 import StyleGAN2Discriminator, StyleGAN2Generator

    g_state, d_state, g_kwargs, d_kwargs = read_source(src, discriminator, trust_pickle)
    g_path = src
    g_config = generator_config(g_state, g_path, g_kwargs, sample_size, conv_clamp)
    if class_names is not None:
        g_config["class_names"] = list(class_names)
    generator = StyleGAN2Generator(**g_config)
    generator.load_state_dict(convert_state_dict(g_state, generator, g_path, "generator (G_ema)"))
    disc = None
    if d_state is not None:
        d_path = discriminator or src
        d_config = discriminator_config(d_state, d_path, d_kwargs, sample_size, conv_clamp, mbstd_group_size)
        if d_config["num_classes"] != g_config["num_classes"] or d_config["in_channels"] != g_config["out_channels"]:
            raise CheckpointError(f"{d_path}: the discriminator ({d_config['in_channels']} channels, "
                                  f"{d_config['num_classes']} classes) does not fit the generator "
                                  f"({g_config['out_channels']} channels, {g_config['num_classes']} classes)")
        disc = StyleGAN2Discriminator(**d_config)
        disc.load_state_dict(convert_state_dict(d_state, disc, d_path, "discriminator (D)"))
        disc.eval()
    return generator.eval(), disc


def convert_stylegan2_ada(src: str, dst: str, discriminator: Optional[str] = None, trust_pickle: bool = False,
                          sample_size: Optional[int] = None, conv_clamp: Optional[float] = None,
                          mbstd_group_size: Optional[int] = 4, class_names: Optional[list] = None,
                          name: Optional[str] = None):
    """Write a :class:`GANPipeline` folder at ``dst`` from a stylegan2-ada-pytorch source (see module doc)."""
    from ..pipelines import GANPipeline

    generator, disc = load_stylegan2_ada(src, discriminator, trust_pickle, sample_size, conv_clamp, mbstd_group_size,
                                         class_names)
    pipe = GANPipeline(generator=generator, discriminator=disc)
    pipe.card_data = {"name": name or os.path.splitext(os.path.basename(src))[0],
                      "converted_from": {"project": SOURCE_PROJECT, "format": "stylegan2-ada"}}
    pipe.save_pretrained(dst)
    return pipe
