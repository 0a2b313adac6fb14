"""``hfgan generate PATH_OR_REPO``: sample a grid PNG (and, on request, the individual images)."""

import argparse
import os


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pipeline", help="a saved pipeline folder or a Hub repo id")
    parser.add_argument("--num-images", type=int, default=16, help="number of images (default 16)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--class-label", default=None,
                        help="class index or name for conditional models; 'all' cycles through every class")
    parser.add_argument("--truncation-psi", type=float, default=1.0, help="truncation trick factor (default 1.0)")
    parser.add_argument("--out", default="grid.png", help="grid PNG path (default grid.png)")
    parser.add_argument("--nrow", type=int, default=None, help="images per grid row")
    parser.add_argument("--scale", type=int, default=1, help="integer upscaling of the grid (nearest)")
    parser.add_argument("--save-images", default=None, metavar="DIR", help="also write each image to DIR")
    parser.add_argument("--device", default=None, help="torch device (default: cuda if available, else cpu)")
    parser.add_argument("--local-files-only", action="store_true", help="do not contact the Hub")


def run(args) -> int:
    import torch
    from PIL import Image

    from ..errors import HFGANError
    from ..pipelines import GANPipeline
    from ..viz import make_image_grid
    from ._common import load_pipeline_quietly, resolve_device

    if args.num_images < 1:
        raise HFGANError(f"--num-images must be >= 1, got {args.num_images}")
    if args.scale < 1 or (args.nrow is not None and args.nrow < 1):
        raise HFGANError(f"--scale and --nrow must be >= 1, got {args.scale} and {args.nrow}")
    if Image.registered_extensions().get(os.path.splitext(args.out)[1].lower()) not in Image.SAVE:
        raise HFGANError(f"--out {args.out}: not an image file extension PIL can write (use .png)")
    device = resolve_device(args.device)
    pipe = load_pipeline_quietly(args.pipeline, args.local_files_only)
    if not isinstance(pipe, GANPipeline):
        raise HFGANError(f"{args.pipeline} is an image-to-image pipeline ({type(pipe).__name__}): "
                         f"use `hfgan translate {args.pipeline} INPUT... --out DIR`")
    pipe.to(device)
    class_labels = None
    if args.class_label is not None:
        label = args.class_label
        if label == "all" and pipe.num_classes:
            class_labels = [i % pipe.num_classes for i in range(args.num_images)]
        else:
            class_labels = int(label) if label.lstrip("-").isdigit() else label
    elif pipe.num_classes:
        class_labels = [i % pipe.num_classes for i in range(args.num_images)]
    generator = torch.Generator(device="cpu").manual_seed(args.seed)
    images = pipe(batch_size=args.num_images, class_labels=class_labels, generator=generator,
                  truncation_psi=args.truncation_psi).images
    nrow = args.nrow or (pipe.num_classes if class_labels is not None and isinstance(class_labels, list) else None)
    grid = make_image_grid(images, nrow=nrow, scale=args.scale)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    grid.save(args.out)
    print(f"wrote {args.out} ({len(images)} images, {grid.width}x{grid.height})")
    if args.save_images:
        os.makedirs(args.save_images, exist_ok=True)
        for i, image in enumerate(images):
            image.save(os.path.join(args.save_images, f"{i:05d}.png"))
        print(f"wrote {len(images)} images to {args.save_images}")
    return 0
