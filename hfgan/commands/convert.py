"""``hfgan convert FORMAT SRC DST``: another project's weights -> a normal hfgan pipeline folder.

``FORMATS`` names each readable format: a one-line description and the ``module:function(src, dst)`` that
converts it (in :mod:`hfgan.convert`). Weights are read as tensors only (safetensors, or ``torch.load`` with
``weights_only=True``); nothing is unpickled.
"""

import argparse
import importlib
import os

FORMATS = {
    "biggan-deep": ("BigGAN-deep of Hugging Face's pytorch-pretrained-biggan: a folder with its config.json and "
                    "pytorch_model.bin (or .safetensors)", "hfgan.convert.biggan:convert_biggan_deep"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("format", help="source format: " + "; ".join(f"{name} ({text})" for name, (text, _) in FORMATS.items()))
    parser.add_argument("src", help="the source checkpoint folder")
    parser.add_argument("dst", help="the hfgan pipeline folder to write (new or empty)")


def run(args) -> int:
    from ..errors import HFGANError

    if args.format not in FORMATS:
        raise HFGANError(f"unknown format {args.format!r}; known formats: {', '.join(FORMATS)}")
    if not os.path.exists(args.src):
        raise HFGANError(f"{args.src} does not exist")
    if os.path.exists(args.dst) and (not os.path.isdir(args.dst) or os.listdir(args.dst)):
        raise HFGANError(f"{args.dst} exists and is not an empty folder: choose a new folder for the pipeline")
    module_name, function_name = FORMATS[args.format][1].split(":")
    convert = getattr(importlib.import_module(module_name), function_name)
    pipe = convert(args.src, args.dst)
    generator = pipe.generator
    n_params = sum(p.numel() for p in generator.parameters())
    print(f"converted {args.src} ({args.format}) to {args.dst}: {type(generator).__name__}, {n_params:,} parameters, "
          f"{generator.config.sample_size}x{generator.config.sample_size}")
    return 0
