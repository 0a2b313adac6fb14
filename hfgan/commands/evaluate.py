"""``hfgan evaluate PIPELINE``: FID / KID / IS / precision-recall (and class accuracy) against a dataset split.

Prints a table and the timings, writes ``metrics.json`` (``--out``) and, with ``--update-card``, puts the numbers
into the pipeline folder's model card (its ``model-index``). ``--real-vs-real SPLIT`` scores real images of SPLIT
instead of a pipeline: the floor that no generator can beat by much.

A Fashion-MNIST pipeline is reported in two feature spaces by default (``--features`` to choose): the shipped
``fashion-mnist-classifier``, which the trainer selects checkpoints with (on the train split), and the independent
``fashion-mnist-reporter``; the samples are generated once. ``--dataset PATH_OR_HUB_NAME`` scores against any image
folder or Hub dataset (reference statistics built at the pipeline's resolution and channels, then cached) with
``inception`` by default; a 28-px grayscale network on other images is refused with a one-line error.

An image-to-image pipeline (``GANImageToImagePipeline``) is scored on the test data its card records, or on
``--dataset`` (paired) / ``--dataset-a`` and ``--dataset-b`` (unpaired): FID / KID of its outputs, L1 / PSNR / SSIM
against paired targets, target-class rate and L1 to the input between domains (:mod:`hfgan.metrics.translation`).

``--seeds S1,S2,...`` compares the FID of one or more GAN pipelines over several sample seeds (one 10k sample is one
draw): per pipeline and feature space the FID of every seed, mean and standard deviation, and each later pipeline's
per-seed difference to the first (:mod:`hfgan.metrics.seed_spread`), printed and written to ``--out``.

    hfgan evaluate pipelines/dcgan-fashion-mnist --num-samples 10000 --metrics fid,kid,is,pr --update-card
    hfgan evaluate runs/dcgan-64 --dataset ./my_images --split train --inception-weights pt_inception.pth
    hfgan evaluate --real-vs-real train --split test
    hfgan evaluate runs/pix2pix-edges2fashion --update-card
    hfgan evaluate runs/cyclegan-sneaker2boot --num-samples 500
    hfgan evaluate pipelines/mlp-gan-fashion-mnist pipelines/stylegan2-fashion-mnist --seeds 0,1,2,3,4 --out spread.json
"""

import argparse
import json
import os


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pipelines", nargs="*", metavar="PIPELINE",
                        help="a saved pipeline folder or a Hub repo id (GANPipeline or GANImageToImagePipeline); "
                             "several GANPipelines with --seeds, the first being the baseline")
    parser.add_argument("--seeds", default=None, metavar="S1,S2,...",
                        help="compare the FID of the PIPELINEs over these sample seeds, e.g. 0,1,2,3,4 (instead of "
                             "--seed): every seed's FID, mean and std, and per-seed differences to the first PIPELINE")
    parser.add_argument("--dataset", default=None, metavar="PATH_OR_HUB_NAME",
                        help="real dataset: fashion_mnist (default), a local image folder or a Hub dataset name (its "
                             "reference statistics are built once and cached); for an image-to-image pipeline, a "
                             "paired test dataset such as fashion_mnist_edges (default: the one its card records)")
    parser.add_argument("--dataset-a", default=None, metavar="DOMAIN",
                        help="image-to-image, unpaired: domain A, e.g. fashion_mnist:Sneaker (default: the card's)")
    parser.add_argument("--dataset-b", default=None, metavar="DOMAIN",
                        help="image-to-image, unpaired: domain B, e.g. 'fashion_mnist:Ankle boot' (default: the card's)")
    parser.add_argument("--source-column", default=None, help="image-to-image, paired: the source image column")
    parser.add_argument("--target-column", default=None, help="image-to-image, paired: the target image column")
    parser.add_argument("--split", default="test", help="reference split (default test)")
    parser.add_argument("--num-samples", type=int, default=None,
                        help="generated images, 2 to 10000000 (default 10000); for an image-to-image pipeline, "
                             "translate the first N images of each test split (default: all)")
    parser.add_argument("--metrics", default=None,
                        help="comma-separated: fid, kid, is, pr (precision/recall), accuracy (default fid,kid,is,pr; "
                             "conditional models always add accuracy); image-to-image: fid, kid, l1, psnr, ssim "
                             "(paired) or fid, kid, target_class_rate, l1_to_input (unpaired), default all")
    parser.add_argument("--features", default=None,
                        help="comma-separated feature extractors: fashion-mnist-classifier (selects checkpoints in "
                             "training), fashion-mnist-reporter (independent; reports), both shipped and offline, or "
                             "inception. Default on Fashion-MNIST data: fashion-mnist-classifier,fashion-mnist-reporter "
                             "(plus inception when --inception-weights or $HFGAN_INCEPTION_WEIGHTS is set); on other "
                             "data: inception")
    parser.add_argument("--inception-weights", default=None, metavar="PATH",
                        help="FID Inception weights (pt_inception-2015-12-05-6726825d.pth or torch-fidelity's file, "
                             "or a .safetensors copy) for --features inception; default $HFGAN_INCEPTION_WEIGHTS, "
                             "else pytorch-fid's release file, downloaded on first use (sha256-checked) into the "
                             "Hugging Face cache; offline (HF_HUB_OFFLINE=1) only a cached copy is used")
    parser.add_argument("--real-vs-real", default=None, metavar="SPLIT",
                        help="score real images of SPLIT (e.g. train) against --split instead of a pipeline")
    parser.add_argument("--batch-size", type=int, default=500, help="images per batch (default 500)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the latents and metric subsets (default 0)")
    parser.add_argument("--cache-dir", default=None, help="reference-statistics cache (default $HFGAN_CACHE/reference "
                                                          "or ~/.cache/hfgan/reference)")
    parser.add_argument("--reference-num-images", type=int, default=None,
                        help="use a seeded subset of the reference split (quick checks; default: the whole split)")
    parser.add_argument("--out", default="metrics.json", help="JSON report path (default metrics.json)")
    parser.add_argument("--update-card", action="store_true",
                        help="write the results into the pipeline folder's README.md model card (model-index)")
    parser.add_argument("--device", default=None, help="torch device (default: cuda if available, else cpu)")
    parser.add_argument("--dtype", default=None, choices=sorted(DTYPES),
                        help="load the pipeline's weights in this dtype (default: as saved)")
    parser.add_argument("--revision", default=None, help="Hub revision (branch, tag or commit) of PIPELINE")
    parser.add_argument("--token", default=None, help="Hub token for a private or gated PIPELINE (default: the saved login)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--local-files-only", action="store_true", help="do not contact the Hub")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


TRANSLATION_ONLY = ("dataset_a", "dataset_b", "source_column", "target_column")
MAX_NUM_SAMPLES = 10**7  # hfgan.metrics.bounds.MAX_NUM_SAMPLES, named here so that --help imports no torch
DTYPES = {"float32": "float32", "fp32": "float32", "float16": "float16", "fp16": "float16", "bfloat16": "bfloat16",
          "bf16": "bfloat16"}
def default_features(fashion_mnist: bool, inception_weights) -> list:
    """Both Fashion-MNIST networks (plus inception when its weights are given) on Fashion-MNIST data, else inception."""
    from ..metrics import REPORT_FEATURES
    from ..metrics.inception import INCEPTION_WEIGHTS_ENV

    if not fashion_mnist:
        return ["inception"]
    with_inception = bool(inception_weights or os.environ.get(INCEPTION_WEIGHTS_ENV))
    return list(REPORT_FEATURES) + (["inception"] if with_inception else [])


def _features(args):
    return [f.strip() for f in args.features.split(",") if f.strip()] if args.features is not None else None


def _seeds(args):
    """``--seeds`` as a list of integers (None without it), checked with the options it excludes; several PIPELINEs
    need it."""
    from ..errors import HFGANError

    if args.seeds is None:
        if len(args.pipelines) > 1:
            raise HFGANError(f"several PIPELINEs are compared over --seeds (e.g. --seeds 0,1,2,3,4); evaluate one "
                             f"PIPELINE at a time otherwise, got {len(args.pipelines)}")
        return None
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        raise HFGANError(f"--seeds must be comma-separated integers, got {args.seeds[:80]!r}") from None
    from ..metrics.seed_spread import check_seeds

    check_seeds(seeds)
    excluded = {"--real-vs-real": args.real_vs_real is not None, "--update-card": args.update_card,
                "--metrics": args.metrics not in (None, "fid"), "--seed": args.seed is not None}
    given = [flag for flag, present in excluded.items() if present]
    if given:
        raise HFGANError(f"{given[0]} does not apply to --seeds, which compares the FID of PIPELINEs over sample seeds")
    return seeds


def _check(args) -> None:
    """Checks that need no pipeline; those of one kind of pipeline follow in :func:`_gan_options` and
    :func:`_evaluate_translation`."""
    from ..errors import HFGANError

    if (args.pipeline is None) == (args.real_vs_real is None):
        raise HFGANError("give either a PIPELINE to evaluate or --real-vs-real SPLIT (not both)")
    if args.num_samples is not None and args.num_samples < 2:
        raise HFGANError(f"--num-samples must be >= 2, got {args.num_samples}")
    if args.num_samples is not None and args.num_samples > MAX_NUM_SAMPLES:
        from ..metrics.bounds import time_to_generate

        raise HFGANError(f"--num-samples must be at most {MAX_NUM_SAMPLES} (the reporting protocol uses 10000), got "
                         f"{args.num_samples:.3g}: {time_to_generate(args.num_samples)}")
    if args.batch_size < 1:
        raise HFGANError(f"--batch-size must be >= 1, got {args.batch_size}")
    if not 0 <= args.seed < 2**64:
        raise HFGANError(f"--seed must be in [0, 2**64 - 1], got {args.seed}")
    if args.threads is not None and args.threads < 1:
        raise HFGANError(f"--threads must be >= 1, got {args.threads}")
    if args.reference_num_images is not None and args.reference_num_images < 2:
        raise HFGANError(f"--reference-num-images must be >= 2, got {args.reference_num_images}")
    features = _features(args)
    if features is not None:  # the extractors' registry imports torch: only when --features names some
        from ..metrics import list_feature_extractors

        for name in features:
            if name not in list_feature_extractors():
                raise HFGANError(f"unknown --features {name!r}; known: {', '.join(list_feature_extractors())}")
        if not features:
            raise HFGANError(f"--features names no extractor; known: {', '.join(list_feature_extractors())}")
    if args.inception_weights and features is not None and "inception" not in features:
        raise HFGANError("--inception-weights only applies to --features inception")
    if features and "inception" in features:  # fail before loading or generating anything
        from ..metrics.inception import resolve_inception_weights

        resolve_inception_weights(args.inception_weights)
    dataset = args.dataset
    if dataset and dataset.startswith(("/", ".", "~")) and not os.path.isdir(os.path.expanduser(dataset)):
        raise HFGANError(f"--dataset {dataset}: no such folder (give an image folder or a Hub dataset name)")
    if args.update_card:
        if args.real_vs_real is not None:
            raise HFGANError("--update-card needs a pipeline folder, not --real-vs-real")
        if not os.path.isdir(args.pipeline):
            raise HFGANError(f"--update-card needs a local pipeline folder; {args.pipeline} is not a folder")


def _gan_options(args) -> dict:
    """The options of a GANPipeline (or real-vs-real) evaluation, checked."""
    from ..errors import HFGANError
    from ..metrics import parse_metrics
    from ..metrics.reference import DATASETS

    given = [f"--{name.replace('_', '-')}" for name in TRANSLATION_ONLY if getattr(args, name) is not None]
    if given:
        raise HFGANError(f"{given[0]} applies to image-to-image pipelines only")
    dataset = args.dataset or "fashion_mnist"
    if args.real_vs_real is not None and dataset not in DATASETS:
        raise HFGANError(f"--real-vs-real compares splits of {', '.join(DATASETS)}, not {dataset!r}")
    if os.path.isdir(os.path.expanduser(dataset)):
        dataset = os.path.expanduser(dataset)
    features = _features(args) or default_features(dataset in DATASETS, args.inception_weights)
    if "inception" in features:
        from ..metrics.inception import resolve_inception_weights

        resolve_inception_weights(args.inception_weights)  # fail before loading or generating anything
    elif args.inception_weights:
        raise HFGANError("--inception-weights only applies to --features inception")
    metrics = args.metrics or "fid,kid,is,pr"
    parse_metrics(metrics)
    return dict(dataset=dataset, split=args.split, num_samples=args.num_samples or 10000, metrics=metrics,
                features=features, weights=args.inception_weights, batch_size=args.batch_size, seed=args.seed,
                cache_dir=args.cache_dir, reference_num_images=args.reference_num_images,
                progress=not args.no_progress)


def _evaluate_translation(pipe, args, device):
    from ..metrics import evaluate_translation
    from ..metrics.translation_data import is_fashion_mnist, resolve_translation_data

    features = _features(args)
    if features is None:
        _, paired, domains = resolve_translation_data(pipe, args.dataset, args.dataset_a, args.dataset_b)
        features = default_features(all(is_fashion_mnist(d) for d in ([paired] if paired else domains)),
                                    args.inception_weights)
    return evaluate_translation(
        pipe, dataset=args.dataset, dataset_a=args.dataset_a, dataset_b=args.dataset_b, split=args.split,
        num_samples=args.num_samples, metrics=args.metrics, features=features, weights=args.inception_weights,
        batch_size=args.batch_size, seed=args.seed, cache_dir=args.cache_dir, device=device,
        reference_num_images=args.reference_num_images, source_column=args.source_column,
        target_column=args.target_column, progress=not args.no_progress)


GAN_NOTE = (
    "Measured with `hfgan evaluate`: generated samples (classes balanced for conditional models) against the "
    "statistics of the whole reference split; KID over 100 subsets of min(1000, N), IS over 10 splits, "
    "precision/recall with k = 3.")


def selection_note(data: dict) -> str:
    """How the published weights were chosen, from the card's data (``best_step`` and the training config)."""
    training = data.get("training") if isinstance(data.get("training"), dict) else {}
    if data.get("best_step") is None:
        return ("These are the final weights of training: no checkpoint was selected by a metric, so no number "
                "here is flattered by a choice.")
    return (f"These weights were selected at step {data['best_step']} by the best {training.get('eval_metric', 'fid')} "
            f"under `{training.get('eval_features', 'fashion-mnist-classifier')}` on the "
            f"{training.get('eval_split', 'train')} split; report with the other extractor, on the test split.")


def update_card(pipe, folder: str, reports) -> str:
    """Merge ``reports`` (one or a list) into ``pipe.card_data["metrics"]`` (other keys kept) and rewrite
    ``folder/README.md``; the note says how the numbers were measured and how the weights were chosen."""
    from ..cards import write_model_card
    from ..metrics import merge_card_metrics
    from ..metrics.evaluation_report import features_note

    reports = reports if isinstance(reports, (list, tuple)) else [reports]
    data = dict(getattr(pipe, "card_data", None) or {})
    for report in reports:
        data["metrics"] = merge_card_metrics(data.get("metrics"), report.card_metrics())
    data.setdefault("dataset", getattr(reports[0], "card_dataset", reports[0].dataset))
    note = data.get("metrics_note", "")
    if not note or note.startswith(("Measured with `hfgan evaluate`", "best ")):
        method = reports[0].card_note() if hasattr(reports[0], "card_note") else GAN_NOTE
        spaces = {m.get("features") for m in data["metrics"]}
        data["metrics_note"] = " ".join(filter(None, (method, features_note(spaces), selection_note(data))))
    pipe.card_data = data
    return write_model_card(pipe, folder)


def _print_translation(report) -> None:
    t, directions = report.timings, report.directions.values()
    cached = all(all(d["reference_cached"].values()) for d in directions)
    print(f"{report.source} ({report.kind} translation) on {report.dataset}, {report.split} split:")
    print(report.table())
    print(f"reference statistics: {'cached' if cached else 'computed'} ({t['reference_s']:.1f} s); translation "
          f"{t['translate_s']:.1f} s; feature extraction + metrics {t['features_s'] + t['metrics_s']:.1f} s "
          f"for {sum(d['num_samples'] for d in directions)} images")


def _load(args, source=None):
    """The pipeline ``source`` (default: PIPELINE), loaded with ``--dtype`` / ``--revision`` / ``--token`` /
    ``--local-files-only``, without diffusers' progress bar."""
    import torch
    from diffusers.utils import logging as diffusers_logging

    from ..pipelines import load_pipeline

    kwargs = {"local_files_only": args.local_files_only or None}
    if args.dtype:
        kwargs["torch_dtype"] = getattr(torch, DTYPES[args.dtype])
    if args.revision:
        kwargs["revision"] = args.revision
    if args.token:
        kwargs["token"] = args.token
    bars_were_enabled = diffusers_logging.is_progress_bar_enabled()
    diffusers_logging.disable_progress_bar()
    try:
        return load_pipeline(source or args.pipeline, **kwargs)
    finally:
        if bars_were_enabled:
            diffusers_logging.enable_progress_bar()


def _print_gan(report) -> None:
    print(f"{report.source} vs {report.dataset}/{report.split} ({report.reference_num_images} images), "
          f"{report.num_samples} samples, features {report.features}:")
    print(report.table())
    t = report.timings
    print(f"reference statistics: {'cached' if report.reference_cached else 'computed'} ({t['reference_s']:.1f} s); "
          f"generation {t['generate_s']:.1f} s; feature extraction + metrics {t['features_s'] + t['metrics_s']:.1f} s "
          f"for {report.num_samples} samples")


def _spread(args, seeds, device) -> int:
    """``--seeds``: the FID of every PIPELINE at every seed (:func:`hfgan.metrics.seed_spread.spread`), printed and
    written to ``--out``."""
    from ..errors import HFGANError
    from ..metrics.seed_spread import spread, spread_lines
    from ..pipelines import GANPipeline
    from ._common import check_loading

    def load(source: str):
        check_loading(source, device, args.revision, args.dtype)
        pipe = _load(args, source)
        if not isinstance(pipe, GANPipeline):
            raise HFGANError(f"{source} holds a {type(pipe).__name__}: --seeds compares GANPipelines")
        pipe.set_progress_bar_config(disable=True)
        return pipe.to(device)

    common = _gan_options(args)
    num_samples, features, progress = common.pop("num_samples"), common.pop("features"), common.pop("progress")
    for unused in ("metrics", "seed"):  # FID only, at every seed of --seeds
        common.pop(unused)
    result = spread(args.pipelines, seeds, num_samples, features, progress=progress, load=load, device=device, **common)
    print("\n".join(spread_lines(result)))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}")
    return 0


def run(args) -> int:
    seeds = _seeds(args)
    args.pipeline = args.pipelines[0] if args.pipelines else None  # several only with --seeds (checked above)
    args.seed = 0 if args.seed is None else args.seed
    _check(args)  # a usage error answers before torch and diffusers load
    import torch

    from .. import __version__
    from ..errors import HFGANError
    from ..metrics import evaluate_pipeline_features, evaluate_real_vs_real
    from ..pipelines import GANImageToImagePipeline, GANPipeline
    from ._common import check_loading, resolve_device

    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    if seeds is not None:
        return _spread(args, seeds, device)
    pipe = None
    if args.real_vs_real is not None:
        common = _gan_options(args)
        split, features = common.pop("split"), common.pop("features")
        reports = [evaluate_real_vs_real(split=args.real_vs_real, reference_split=split, device=device, features=f,
                                         **{**common, "weights": common["weights"] if f == "inception" else None})
                   for f in features]
    else:
        check_loading(args.pipeline, device, args.revision, args.dtype)
        pipe = _load(args)
        if not isinstance(pipe, (GANPipeline, GANImageToImagePipeline)):
            raise HFGANError(f"{args.pipeline} holds a {type(pipe).__name__}, which hfgan evaluate cannot score")
        common = None if isinstance(pipe, GANImageToImagePipeline) else _gan_options(args)
        pipe.set_progress_bar_config(disable=True)
        pipe.to(device)
        if common is None:
            reports = [_evaluate_translation(pipe, args, device)]
        else:
            reports = evaluate_pipeline_features(pipe, device=device, **common)
        for report in reports:
            report.source = args.pipeline

    for report in reports:
        (_print_translation if hasattr(report, "directions") else _print_gan)(report)

    # the first report's fields at the top (one layout for every run), every feature space's report under "reports"
    out = {**reports[0].to_dict(), "reports": [r.to_dict() for r in reports], "hfgan_version": __version__}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}")
    if args.update_card:
        print(f"updated {update_card(pipe, args.pipeline, reports)}")
    return 0
