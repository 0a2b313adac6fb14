"""``hfgan train PRESET_OR_CONFIG [--key value ...]``: the one trainer, on CPU, one GPU or many.

Multi-process: ``accelerate launch [--multi_gpu --num_processes N] -m hfgan.train PRESET ...``.
"""

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", nargs="?", default=None,
                        help="a preset name (see `hfgan list`) or a YAML/JSON config file")
    parser.add_argument("--resume", default=None, metavar="CHECKPOINT",
                        help="'latest' (the newest checkpoint of output_dir; an error if there is none), 'auto' (that, "
                             "or a fresh start when there is none: requeued cluster jobs) or a checkpoint folder; the "
                             "run's own config is the default, --key value still overrides")
    parser.add_argument("--overwrite_output_dir", "--overwrite-output-dir", nargs="?", const="true", default=None,
                        metavar="BOOL", help="train into a non-empty output_dir, clearing its old samples, checkpoints "
                                             "and logs (a fresh run refuses one otherwise)")
    parser.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    parser.add_argument("--help-config", action="store_true", help="list every config key with its default and meaning, and exit")
    parser.epilog = "Any config key can be overridden: --max_train_steps 2000 --output_dir runs/x --loss hinge"
    parser.set_defaults(_accepts_overrides=True)


def run(args) -> int:
    import json

    from ..errors import HFGANError

    if args.help_config:  # without torch: answers at once
        from ..training.config_help import format_config_help

        print(format_config_help())
        return 0
    if not args.config:
        raise HFGANError("give a preset name or a config file (presets: `hfgan list`)")
    from ..training.config import parse_overrides
    from ..training.presets import load_run_config

    overrides = parse_overrides(args.overrides)
    if args.resume:
        overrides["resume_from_checkpoint"] = args.resume
    if args.overwrite_output_dir is not None:
        overrides["overwrite_output_dir"] = args.overwrite_output_dir
    cfg = load_run_config(args.config, overrides)
    if args.print_config:
        print(json.dumps(cfg.to_dict(), indent=2))
        return 0
    from ..training.trainer import GANTrainer, command_line

    output = GANTrainer(cfg, command=command_line()).train()
    print(f"saved the pipeline to {output}")
    return 0
