"""``hfgan evaluate PIPELINE``: FID / KID / IS / precision-recall (and class accuracy) against a dataset split.

Prints a table and the timings, writes ``metrics.json`` (``--out``) and, with ``--update-card``, puts the numbers
into the pipeline folder's model card (its ``model-index``). ``--real-vs-real SPLIT`` scores real images of SPLIT
instead of a pipeline: the floor that no generator can beat by much.

    hfgan evaluate pipelines/dcgan-fashion-mnist --num-samples 10000 --metrics fid,kid,is,pr --update-card
    hfgan evaluate --real-vs-real train --split test
"""

import argparse
import json
import os


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pipeline", nargs="?", default=None, help="a saved pipeline folder or a Hub repo id")
    parser.add_argument("--dataset", default="fashion_mnist", help="real dataset (default fashion_mnist)")
    parser.add_argument("--split", default="test", help="reference split (default test)")
    parser.add_argument("--num-samples", type=int, default=10000, help="generated images (default 10000)")
    parser.add_argument("--metrics", default="fid,kid,is,pr",
                        help="comma-separated: fid, kid, is, pr (precision/recall), accuracy (default fid,kid,is,pr; "
                             "conditional models always add accuracy)")
    parser.add_argument("--features", default="fashion-mnist-classifier",
                        help="feature extractor: fashion-mnist-classifier (shipped, offline; default) or inception")
    parser.add_argument("--inception-weights", default=None, metavar="PATH",
                        help="FID Inception weights (pt_inception-2015-12-05-6726825d.pth or torch-fidelity's file, "
                             "or a .safetensors copy) for --features inception; default $HFGAN_INCEPTION_WEIGHTS")
    parser.add_argument("--real-vs-real", default=None, metavar="SPLIT",
                        help="score real images of SPLIT (e.g. train) against --split instead of a pipeline")
    parser.add_argument("--batch-size", type=int, default=500, help="images per batch (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latents and metric subsets (default 0)")
    parser.add_argument("--cache-dir", default=None, help="reference-statistics cache (default $HFGAN_CACHE/reference "
                                                          "or ~/.cache/hfgan/reference)")
    parser.add_argument("--reference-num-images", type=int, default=None,
                        help="use a seeded subset of the reference split (quick checks; default: the whole split)")
    parser.add_argument("--out", default="metrics.json", help="JSON report path (default metrics.json)")
    parser.add_argument("--update-card", action="store_true",
                        help="write the results into the pipeline folder's README.md model card (model-index)")
    parser.add_argument("--device", default=None, help="torch device (default: cuda if available, else cpu)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--local-files-only", action="store_true", help="do not contact the Hub")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def _check(args) -> None:
    from ..errors import HFGANError
    from ..metrics import list_feature_extractors, parse_metrics
    from ..metrics.reference import DATASETS

    if (args.pipeline is None) == (args.real_vs_real is None):
        raise HFGANError("give either a PIPELINE to evaluate or --real-vs-real SPLIT (not both)")
    if args.dataset not in DATASETS:
        raise HFGANError(f"--dataset {args.dataset!r} has no reference statistics yet; use one of {', '.join(DATASETS)}")
    if args.num_samples < 2:
        raise HFGANError(f"--num-samples must be >= 2, got {args.num_samples}")
    if args.batch_size < 1:
        raise HFGANError(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.threads is not None and args.threads < 1:
        raise HFGANError(f"--threads must be >= 1, got {args.threads}")
    if args.reference_num_images is not None and args.reference_num_images < 2:
        raise HFGANError(f"--reference-num-images must be >= 2, got {args.reference_num_images}")
    if args.features not in list_feature_extractors():
        raise HFGANError(f"unknown --features {args.features!r}; known: {', '.join(list_feature_extractors())}")
    if args.inception_weights and args.features != "inception":
        raise HFGANError("--inception-weights only applies to --features inception")
    parse_metrics(args.metrics)
    if args.features == "inception":  # fail before loading or generating anything
        from ..metrics.inception import resolve_inception_weights

        resolve_inception_weights(args.inception_weights)
    if args.update_card:
        if args.real_vs_real is not None:
            raise HFGANError("--update-card needs a pipeline folder, not --real-vs-real")
        if not os.path.isdir(args.pipeline):
            raise HFGANError(f"--update-card needs a local pipeline folder; {args.pipeline} is not a folder")


def update_card(pipe, folder: str, report) -> str:
    """Merge ``report`` into ``pipe.card_data["metrics"]`` (other keys kept) and rewrite ``folder/README.md``."""
    from ..hub import write_model_card
    from ..metrics import merge_card_metrics

    data = dict(getattr(pipe, "card_data", None) or {})
    data["metrics"] = merge_card_metrics(data.get("metrics"), report.card_metrics())
    data.setdefault("dataset", report.dataset)
    note = data.get("metrics_note", "")
    if not note or note.startswith("Measured with `hfgan evaluate`"):
        data["metrics_note"] = (
            "Measured with `hfgan evaluate`: generated samples (classes balanced for conditional models) against the "
            "statistics of the whole reference split; KID over 100 subsets of min(1000, N), IS over 10 splits, "
            "precision/recall with k = 3. `fashion-mnist-classifier` numbers are in the feature space of hfgan's "
            "shipped Fashion-MNIST classifier and are not comparable with Inception FIDs.")
    pipe.card_data = data
    return write_model_card(pipe, folder)


def _load_pipeline(path: str, local_files_only: bool, progress: bool):
    """``GANPipeline.from_pretrained``, without diffusers' "Loading pipeline components" bar under --no-progress."""
    from diffusers.utils import logging as diffusers_logging

    from ..pipelines import GANPipeline

    enabled = diffusers_logging.is_progress_bar_enabled()
    if not progress:
        diffusers_logging.disable_progress_bar()
    try:
        return GANPipeline.from_pretrained(path, local_files_only=local_files_only)
    finally:
        if enabled:
            diffusers_logging.enable_progress_bar()


def run(args) -> int:
    import torch

    from .. import __version__
    from ..metrics import evaluate_pipeline, evaluate_real_vs_real

    _check(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    common = dict(dataset=args.dataset, split=args.split, num_samples=args.num_samples, metrics=args.metrics,
                  features=args.features, weights=args.inception_weights, batch_size=args.batch_size, seed=args.seed,
                  cache_dir=args.cache_dir, device=device, reference_num_images=args.reference_num_images,
                  progress=not args.no_progress)
    pipe = None
    if args.real_vs_real is not None:
        report = evaluate_real_vs_real(split=args.real_vs_real, reference_split=common.pop("split"), **common)
    else:
        pipe = _load_pipeline(args.pipeline, args.local_files_only, progress=not args.no_progress)
        pipe.set_progress_bar_config(disable=True)
        pipe.to(device)
        report = evaluate_pipeline(pipe, return_report=True, **common)
        report.source = args.pipeline

    print(f"{report.source} vs {report.dataset}/{report.split} ({report.reference_num_images} images), "
          f"{report.num_samples} samples, features {report.features}:")
    print(report.table())
    t = report.timings
    print(f"reference statistics: {'cached' if report.reference_cached else 'computed'} ({t['reference_s']:.1f} s); "
          f"generation {t['generate_s']:.1f} s; feature extraction + metrics {t['features_s'] + t['metrics_s']:.1f} s "
          f"for {report.num_samples} samples")

    out = {**report.to_dict(), "hfgan_version": __version__}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}")
    if args.update_card:
        print(f"updated {update_card(pipe, args.pipeline, report)}")
    return 0
