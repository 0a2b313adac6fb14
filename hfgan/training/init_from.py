"""``init_from``: start a run from a pretrained pipeline's weights (fine-tuning, transfer).

The source is a saved pipeline folder or a Hub repo, loaded with :func:`hfgan.load_pipeline` (safetensors, never
unpickled). Each of the run's freshly built networks that the source has as a component (generator,
discriminator, and CycleGAN's reverse pair) takes its parameters and buffers; the run's EMA copies then start from
them. The networks are built from the run's own config, so they must have the source's architecture: any
difference is a one-line error naming the first parameter that differs and both shapes.
"""

import os
from typing import Dict, List

import torch
from torch import nn

from ..errors import ConfigError, HFGANError, one_line


def load_initial_weights(nets: Dict[str, nn.Module], source: str, log=print) -> List[str]:
    """Copy the weights of ``source``'s components into ``nets`` (in place); returns the names loaded.

    Raises a :class:`ConfigError` on a missing component, class, parameter or shape mismatch.
    """
    from ..pipelines import load_pipeline

    try:
        pipe = load_pipeline(source)
    except HFGANError:
        raise
    except Exception as err:  # noqa: BLE001 - an unreachable repo, a folder that is no pipeline
        raise ConfigError(f"init_from: cannot load a pipeline from {source!r} ({one_line(err)})") from None
    components = dict(pipe.components)
    loaded = []
    for name, net in nets.items():
        src = components.get(name)
        if src is None:
            continue
        _check_compatible(name, src, net, source)
        with torch.no_grad():
            net.load_state_dict(src.state_dict())
        loaded.append(name)
    if "generator" not in loaded:
        raise ConfigError(f"init_from: {source!r} has no generator (components: {sorted(k for k, v in components.items() if v is not None)})")
    skipped = sorted(set(nets) - set(loaded))
    log(f"init_from {source}: loaded {', '.join(loaded)}" + (f"; {', '.join(skipped)} start from scratch" if skipped else ""))
    return loaded


def _check_compatible(name: str, src: nn.Module, net: nn.Module, source: str) -> None:
    theirs, ours = src.state_dict(), net.state_dict()
    hint = f"; give the run the source's {name}_kwargs (see {os.path.join(source, name, 'config.json')})" \
        if name in ("generator", "discriminator") else ""
    if type(src).__name__ != type(net).__name__:
        raise ConfigError(f"init_from: {source!r}'s {name} is a {type(src).__name__}, the run builds a "
                          f"{type(net).__name__}")
    for key, value in ours.items():
        if key not in theirs:
            raise ConfigError(f"init_from: {name}.{key} [{_shape(value)}] is not in {source!r}{hint}")
        if theirs[key].shape != value.shape:
            raise ConfigError(f"init_from: {name}.{key} has shape [{_shape(theirs[key])}] in {source!r} but "
                              f"[{_shape(value)}] in this run{hint}")
    extra = sorted(set(theirs) - set(ours))
    if extra:
        raise ConfigError(f"init_from: {source!r}'s {name}.{extra[0]} [{_shape(theirs[extra[0]])}] has no place in "
                          f"this run's {name}{hint}")


def _shape(tensor: torch.Tensor) -> str:
    return ", ".join(map(str, tensor.shape))
