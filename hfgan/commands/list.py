"""``hfgan list``: registered model variants (and training presets when the trainer is installed)."""

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pattern", nargs="?", default=None, help="shell wildcard on the name, e.g. 'dcgan-*'")


def run(args) -> int:
    from ..errors import HFGANError
    from ..models import get_model_entry, list_models

    names = list_models(args.pattern)
    try:
        from ..training.presets import list_presets
    except ImportError:  # the trainer's extras are not installed
        list_presets = None
    presets = list_presets(args.pattern) if list_presets else []
    if not names and not presets:
        raise HFGANError(f"no model variant or preset matches {args.pattern!r} (`hfgan list` shows them all)")
    width = max((len(n) for n in names), default=10)
    print("Models:")
    for name in names:
        entry = get_model_entry(name, resolve=False)  # its name, family and description: no network code
        print(f"  {name:<{width}}  {entry.family:<10} {entry.description}")
    if presets:
        print("Training presets:")
        for name in presets:
            print(f"  {name}")
    return 0
