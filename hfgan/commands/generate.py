"""``hfgan generate PATH_OR_REPO``: sample a grid PNG (and, on request, the individual images).

Images are made and written in chunks of at most :data:`CHUNK_SIZE`, and no more than the generator's activations
(measured on the ``meta`` device) let fit in the memory available, with a progress bar, so memory stays
bounded: individual images (``--save-images``) stream to disk chunk by chunk, and the grid, kept until the end,
is made only when it has at most :data:`MAX_GRID_PIXELS` pixels. The images are those of one
``torch.Generator`` seeded with ``--seed`` (the first chunk is ``pipe(batch_size=n, generator=...)``).
"""

import argparse
import math
import os

CHUNK_SIZE = 256  # images per pipeline call
MAX_IMAGES = 1_000_000  # per command
MAX_GRID_PIXELS = 2**26  # 64 megapixels (about 192 MiB as RGB), after --scale
GRID_PADDING = 2  # hfgan.viz.make_image_grid's default


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ._common import add_allow_nonfinite, add_loading_args

    parser.add_argument("pipeline", help="a saved pipeline folder or a Hub repo id")
    parser.add_argument("--num-images", type=int, default=16, help=f"number of images, 1 to {MAX_IMAGES} (default 16)")
    parser.add_argument("--seed", type=int, default=0, help="random seed, 0 to 2**64 - 1 (default 0)")
    parser.add_argument("--class-label", default=None,
                        help="class index or name for conditional models; 'all' cycles through every class")
    parser.add_argument("--truncation-psi", type=float, default=1.0, help="truncation trick factor (default 1.0)")
    parser.add_argument("--out", default="grid.png",
                        help=f"grid PNG path (default grid.png); a grid has at most {MAX_GRID_PIXELS} pixels")
    parser.add_argument("--no-grid", action="store_true", help="write no grid, only the images of --save-images")
    parser.add_argument("--nrow", type=int, default=None, help="images per grid row")
    parser.add_argument("--scale", type=int, default=1, help="integer upscaling of the grid (nearest)")
    parser.add_argument("--save-images", default=None, metavar="DIR", help="also write each image to DIR, chunk by chunk")
    add_loading_args(parser)
    add_allow_nonfinite(parser)


def grid_pixels(num_images: int, height: int, width: int, nrow: int, scale: int = 1) -> int:
    """Pixels of the grid :func:`hfgan.viz.make_image_grid` would make, after ``scale``."""
    rows = math.ceil(num_images / nrow)
    return (rows * (height + GRID_PADDING) + GRID_PADDING) * (nrow * (width + GRID_PADDING) + GRID_PADDING) * scale**2


def _check_arguments(args) -> None:
    from PIL import Image

    from ..errors import HFGANError

    if not 1 <= args.num_images <= MAX_IMAGES:
        raise HFGANError(f"--num-images must be in [1, {MAX_IMAGES}], got {args.num_images}")
    if args.scale < 1 or (args.nrow is not None and args.nrow < 1):
        raise HFGANError(f"--scale and --nrow must be >= 1, got {args.scale} and {args.nrow}")
    if not 0 <= args.seed < 2**64:
        raise HFGANError(f"--seed must be in [0, 2**64 - 1], got {args.seed}")
    if args.no_grid and not args.save_images:
        raise HFGANError("--no-grid writes nothing without --save-images DIR")
    if not args.no_grid and Image.registered_extensions().get(os.path.splitext(args.out)[1].lower()) not in Image.SAVE:
        raise HFGANError(f"--out {args.out}: not an image file extension PIL can write (use .png)")


def chunk_size(pipe, device) -> int:
    """Images per pipeline call: at most :data:`CHUNK_SIZE` and ``pipe.max_batch_size``, and no more than fit in
    the memory available on ``device`` (:func:`hfgan.pipelines.memory.max_images_in_memory`); a one-line
    error when not even one image fits."""
    from ..pipelines.memory import check_images_fit, max_images_in_memory

    check_images_fit(pipe.generator, 1, device)
    return max(1, min(CHUNK_SIZE, pipe.max_batch_size, max_images_in_memory(pipe.generator, device)))


def _labels(args, pipe, start: int, size: int):
    """The class labels of images ``start .. start + size``: one given label, or every class in turn."""
    if args.class_label is not None and not (args.class_label == "all" and pipe.num_classes):
        label = args.class_label
        return int(label) if label.lstrip("-").isdigit() else label
    if args.class_label is not None or pipe.num_classes:
        return [i % pipe.num_classes for i in range(start, start + size)]
    return None


def run(args) -> int:
    _check_arguments(args)  # a usage error answers before torch and diffusers load
    import torch
    from tqdm.auto import tqdm

    from ..errors import HFGANError
    from ..pipelines import GANPipeline
    from ..viz import label_columns, make_image_grid
    from ._common import check_loading, load_pipeline_quietly, loading_kwargs, resolve_device

    device = resolve_device(args.device)
    check_loading(args.pipeline, device, args.revision, args.dtype)
    pipe = load_pipeline_quietly(args.pipeline, allow_nonfinite=args.allow_nonfinite, **loading_kwargs(args))
    if not isinstance(pipe, GANPipeline):
        raise HFGANError(f"{args.pipeline} is an image-to-image pipeline ({type(pipe).__name__}): "
                         f"use `hfgan translate {args.pipeline} INPUT... --out DIR`")
    cycling = isinstance(_labels(args, pipe, 0, 1), list)
    nrow = args.nrow or (pipe.num_classes if cycling else math.ceil(math.sqrt(args.num_images)))
    if not args.no_grid:
        size = pipe.generator.config.sample_size
        height, width = (size, size) if isinstance(size, int) else size
        pixels = grid_pixels(args.num_images, height, width, nrow, args.scale)
        if pixels > MAX_GRID_PIXELS:
            raise HFGANError(f"a grid of {args.num_images} images of {width}x{height} at --scale {args.scale} would have "
                             f"{pixels:.3g} pixels, more than the limit of {MAX_GRID_PIXELS} ({MAX_GRID_PIXELS / 2**20:.0f} "
                             "megapixels): lower --num-images or --scale, or use --save-images DIR --no-grid")
    pipe.to(device)
    chunk = chunk_size(pipe, device)  # with the weights in place
    generator = torch.Generator(device="cpu").manual_seed(args.seed)
    digits = max(5, len(str(args.num_images - 1)))
    if args.save_images:
        os.makedirs(args.save_images, exist_ok=True)
    kept = []  # for the grid, which the pixel budget bounds
    with tqdm(total=args.num_images, desc="generate", unit="img", disable=args.num_images <= chunk, leave=False) as bar:
        for start in range(0, args.num_images, chunk):
            size = min(chunk, args.num_images - start)
            images = pipe(batch_size=size, class_labels=_labels(args, pipe, start, size), generator=generator,
                          truncation_psi=args.truncation_psi).images
            if args.save_images:
                for i, image in enumerate(images, start):
                    image.save(os.path.join(args.save_images, f"{i:0{digits}d}.png"))
            if not args.no_grid:
                kept += images
            bar.update(size)
    if not args.no_grid:
        grid = make_image_grid(kept, nrow=nrow, padding=GRID_PADDING, scale=args.scale)
        if cycling and nrow == pipe.num_classes and pipe.class_names:  # one class per column: name each
            grid = label_columns(grid, pipe.class_names, cell_width=(kept[0].width + GRID_PADDING) * args.scale,
                                 padding=GRID_PADDING * args.scale)
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        grid.save(args.out)
        print(f"wrote {args.out} ({args.num_images} images, {grid.width}x{grid.height})")
    if args.save_images:
        print(f"wrote {args.num_images} images to {args.save_images}")
    return 0
