"""Evaluate a pipeline (or any images) against a real dataset split: FID, KID, IS, precision/recall, accuracy.

This is what ``hfgan evaluate`` runs and what the trainer calls every N steps::

    from hfgan.metrics import evaluate_pipeline, is_better

    metrics = evaluate_pipeline(pipe, num_samples=10000)        # {"fid": ..., "kid": ..., "is": ..., ...}
    if is_better("fid", metrics["fid"], best_fid):
        ...

Protocol: ``num_samples`` images generated from ``seed`` (classes balanced for conditional models) against the
cached statistics of the whole reference split; KID on 100 subsets of ``min(1000, N)``; IS on 10 splits;
precision/recall with k = 3 on ``min(N, 10000)`` samples from each side; every number in the feature space of
``features`` (the shipped Fashion-MNIST classifier by default, the FID Inception network on request).

Honest numbers: the trainer selects checkpoints with ``fashion-mnist-classifier`` against the train split; reported
numbers come from :func:`evaluate_pipeline_features`, which samples once and scores the same images in several
feature spaces, by default both Fashion-MNIST networks (the independent ``fashion-mnist-reporter`` included) against
the test split. Any other dataset (a local image folder or a Hub name) gets its reference statistics built and
cached at the pipeline's resolution and channels; a 28-px grayscale network refuses data it does not fit.

The parts, each in its own module: the bounds checked first (:mod:`.bounds`), samples drawn in batches
(:mod:`.sampling`), batches scored against a split's statistics (:mod:`.batch_scoring`), the metrics and their
directions (:mod:`.scores`) and the report written from them (:mod:`.evaluation_report`).
"""

import os
import time
from typing import Dict, List, Optional, Sequence, Union

import torch

from ..errors import HFGANError
from .batch_scoring import evaluate_batches
from .bounds import check_args
from .evaluation_report import EvaluationReport
from .features import FeatureExtractor, get_feature_extractor
from .reference import DATASETS, iterate_pixel_values, load_real_images, subset_indices
from .sampling import as_pipeline, generate_batches, generate_uint8, output_shape, tensor_batches
from .scores import CLASSIFIER, DEFAULT_METRICS, REPORT_FEATURES


def evaluate_pipeline(
    pipe,
    dataset: str = "fashion_mnist",
    split: str = "test",
    num_samples: int = 10000,
    metrics: Union[str, Sequence[str]] = DEFAULT_METRICS,
    features: Union[str, FeatureExtractor] = CLASSIFIER,
    batch_size: int = 500,
    seed: int = 0,
    cache_dir: Optional[str] = None,
    weights: Optional[str] = None,
    device: Optional[Union[str, torch.device]] = None,
    reference_num_images: Optional[int] = None,
    progress: bool = True,
    return_report: bool = False,
) -> Union[Dict[str, float], EvaluationReport]:
    r"""
    Score a pipeline's samples against a real dataset split; the function the trainer calls every N steps.

    Args:
        pipe (`GANPipeline` or a generator `ModelMixin`): What to sample from; a bare generator (e.g. the EMA copy a
            trainer holds) is wrapped in a `GANPipeline`. It is sampled in eval mode and left in its mode.
        dataset (`str`, defaults to `"fashion_mnist"`): Real dataset: `"fashion_mnist"`, a local image folder or a
            Hub dataset name (loaded at the generator's resolution and channels; statistics cached).
        split (`str`, defaults to `"test"`): Reference split; its statistics are computed once and cached.
        num_samples (`int`, defaults to 10000): Generated images (>= 2). Classes are balanced for conditional models.
        metrics (`str` or list, defaults to `("fid", "kid", "is", "pr")`): Any of `fid`, `kid`, `is`, `pr`
            (precision and recall), `accuracy`; 10-class conditional models on Fashion-MNIST always add `accuracy`.
        features (`str` or `FeatureExtractor`, defaults to `"fashion-mnist-classifier"`): Feature space:
            `"fashion-mnist-classifier"` (shipped, offline; what the trainer selects checkpoints with),
            `"fashion-mnist-reporter"` (shipped, offline, independent of the classifier; for reported numbers) or
            `"inception"` (needs `weights`). :func:`evaluate_pipeline_features` scores one sample in several.
        batch_size (`int`, defaults to 500): Images generated and featurized at a time.
        seed (`int`, defaults to 0): Seeds the latents and the random subsets of KID / IS / precision-recall.
        cache_dir (`str`, *optional*): Reference-statistics folder (default `$HFGAN_CACHE/reference` or
            `~/.cache/hfgan/reference`).
        weights (`str`, *optional*): Weights file of the extractor (the FID Inception file for `"inception"`).
        device (`str` or `torch.device`, *optional*): Where features are computed; defaults to the pipeline's device.
        reference_num_images (`int`, *optional*): Use a seeded subset of the reference split (quick checks only).
        progress (`bool`, defaults to True): tqdm progress bars.
        return_report (`bool`, defaults to False): Return an `EvaluationReport` (metrics + protocol + timings)
            instead of the metrics dict.

    Returns:
        `Dict[str, float]`: `fid`, `kid`, `kid_std`, `is`, `is_std`, `precision`, `recall`, `accuracy` — those
        requested. Lower is better for `fid` / `kid`, higher for the rest (see `is_better`).

    Example:

    ```py
    >>> from hfgan import GANPipeline
    >>> from hfgan.metrics import evaluate_pipeline
    >>> pipe = GANPipeline.from_pretrained("pipelines/dcgan-fashion-mnist")
    >>> evaluate_pipeline(pipe, num_samples=10000)["fid"]
    ```
    """
    pipe = as_pipeline(pipe)
    check_args(num_samples, batch_size)
    device = device if device is not None else pipe._execution_device
    return_value = evaluate_batches(
        generate_batches(pipe, num_samples, batch_size, seed), num_samples, dataset, split, metrics, features, weights,
        seed, cache_dir, device, reference_num_images, num_classes=pipe.num_classes, progress=progress,
        source=getattr(pipe, "name_or_path", "") or type(pipe.generator).__name__, **output_shape(pipe))
    return return_value if return_report else return_value.metrics


def evaluate_pipeline_features(
    pipe,
    features: Sequence[Union[str, FeatureExtractor]] = REPORT_FEATURES,
    dataset: str = "fashion_mnist",
    split: str = "test",
    num_samples: int = 10000,
    metrics: Union[str, Sequence[str]] = DEFAULT_METRICS,
    batch_size: int = 500,
    seed: int = 0,
    cache_dir: Optional[str] = None,
    weights: Optional[str] = None,
    device: Optional[Union[str, torch.device]] = None,
    reference_num_images: Optional[int] = None,
    progress: bool = True,
) -> List[EvaluationReport]:
    r"""
    Sample a pipeline once and score the same images in several feature spaces: one `EvaluationReport` each.

    The reporting protocol of hfgan: by default both Fashion-MNIST networks, `fashion-mnist-classifier` (the one the
    trainer selects checkpoints with) and `fashion-mnist-reporter` (independent of it), against the test split.
    Arguments as for :func:`evaluate_pipeline`; `weights` goes to `inception` only. Generated images are kept as
    8-bit values between the feature spaces (what every extractor sees anyway).

    Example:

    ```py
    >>> from hfgan import GANPipeline
    >>> from hfgan.metrics import evaluate_pipeline_features
    >>> pipe = GANPipeline.from_pretrained("pipelines/dcgan-fashion-mnist")
    >>> {r.features: r.metrics["fid"] for r in evaluate_pipeline_features(pipe)}
    ```
    """
    pipe = as_pipeline(pipe)
    check_args(num_samples, batch_size)
    names = [f.name if isinstance(f, FeatureExtractor) else f for f in features]
    if not names or len(set(names)) != len(names):
        raise HFGANError(f"features must name distinct extractors, got {names}")
    device = device if device is not None else pipe._execution_device
    shape = output_shape(pipe)
    extractors = [get_feature_extractor(f, weights=weights if f == "inception" else None, device=device) for f in features]
    if dataset not in DATASETS:  # refuse a misfit, or a dataset that does not open, before sampling anything
        for extractor in extractors:
            extractor.check_fits(shape["channels"], shape["resolution"], dataset)
        if os.path.isdir(dataset):  # a local folder opens in seconds; a Hub dataset is fetched when first needed
            from ..data import load_image_dataset

            load_image_dataset(dataset, split)
    elif dataset == "fashion_mnist":
        from ..data import check_fashion_mnist_split

        check_fashion_mnist_split(split)

    start = time.perf_counter()
    images, class_labels = generate_uint8(pipe, num_samples, batch_size, seed, progress)
    generate_s = time.perf_counter() - start
    source = getattr(pipe, "name_or_path", "") or type(pipe.generator).__name__

    reports = []
    for extractor in extractors:
        batches = ((u8.float() / 127.5 - 1, y) for u8, y in tensor_batches(images, class_labels, batch_size))
        report = evaluate_batches(batches, num_samples, dataset, split, metrics, extractor, seed=seed, cache_dir=cache_dir,
                                  device=device, reference_num_images=reference_num_images, num_classes=pipe.num_classes,
                                  progress=progress, source=source, **shape)
        report.timings["generate_s"] = round(generate_s, 3)
        reports.append(report)
    return reports


def compute_fid(pipe, num_samples: int = 10000, **kwargs) -> float:
    """Just the FID of ``pipe`` (same arguments as :func:`evaluate_pipeline`)."""
    return evaluate_pipeline(pipe, num_samples=num_samples, metrics=("fid",), **kwargs)["fid"]


def evaluate_images(pixel_values: torch.Tensor, class_labels: Optional[torch.Tensor] = None, dataset: str = "fashion_mnist",
                    split: str = "test", metrics: Union[str, Sequence[str]] = DEFAULT_METRICS,
                    features: Union[str, FeatureExtractor] = CLASSIFIER, batch_size: int = 1000, seed: int = 0,
                    source: str = "images", **kwargs) -> EvaluationReport:
    """Score ``pixel_values [N, C, H, W]`` in [-1, 1] against a split; ``class_labels [N]`` (Fashion-MNIST classes)
    add the classifier's ``accuracy`` on them."""
    from .features import check_pixel_values

    check_pixel_values(pixel_values)
    check_args(len(pixel_values), batch_size)
    kwargs.setdefault("resolution", pixel_values.shape[-1])
    kwargs.setdefault("channels", pixel_values.shape[1])
    return evaluate_batches(tensor_batches(pixel_values, class_labels, batch_size), len(pixel_values), dataset, split,
                            metrics, features, seed=seed, num_classes=10 if class_labels is not None else None,
                            source=source, **kwargs)


def evaluate_real_vs_real(dataset: str = "fashion_mnist", split: str = "train", reference_split: str = "test",
                          num_samples: int = 10000, metrics: Union[str, Sequence[str]] = DEFAULT_METRICS,
                          features: Union[str, FeatureExtractor] = CLASSIFIER, batch_size: int = 1000, seed: int = 0,
                          **kwargs) -> EvaluationReport:
    """The real-data floor: ``num_samples`` real images of ``split`` scored as if generated, against ``reference_split``."""
    check_args(num_samples, batch_size)
    images, _ = load_real_images(dataset, split)
    if num_samples > len(images):
        raise HFGANError(f"{dataset}/{split} has {len(images)} images, fewer than num_samples={num_samples}")
    images = images[subset_indices(len(images), num_samples, seed)]
    batches = ((pixel_values, None) for pixel_values in iterate_pixel_values(images, batch_size))
    return evaluate_batches(batches, num_samples, dataset, reference_split, metrics, features, seed=seed,
                            source=f"real:{dataset}/{split}", **kwargs)
