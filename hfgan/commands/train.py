"""``hfgan train PRESET_OR_CONFIG [--key value ...]``: the one trainer, on CPU, one GPU or many.

Multi-process: ``accelerate launch [--multi_gpu --num_processes N] -m hfgan.train PRESET ...``.
"""

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", nargs="?", default=None,
                        help="a preset name (see `hfgan list`) or a YAML/JSON config file")
    parser.add_argument("--resume", default=None, metavar="CHECKPOINT",
                        help="'latest' or a checkpoint folder (same as --resume_from_checkpoint)")
    parser.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    parser.add_argument("--help-config", action="store_true", help="list every config key and exit")
    parser.epilog = "Any config key can be overridden: --max_train_steps 2000 --output_dir runs/x --loss hinge"
    parser.set_defaults(_accepts_overrides=True)


def run(args) -> int:
    import json

    from ..errors import HFGANError
    from ..training import GANTrainer, config_fields, load_config, parse_overrides
    from ..training.trainer import command_line

    if args.help_config:
        print("\n".join(config_fields()))
        return 0
    if not args.config:
        raise HFGANError("give a preset name or a config file (presets: `hfgan list`)")
    overrides = parse_overrides(args.overrides)
    if args.resume:
        overrides["resume_from_checkpoint"] = args.resume
    cfg = load_config(args.config, overrides)
    if args.print_config:
        print(json.dumps(cfg.to_dict(), indent=2))
        return 0
    output = GANTrainer(cfg, command=command_line()).train()
    print(f"saved the pipeline to {output}")
    return 0
