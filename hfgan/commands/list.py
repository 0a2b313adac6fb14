"""``hfgan list``: registered model variants (and training presets when the trainer is installed)."""

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pattern", nargs="?", default=None, help="shell wildcard on the name, e.g. 'dcgan-*'")


def run(args) -> int:
    from ..models import get_model_entry, list_models

    names = list_models(args.pattern)
    width = max((len(n) for n in names), default=10)
    print("Models:")
    for name in names:
        entry = get_model_entry(name)
        print(f"  {name:<{width}}  {entry.family:<10} {entry.description}")
    try:
        from ..training.presets import list_presets
    except ImportError:
        return 0
    presets = list_presets(args.pattern)
    if presets:
        print("Training presets:")
        for name in presets:
            print(f"  {name}")
    return 0
