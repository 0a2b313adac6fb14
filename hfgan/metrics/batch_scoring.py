"""Score batches of images against the reference statistics of a real split: the core of every evaluation.

:func:`evaluate_batches` extracts the features (and logits) of ``(pixel_values, class_labels)`` batches in one
feature space, gets the split's cached statistics, adds the classifier's accuracy for 10-class Fashion-MNIST models
and returns an :class:`~hfgan.metrics.evaluation_report.EvaluationReport` with the time of each stage.
"""

import time
from typing import Dict, Optional, Sequence, Union

import torch

from ..errors import HFGANError
from .bounds import check_args, check_kept_bytes
from .evaluation_report import EvaluationReport
from .features import FASHION_MNIST_FEATURES, FeatureExtractor, get_feature_extractor
from .reference import DATASETS, dataset_reference, get_reference_stats
from .sampling import Batches
from .scores import CLASSIFIER, DEFAULT_METRICS, compute_metrics, parse_metrics


def evaluate_batches(batches: Batches, num_samples: int, dataset: str = "fashion_mnist", split: str = "test",
                     metrics: Union[str, Sequence[str]] = DEFAULT_METRICS,
                     features: Union[str, FeatureExtractor] = CLASSIFIER, weights: Optional[str] = None,
                     seed: int = 0, cache_dir: Optional[str] = None, device: Optional[torch.device] = None,
                     reference_num_images: Optional[int] = None, num_classes: Optional[int] = None, progress: bool = True,
                     source: str = "", resolution: Optional[int] = None, channels: Optional[int] = None) -> EvaluationReport:
    """The core: extract features of ``batches`` of ``(pixel_values, class_labels)`` and score them.

    ``num_classes`` is that of a conditional model; when it matches the Fashion-MNIST networks (10 classes on
    ``fashion_mnist``), ``accuracy`` is added: the accuracy on the requested ``class_labels`` of the extractor itself
    when it is a Fashion-MNIST network, else of the classifier. ``dataset`` other than ``fashion_mnist`` (a local
    image folder or a Hub name) is loaded at ``resolution`` px with ``channels`` channels (those of the images
    scored); an extractor that does not fit such images raises a one-line :class:`HFGANError` naming the one to use.
    """
    from tqdm.auto import tqdm

    metrics = parse_metrics(metrics)
    check_args(num_samples, 1)
    classes_match = dataset == "fashion_mnist" and num_classes == 10
    if "accuracy" in metrics and not classes_match:
        raise HFGANError("'accuracy' needs a class-conditional model of the 10 Fashion-MNIST classes "
                         f"(evaluated on fashion_mnist); got num_classes={num_classes} on {dataset}")
    if classes_match and "accuracy" not in metrics:
        metrics = metrics + ("accuracy",)
    if dataset not in DATASETS and (resolution is None or channels is None):
        raise HFGANError(f"dataset {dataset!r} is loaded at the size of the images scored: give resolution and channels")
    device = torch.device(device) if device is not None else torch.device("cpu")
    extractor = get_feature_extractor(features, weights=weights, device=device)
    values = num_samples * (extractor.num_features + extractor.num_classes)  # features and logits, kept to the end
    check_kept_bytes(2 * 4 * values, f"the features of {num_samples} images in {extractor.name}",  # lists + torch.cat
                     "lower num_samples")
    reference_name, reference_images = dataset, None
    if dataset not in DATASETS:
        extractor.check_fits(channels, resolution, dataset)
        reference_name, reference_images = dataset_reference(dataset, split, resolution, channels)
    classifier = None
    if "accuracy" in metrics:
        classifier = extractor if extractor.name in FASHION_MNIST_FEATURES else get_feature_extractor(CLASSIFIER, device=device)

    timings: Dict[str, float] = {}
    start = time.perf_counter()
    reference, cached = get_reference_stats(extractor, reference_name, split, cache_dir=cache_dir,
                                            num_images=reference_num_images, progress=progress, images=reference_images)
    timings["reference_s"] = time.perf_counter() - start

    feats, logits, correct = [], [], 0
    generate_s = extract_s = 0.0
    iterator = iter(batches)
    with tqdm(total=num_samples, desc="evaluate", unit="img", disable=not progress, leave=False) as bar:
        while True:
            t0 = time.perf_counter()
            batch = next(iterator, None)
            t1 = time.perf_counter()
            generate_s += t1 - t0
            if batch is None:
                break
            pixel_values, class_labels = batch
            f, l = extractor.features_and_logits(pixel_values)
            feats.append(f.cpu())
            logits.append(l.cpu())
            if classifier is not None:
                class_logits = l if classifier is extractor else classifier.features_and_logits(pixel_values)[1]
                correct += (class_logits.argmax(1).cpu() == class_labels.cpu()).sum().item()
            extract_s += time.perf_counter() - t1
            bar.update(len(pixel_values))
    fake_features, fake_logits = torch.cat(feats), torch.cat(logits)
    timings["generate_s"], timings["features_s"] = generate_s, extract_s

    start = time.perf_counter()
    others = [m for m in metrics if m != "accuracy"]
    results = compute_metrics(fake_features, fake_logits, reference, others, seed=seed) if others else {}
    if classifier is not None:
        results["accuracy"] = correct / len(fake_features)
    timings["metrics_s"] = time.perf_counter() - start
    return EvaluationReport(results, dataset, split, extractor.name, extractor.weights_hash, len(fake_features), seed,
                            reference.num_images, cached, {k: round(v, 3) for k, v in timings.items()}, source)
