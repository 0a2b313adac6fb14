"""``hfgan translate PIPELINE INPUT... --out DIR``: translate image files (or folders of them) with an
image-to-image pipeline, one PNG per input named after it (and, on request, an input|output pair)."""

import argparse
import os
from typing import List


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ._common import add_allow_nonfinite, add_loading_args

    parser.add_argument("pipeline", metavar="PIPELINE", help="a saved image-to-image pipeline folder or a Hub repo id")
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files, or folders of images (not recursive)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the translated images (<stem>.png)")
    parser.add_argument("--direction", choices=("forward", "reverse"), default="forward",
                        help="forward (source -> target), or reverse (two-way CycleGAN pipelines only)")
    parser.add_argument("--batch-size", type=int, default=16,
                        help="images per forward pass, at most the pipeline's max_batch_size (default 16)")
    parser.add_argument("--side-by-side", action="store_true",
                        help="also write <stem>_pair.png: the input (at the model's size) beside its translation")
    add_loading_args(parser)
    add_allow_nonfinite(parser)


def _is_image_name(name: str) -> bool:
    from PIL import Image

    return os.path.splitext(name)[1].lower() in Image.registered_extensions()


def collect_inputs(inputs: List[str]) -> List[str]:
    """Image files named, and those in named folders (sorted; other files there are skipped); each is checked
    to be an image PIL can read, and no two may write the same output name."""
    from PIL import Image, UnidentifiedImageError

    from ..errors import HFGANError

    paths: List[str] = []
    for item in inputs:
        if os.path.isdir(item):
            found = sorted(os.path.join(item, n) for n in os.listdir(item)
                           if _is_image_name(n) and os.path.isfile(os.path.join(item, n)))
            if not found:
                raise HFGANError(f"{item}: the folder holds no image files")
            paths += found
        elif os.path.isfile(item):
            paths.append(item)
        else:
            raise HFGANError(f"{item}: no such file or folder")
    stems = {}
    for path in paths:
        try:
            with Image.open(path) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
            reason = "not an image PIL can read" if isinstance(err, UnidentifiedImageError) else f"a broken image ({err})"
            raise HFGANError(f"{path}: {reason}".splitlines()[0]) from None
        stem = os.path.splitext(os.path.basename(path))[0]
        if stem in stems:
            raise HFGANError(f"{stems[stem]} and {path} would both be written as {stem}.png")
        stems[stem] = path
    return paths


def _pair(source, translated):
    """``source | translated`` in one image, the source resized to the translation's size and mode."""
    from PIL import Image

    from ..viz import make_image_grid

    mode = "L" if translated.mode == "L" and source.mode in ("1", "L", "LA", "I", "I;16", "F") else "RGB"
    images = [source.convert(mode).resize(translated.size, Image.Resampling.LANCZOS), translated.convert(mode)]
    return make_image_grid(images, nrow=2)


def run(args) -> int:
    from PIL import Image
    from tqdm.auto import tqdm

    from ..errors import HFGANError
    from ..pipelines import GANImageToImagePipeline
    from ._common import load_pipeline_quietly, loading_kwargs, resolve_device

    if args.batch_size < 1:
        raise HFGANError(f"--batch-size must be >= 1, got {args.batch_size}")
    paths = collect_inputs(args.inputs)
    if args.side_by_side:
        stems = {os.path.splitext(os.path.basename(p))[0]: p for p in paths}
        clash = next((p for stem, p in stems.items() if f"{stem}_pair" in stems), None)
        if clash is not None:
            raise HFGANError(f"--side-by-side: the pair of {clash} would overwrite the translation of "
                             f"{stems[os.path.splitext(os.path.basename(clash))[0] + '_pair']}")
    device = resolve_device(args.device)
    pipe = load_pipeline_quietly(args.pipeline, allow_nonfinite=args.allow_nonfinite, **loading_kwargs(args))
    if not isinstance(pipe, GANImageToImagePipeline):
        raise HFGANError(f"{args.pipeline} is an image generation pipeline ({type(pipe).__name__}), not an image-to-image "
                         f"one: use `hfgan generate {args.pipeline}`")
    if args.batch_size > pipe.max_batch_size:
        raise HFGANError(f"--batch-size must be at most {pipe.max_batch_size} (the pipeline's max_batch_size), "
                         f"got {args.batch_size}")
    pipe.translator(args.direction)  # a reverse direction on a one-way pipeline fails before any work
    pipe.to(device)
    os.makedirs(args.out, exist_ok=True)
    with tqdm(total=len(paths), desc="translate", unit="img", disable=len(paths) <= args.batch_size, leave=False) as bar:
        for start in range(0, len(paths), args.batch_size):
            batch = paths[start:start + args.batch_size]
            sources = []
            for path in batch:
                with Image.open(path) as image:
                    image.load()
                    sources.append(image)
            outputs = pipe(sources, direction=args.direction).images
            for path, source, output in zip(batch, sources, outputs):
                stem = os.path.splitext(os.path.basename(path))[0]
                output.save(os.path.join(args.out, f"{stem}.png"))
                if args.side_by_side:
                    _pair(source, output).save(os.path.join(args.out, f"{stem}_pair.png"))
            bar.update(len(batch))
    pairs = " and input|output pairs" if args.side_by_side else ""
    print(f"wrote {len(paths)} translated images{pairs} to {args.out} ({args.direction})")
    return 0
