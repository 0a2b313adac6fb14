"""``hfgan translate PIPELINE INPUT... --out DIR``: translate image files (or folders of them) with an
image-to-image pipeline, one PNG per input named after it (and, on request, an input|output pair).

Every input's size is read from its header first: one above ``--max-image-pixels`` (default
:data:`~hfgan.pipelines.image_processor.MAX_INPUT_PIXELS`, the Space's limit too) is refused before anything is
decoded. Inputs are then decoded one batch at a time, a batch holding at most ``--batch-size`` images and no more
than :data:`DECODE_BUDGET` bytes of decoded pixels (one image always goes).
"""

import argparse
import contextlib
import os
from typing import Iterator, List, Optional, Sequence, Tuple

DECODE_BUDGET = 2**30  # bytes of decoded input pixels per batch, at most (and at most half the memory available)
DECODED_BYTES_PER_PIXEL = 8  # the decoded file (up to RGBA) and its RGB or grayscale copy


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ._common import add_allow_nonfinite, add_loading_args

    parser.add_argument("pipeline", metavar="PIPELINE", help="a saved image-to-image pipeline folder or a Hub repo id")
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files, or folders of images (not recursive)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the translated images (<stem>.png)")
    parser.add_argument("--direction", choices=("forward", "reverse"), default="forward",
                        help="forward (source -> target), or reverse (two-way CycleGAN pipelines only)")
    parser.add_argument("--batch-size", type=int, default=16,
                        help="images per forward pass, at most the pipeline's max_batch_size (default 16)")
    parser.add_argument("--max-image-pixels", type=int, default=None, metavar="N",
                        help="refuse inputs of more than N pixels, read from their header before decoding "
                             "(default 16000000, 16 megapixels)")
    parser.add_argument("--side-by-side", action="store_true",
                        help="also write <stem>_pair.png: the input (at the model's size) beside its translation")
    add_loading_args(parser)
    add_allow_nonfinite(parser)


def _is_image_name(name: str) -> bool:
    from PIL import Image

    return os.path.splitext(name)[1].lower() in Image.registered_extensions()


@contextlib.contextmanager
def pixel_limit(max_pixels: int) -> Iterator[None]:
    """PIL's decompression-bomb check at ``max_pixels`` (it warns above it and refuses twice as many) for the
    ``with`` block, then PIL's own limit back."""
    import warnings

    from PIL import Image

    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused from the header instead
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = saved


def _check_image(path: str, max_pixels: int) -> Tuple[int, int]:
    """``(width, height)`` of an image file from its header, refused in one line when PIL cannot read it, when it
    has more than ``max_pixels`` pixels, or when it is broken; nothing is decoded."""
    from PIL import Image, UnidentifiedImageError

    from ..errors import HFGANError

    limit = f"the {max_pixels / 1e6:.3g} megapixels --max-image-pixels allows (raise it to translate this image)"
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise HFGANError(f"{path} is {width}x{height} pixels ({width * height / 1e6:.3g} megapixels), "
                                 f"more than {limit}")
            image.verify()
    except HFGANError:
        raise
    except Image.DecompressionBombError:  # PIL's own check, at twice the limit, reads the size before hfgan can
        raise HFGANError(f"{path} has more than {2 * max_pixels / 1e6:.3g} megapixels, more than {limit}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        reason = "not an image PIL can read" if isinstance(err, UnidentifiedImageError) else f"a broken image ({err})"
        raise HFGANError(f"{path}: {reason}".splitlines()[0]) from None
    return width, height


def collect_inputs(inputs: List[str], max_pixels: Optional[int] = None) -> List[Tuple[str, Tuple[int, int]]]:
    """``(path, (width, height))`` of the image files named, and of those in named folders (sorted; other files
    there are skipped); each is checked from its header to be an image PIL can read of at most ``max_pixels``
    pixels (default :data:`~hfgan.pipelines.image_processor.MAX_INPUT_PIXELS`), and no two may write the same
    output name."""
    from ..errors import HFGANError
    from ..pipelines.image_processor import MAX_INPUT_PIXELS

    max_pixels = MAX_INPUT_PIXELS if max_pixels is None else max_pixels
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
    stems, sizes = {}, []
    with pixel_limit(max_pixels):
        for path in paths:
            sizes.append(_check_image(path, max_pixels))
            stem = os.path.splitext(os.path.basename(path))[0]
            if stem in stems:
                raise HFGANError(f"{stems[stem]} and {path} would both be written as {stem}.png")
            stems[stem] = path
    return list(zip(paths, sizes))


def decoded_bytes(width: int, height: int) -> int:
    """Bytes one input of ``width`` x ``height`` pixels takes while it is decoded and converted."""
    return width * height * DECODED_BYTES_PER_PIXEL


def plan_batches(sizes: Sequence[Tuple[int, int]], batch_size: int, budget: float) -> List[List[int]]:
    """The inputs (their indices, in order) of each batch: at most ``batch_size`` of them, and no more than
    ``budget`` bytes of decoded pixels (:func:`decoded_bytes`); an input larger than that goes alone."""
    batches: List[List[int]] = []
    used = 0
    for i, (width, height) in enumerate(sizes):
        cost = decoded_bytes(width, height)
        if batches and len(batches[-1]) < batch_size and used + cost <= budget:
            batches[-1].append(i)
            used += cost
        else:
            batches.append([i])
            used = cost
    return batches


def _pair(source, translated):
    """``source | translated`` in one image, the source resized to the translation's size and mode."""
    from PIL import Image

    from ..viz import make_image_grid

    mode = "L" if translated.mode == "L" and source.mode in ("1", "L", "LA", "I", "I;16", "F") else "RGB"
    images = [source.convert(mode).resize(translated.size, Image.Resampling.LANCZOS), translated.convert(mode)]
    return make_image_grid(images, nrow=2)


def run(args) -> int:
    from ..errors import HFGANError

    if args.batch_size < 1:  # the flags' errors answer before torch and diffusers load
        raise HFGANError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.max_image_pixels is not None and args.max_image_pixels < 1:
        raise HFGANError(f"--max-image-pixels must be >= 1, got {args.max_image_pixels}")
    from PIL import Image
    from tqdm.auto import tqdm

    from ..pipelines import GANImageToImagePipeline
    from ..pipelines.memory import MEMORY_FRACTION, available_memory, check_images_fit, max_images_in_memory
    from ..pipelines.image_processor import MAX_INPUT_PIXELS
    from ._common import check_loading, load_pipeline_quietly, loading_kwargs, resolve_device

    max_pixels = args.max_image_pixels or MAX_INPUT_PIXELS
    inputs = collect_inputs(args.inputs, max_pixels)
    paths = [path for path, _ in inputs]
    if args.side_by_side:
        stems = {os.path.splitext(os.path.basename(p))[0]: p for p in paths}
        clash = next((p for stem, p in stems.items() if f"{stem}_pair" in stems), None)
        if clash is not None:
            raise HFGANError(f"--side-by-side: the pair of {clash} would overwrite the translation of "
                             f"{stems[os.path.splitext(os.path.basename(clash))[0] + '_pair']}")
    device = resolve_device(args.device)
    check_loading(args.pipeline, device, args.revision, args.dtype)
    pipe = load_pipeline_quietly(args.pipeline, allow_nonfinite=args.allow_nonfinite, **loading_kwargs(args))
    if not isinstance(pipe, GANImageToImagePipeline):
        raise HFGANError(f"{args.pipeline} is an image generation pipeline ({type(pipe).__name__}), not an image-to-image "
                         f"one: use `hfgan generate {args.pipeline}`")
    if args.batch_size > pipe.max_batch_size:
        raise HFGANError(f"--batch-size must be at most {pipe.max_batch_size} (the pipeline's max_batch_size), "
                         f"got {args.batch_size}")
    translator = pipe.translator(args.direction)  # a reverse direction on a one-way pipeline fails before any work
    pipe.to(device)
    check_images_fit(translator, 1, device)
    batch_size = min(args.batch_size, max_images_in_memory(translator, device))  # the activations of a batch fit
    os.makedirs(args.out, exist_ok=True)
    budget = min(DECODE_BUDGET, MEMORY_FRACTION * available_memory())  # decoded pixels of one batch
    batches = plan_batches([size for _, size in inputs], batch_size, budget)
    with tqdm(total=len(paths), desc="translate", unit="img", disable=len(batches) <= 1, leave=False) as bar, \
            pixel_limit(max_pixels):
        for indices in batches:
            batch = [paths[i] for i in indices]
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
