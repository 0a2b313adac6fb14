"""``hfgan convert FORMAT SRC DST``: another project's weights -> a normal hfgan pipeline folder.

``FORMATS`` names each readable format: a one-line description and the ``module:function(src, dst)`` that
converts it (in :mod:`hfgan.convert`). Weights are read as tensors only (safetensors, or ``torch.load`` with
``weights_only=True``); nothing is unpickled, except a stylegan2-ada network pickle when ``--trust-pickle`` says so.
"""

import argparse
import importlib
import os

FORMATS = {
    "biggan-deep": ("BigGAN-deep of Hugging Face's pytorch-pretrained-biggan: a folder with its config.json and "
                    "pytorch_model.bin (or .safetensors)", "hfgan.convert.biggan:convert_biggan_deep"),
    "stylegan2-ada": ("NVlabs' stylegan2-ada-pytorch: a state dict of G_ema (and D) in .safetensors/.pt/.pth, or a "
                      "network .pkl with --trust-pickle", "hfgan.convert.stylegan2:convert_stylegan2_ada"),
}
# options that only some formats take: format -> (option dest, ...)
FORMAT_OPTIONS = {"stylegan2-ada": ("discriminator", "trust_pickle", "sample_size", "conv_clamp", "mbstd_group_size")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("format", help="source format: " + "; ".join(f"{name} ({text})" for name, (text, _) in FORMATS.items()))
    parser.add_argument("src", help="the source checkpoint: a folder (biggan-deep) or a file (stylegan2-ada)")
    parser.add_argument("dst", help="the hfgan pipeline folder to write (new or empty)")
    group = parser.add_argument_group("stylegan2-ada")
    group.add_argument("--discriminator", metavar="FILE", default=None,
                       help="a state dict of the reference's D (.safetensors/.pt/.pth) when SRC holds G_ema only")
    group.add_argument("--trust-pickle", action="store_true",
                       help="allow a network .pkl: unpickling runs code from the file and imports stylegan2-ada-pytorch's "
                            "dnnlib and torch_utils (put a checkout on PYTHONPATH); use only files you trust")
    group.add_argument("--sample-size", type=int, default=None,
                       help="output size when it is not the network's power-of-two resolution (28: render at 32, crop)")
    group.add_argument("--conv-clamp", type=float, default=None,
                       help="the reference's conv_clamp (256 in its mixed-precision configs); a pickle carries its own")
    group.add_argument("--mbstd-group-size", type=int, default=4,
                       help="the discriminator's minibatch-std group size (default 4); a pickle carries its own")


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
    options = {dest: getattr(args, dest) for dest in FORMAT_OPTIONS.get(args.format, ()) if hasattr(args, dest)}
    pipe = convert(args.src, args.dst, **options)
    generator = pipe.generator
    n_params = sum(p.numel() for p in generator.parameters())
    print(f"converted {args.src} ({args.format}) to {args.dst}: {type(generator).__name__}, {n_params:,} parameters, "
          f"{generator.config.sample_size}x{generator.config.sample_size}")
    return 0
