"""``hfgan train PRESET_OR_CONFIG [--key value ...]``: the one trainer, on CPU, one GPU or many.

Without a preset: ``hfgan train --model dcgan --dataset PATH_OR_HUB_NAME --resolution 64`` (or
``--dataset imagefolder --train_data_dir PATH``) trains with the model family's recipe (:mod:`hfgan.training.recipes`).

Multi-process: ``accelerate launch [--multi_gpu --num_processes N] -m hfgan.train PRESET ...``.
"""

import argparse
import os


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
    # named here so that argparse does not take their values for the positional preset
    parser.add_argument("--model", default=None, help="without a preset: a model or family name (dcgan, cdcgan, ...)")
    parser.add_argument("--dataset", default=None, help="a Hub dataset name, an image folder, a save_to_disk folder, "
                        "or imagefolder with --train_data_dir")
    parser.add_argument("--resolution", default=None, help="image size: picks the model's variant; channels follow the data")
    parser.add_argument("--train_data_dir", "--train-data-dir", default=None, help="the folder of --dataset imagefolder")
    parser.add_argument("--print-config", action="store_true", help="print the resolved config and exit")
    parser.add_argument("--help-config", action="store_true", help="list every config key with its default and meaning, and exit")
    parser.epilog = ("Any config key can be overridden: --max_train_steps 2000 --output_dir runs/x --loss hinge, and one "
                     "key of the task's settings with --task_kwargs.KEY value (--task_kwargs.gp_weight 10). "
                     "Without a preset: --model dcgan --dataset PATH --resolution 64")
    parser.set_defaults(_accepts_overrides=True)


def _give_back_value(config, extras):
    """``hfgan train --model dcgan --max_train_steps 3``: argparse takes ``3``, the first bare value after an option it
    does not know, for the positional preset. Put it back after the first ``--key`` left without a value."""
    for i, item in enumerate(extras):
        if item.startswith("--") and "=" not in item and (i + 1 == len(extras) or extras[i + 1].startswith("--")):
            return None, extras[:i + 1] + [config] + extras[i + 1:]
    return config, extras


def run(args) -> int:
    import json

    from ..errors import HFGANError

    if args.help_config:  # without torch: answers at once
        from ..training.config_help import format_config_help

        print(format_config_help())
        return 0
    from ..training.config import parse_overrides

    if args.config is not None and not os.path.isfile(args.config):
        args.config, args.overrides = _give_back_value(args.config, list(args.overrides))
    overrides = parse_overrides(args.overrides)
    for key in ("model", "dataset", "resolution", "train_data_dir"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    if not args.config and "model" not in overrides:
        raise HFGANError("give a preset name, a config file, or --model NAME --dataset PATH (presets: `hfgan list`)")
    if args.resume:
        overrides["resume_from_checkpoint"] = args.resume
    if args.overwrite_output_dir is not None:
        overrides["overwrite_output_dir"] = args.overwrite_output_dir
    resume = {}  # the checkpoint, resolved once: here for a preset or config file, else by the trainer
    if args.config:
        from ..training.presets import load_run

        from ..training.launch import print_on_rank0

        log = (lambda message: None) if args.print_config else print_on_rank0  # stdout is the config's alone
        cfg, resume["checkpoint"] = load_run(args.config, overrides, log=log)
    else:
        from ..training.recipes import config_for_model

        cfg = config_for_model(overrides)
    if args.print_config:
        print(json.dumps(cfg.to_dict(), indent=2))
        return 0
    from ..training.launch import command_line, print_on_rank0, warn_one_of_several
    from ..training.trainer import GANTrainer

    warn_one_of_several()
    output = GANTrainer(cfg, command=command_line(), **resume).train()
    print_on_rank0(f"saved the pipeline to {output}")
    return 0
