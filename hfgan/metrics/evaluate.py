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
"""

import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from ..errors import HFGANError
from .features import FASHION_MNIST_FEATURES, REPORTING_FEATURES, SELECTION_FEATURES, FeatureExtractor, get_feature_extractor
from .frechet import fid_from_features
from .inception_score import inception_score
from .kernel import kernel_inception_distance
from .precision_recall import precision_recall
from .reference import (
    DATASETS,
    ReferenceStats,
    dataset_reference,
    get_reference_stats,
    iterate_pixel_values,
    load_real_images,
    subset_indices,
)

#: names accepted in ``metrics=`` and what each adds to the result ("pr" adds two numbers).
METRIC_GROUPS: Dict[str, Tuple[str, ...]] = {
    "fid": ("fid",), "kid": ("kid", "kid_std"), "is": ("is", "is_std"), "pr": ("precision", "recall"),
    "precision": ("precision", "recall"), "recall": ("precision", "recall"), "accuracy": ("accuracy",),
}
DEFAULT_METRICS = ("fid", "kid", "is", "pr")
#: direction of every reported number, for keeping the best checkpoint.
HIGHER_IS_BETTER: Dict[str, bool] = {"fid": False, "kid": False, "is": True, "precision": True, "recall": True,
                                     "accuracy": True}
#: the most images one evaluation generates (the reporting protocol uses 10,000), and the rate its time is stated at.
MAX_NUM_SAMPLES = 10**7
ASSUMED_IMAGES_PER_SECOND = 10_000  # 28-px models on a GPU; larger models are slower
CLASSIFIER = SELECTION_FEATURES
#: what ``hfgan evaluate`` reports a Fashion-MNIST pipeline in: the selection network and the independent one.
REPORT_FEATURES = (SELECTION_FEATURES, REPORTING_FEATURES)
Batches = Iterable[Tuple[torch.Tensor, Optional[torch.Tensor]]]


def parse_metrics(metrics: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """``"fid,kid,is,pr"`` or a list -> validated, de-duplicated names; unknown names raise :class:`HFGANError`."""
    names = [m.strip().lower() for m in (metrics.split(",") if isinstance(metrics, str) else metrics) if m and m.strip()]
    if not names:
        raise HFGANError(f"no metrics requested; choose from {', '.join(METRIC_GROUPS)}")
    unknown = [m for m in names if m not in METRIC_GROUPS]
    if unknown:
        raise HFGANError(f"unknown metric {unknown[0]!r}; choose from {', '.join(METRIC_GROUPS)}")
    return tuple(dict.fromkeys("pr" if m in ("precision", "recall") else m for m in names))


def is_better(metric: str, value: float, best: Optional[float]) -> bool:
    """Whether ``value`` of ``metric`` improves on ``best`` (``None``: nothing yet) — lower FID/KID, higher the rest."""
    if metric not in HIGHER_IS_BETTER:
        raise HFGANError(f"no direction known for metric {metric!r}; choose from {', '.join(HIGHER_IS_BETTER)}")
    if value is None or not np.isfinite(value):
        return False
    if best is None or not np.isfinite(best):
        return True
    return value > best if HIGHER_IS_BETTER[metric] else value < best


@dataclass
class EvaluationReport:
    """Metrics plus the protocol that produced them (what ``metrics.json`` holds)."""

    metrics: Dict[str, float]
    dataset: str
    split: str
    features: str
    weights_hash: str
    num_samples: int
    seed: int
    reference_num_images: int
    reference_cached: bool
    timings: Dict[str, float] = field(default_factory=dict)
    source: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def card_metrics(self) -> List[Dict[str, Any]]:
        """Entries for ``pipe.card_data["metrics"]`` (rendered into the card's ``model-index``)."""
        from ..cards import METRIC_NAMES

        return [{"type": name, "name": f"{METRIC_NAMES.get(name, name)} ({self.features})", "value": round(float(value), 6),
                 "features": self.features, "split": self.split, "num_samples": self.num_samples}
                for name, value in self.metrics.items() if not name.endswith("_std")]

    def table(self) -> str:
        """A plain-text table of the numbers."""
        rows = [("metric", "value", "features", "split", "samples")]
        for name, value in self.metrics.items():
            if name.endswith("_std"):
                continue
            std = self.metrics.get(f"{name}_std")
            text = f"{value:.4g}" + (f" ± {std:.2g}" if std is not None else "")
            rows.append((name, text, self.features, f"{self.dataset}/{self.split}", str(self.num_samples)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


def compute_metrics(fake_features: torch.Tensor, fake_logits: torch.Tensor, reference: ReferenceStats,
                    metrics: Sequence[str] = DEFAULT_METRICS, seed: int = 0, k: int = 3) -> Dict[str, float]:
    """The requested metrics of generated ``features [N, D]`` / ``logits [N, K]`` against ``reference``."""
    metrics = parse_metrics(metrics)
    n = fake_features.shape[0]
    if n < 2:
        raise HFGANError(f"metrics need at least 2 samples, got {n}")
    results: Dict[str, float] = {}
    if "fid" in metrics:
        results["fid"] = fid_from_features(fake_features, reference.mu, reference.sigma, reference.num_images)
    if "kid" in metrics:
        results["kid"], results["kid_std"] = kernel_inception_distance(reference.features, fake_features, seed=seed)
    if "is" in metrics:
        results["is"], results["is_std"] = inception_score(fake_logits, splits=10 if n >= 20 else max(1, n // 2), seed=seed)
    if "pr" in metrics:
        m = min(n, len(reference.features))
        if m <= k:
            raise HFGANError(f"precision/recall with k={k} need more than {k} samples on each side, got {m}")
        real = torch.from_numpy(reference.features[subset_indices(len(reference.features), m, seed)])
        fake = fake_features[torch.from_numpy(subset_indices(n, m, seed + 1))]
        results["precision"], results["recall"] = precision_recall(real, fake, k=k)
    return results


def _as_pipeline(pipe):
    """A pipeline, or a bare generator model (what a trainer holds) wrapped in a :class:`GANPipeline`."""
    from diffusers import DiffusionPipeline

    if isinstance(pipe, DiffusionPipeline):
        return pipe
    config = getattr(pipe, "config", None)
    if isinstance(pipe, torch.nn.Module) and config is not None and "latent_dim" in config:
        from ..pipelines import GANPipeline

        return GANPipeline(generator=pipe)
    raise HFGANError(f"expected a GANPipeline or a generator model, got {type(pipe).__name__}")


def generation_batch_size(pipe, batch_size: int) -> int:
    """``batch_size``, lowered to the images the generator's activations let fit in the memory available on its
    device (:func:`~hfgan.pipelines.folder_checks.max_images_in_memory`); a one-line error when not one fits."""
    from ..pipelines.folder_checks import check_images_fit, max_images_in_memory

    device = next(pipe.generator.parameters()).device
    check_images_fit(pipe.generator, 1, device)
    return max(1, min(batch_size, max_images_in_memory(pipe.generator, device)))


def generate_batches(pipe, num_samples: int, batch_size: int = 500, seed: int = 0) -> Iterator[Tuple[torch.Tensor, Optional[torch.Tensor]]]:
    """``num_samples`` images from ``pipe`` as ``(pixel_values [B, C, H, W] in [-1, 1], class_labels [B] or None)``.

    One CPU ``torch.Generator`` seeded with ``seed`` drives every batch; conditional models get balanced classes
    (``i % num_classes``). Batches hold at most ``batch_size`` images, fewer when more would not fit in memory.
    """
    batch_size = generation_batch_size(pipe, batch_size)
    generator = torch.Generator(device="cpu").manual_seed(seed)
    labels = torch.arange(num_samples) % pipe.num_classes if pipe.num_classes else None
    for start in range(0, num_samples, batch_size):
        size = min(batch_size, num_samples - start)
        class_labels = labels[start:start + size] if labels is not None else None
        images = pipe(batch_size=size, class_labels=class_labels, generator=generator, output_type="pt").images  # [B, C, H, W] in [0, 1]
        yield images.float() * 2 - 1, class_labels


def _tensor_batches(pixel_values: torch.Tensor, class_labels: Optional[torch.Tensor], batch_size: int) -> Batches:
    for start in range(0, len(pixel_values), batch_size):
        yield pixel_values[start:start + batch_size], (class_labels[start:start + batch_size] if class_labels is not None else None)


def _check_args(num_samples: int, batch_size: int) -> None:
    for name, value, low in (("num_samples", num_samples, 2), ("batch_size", batch_size, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise HFGANError(f"{name} must be an integer >= {low}, got {value!r}")
    if num_samples > MAX_NUM_SAMPLES:
        raise HFGANError(f"num_samples must be at most {MAX_NUM_SAMPLES}, got {num_samples:.3g}: "
                         f"{time_to_generate(num_samples)}")


def time_to_generate(num_samples: int) -> str:
    """How long ``num_samples`` images take at :data:`ASSUMED_IMAGES_PER_SECOND`, as a clause."""
    from ..training.config import format_duration

    return (f"at {ASSUMED_IMAGES_PER_SECOND:,} images a second (28-px models on a GPU) it would take "
            f"{format_duration(num_samples / ASSUMED_IMAGES_PER_SECOND)}")


def _check_kept_bytes(nbytes: int, what: str, advice: str) -> None:
    """Refuse, in one line, to keep ``nbytes`` (``what``) for a whole evaluation when they exceed the memory
    available."""
    from ..pipelines.folder_checks import _gib, available_memory

    available = available_memory()
    if nbytes > available:
        raise HFGANError(f"{what} take {_gib(nbytes)}, but only {_gib(available)} of memory is available: {advice}")


def generate_uint8(pipe, num_samples: int, batch_size: int, seed: int,
                   progress: bool = True) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
    """``num_samples`` images of :func:`generate_batches` kept as ``uint8 [N, C, H, W]`` (with their class labels),
    refused before generating when they would not fit in memory; a progress bar shows from the first batch."""
    from tqdm.auto import tqdm

    shape = _output_shape(pipe)
    pixels = shape["channels"] * shape["resolution"] ** 2
    _check_kept_bytes(num_samples * pixels, f"{num_samples} generated images of "
                      f"{shape['channels']}x{shape['resolution']}x{shape['resolution']}", "lower num_samples")
    images, labels = [], []
    with tqdm(total=num_samples, desc="generate", unit="img", disable=not progress, leave=False) as bar:
        for pixel_values, class_labels in generate_batches(pipe, num_samples, batch_size, seed):
            images.append(((pixel_values.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu())  # [B, C, H, W]
            if class_labels is not None:
                labels.append(class_labels)
            bar.update(len(pixel_values))
    return torch.cat(images), (torch.cat(labels) if labels else None)


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
    _check_args(num_samples, 1)
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
    _check_kept_bytes(2 * 4 * values, f"the features of {num_samples} images in {extractor.name}",  # lists + torch.cat
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
    pipe = _as_pipeline(pipe)
    _check_args(num_samples, batch_size)
    device = device if device is not None else pipe._execution_device
    return_value = evaluate_batches(
        generate_batches(pipe, num_samples, batch_size, seed), num_samples, dataset, split, metrics, features, weights,
        seed, cache_dir, device, reference_num_images, num_classes=pipe.num_classes, progress=progress,
        source=getattr(pipe, "name_or_path", "") or type(pipe.generator).__name__, **_output_shape(pipe))
    return return_value if return_report else return_value.metrics


def _output_shape(pipe) -> Dict[str, int]:
    """``resolution`` and ``channels`` of a pipeline's images (what a dataset other than Fashion-MNIST is loaded at)."""
    config = pipe.generator.config
    return {"resolution": int(config.sample_size), "channels": int(config.get("out_channels", 1))}


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
    pipe = _as_pipeline(pipe)
    _check_args(num_samples, batch_size)
    names = [f.name if isinstance(f, FeatureExtractor) else f for f in features]
    if not names or len(set(names)) != len(names):
        raise HFGANError(f"features must name distinct extractors, got {names}")
    device = device if device is not None else pipe._execution_device
    shape = _output_shape(pipe)
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
        batches = ((u8.float() / 127.5 - 1, y) for u8, y in _tensor_batches(images, class_labels, batch_size))
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
    _check_args(len(pixel_values), batch_size)
    kwargs.setdefault("resolution", pixel_values.shape[-1])
    kwargs.setdefault("channels", pixel_values.shape[1])
    return evaluate_batches(_tensor_batches(pixel_values, class_labels, batch_size), len(pixel_values), dataset, split,
                            metrics, features, seed=seed, num_classes=10 if class_labels is not None else None,
                            source=source, **kwargs)


def evaluate_real_vs_real(dataset: str = "fashion_mnist", split: str = "train", reference_split: str = "test",
                          num_samples: int = 10000, metrics: Union[str, Sequence[str]] = DEFAULT_METRICS,
                          features: Union[str, FeatureExtractor] = CLASSIFIER, batch_size: int = 1000, seed: int = 0,
                          **kwargs) -> EvaluationReport:
    """The real-data floor: ``num_samples`` real images of ``split`` scored as if generated, against ``reference_split``."""
    _check_args(num_samples, batch_size)
    images, _ = load_real_images(dataset, split)
    if num_samples > len(images):
        raise HFGANError(f"{dataset}/{split} has {len(images)} images, fewer than num_samples={num_samples}")
    images = images[subset_indices(len(images), num_samples, seed)]
    batches = ((pixel_values, None) for pixel_values in iterate_pixel_values(images, batch_size))
    return evaluate_batches(batches, num_samples, dataset, reference_split, metrics, features, seed=seed,
                            source=f"real:{dataset}/{split}", **kwargs)


FEATURE_DESCRIPTIONS = {
    SELECTION_FEATURES: ("`fashion-mnist-classifier`, a CNN trained on all 60,000 Fashion-MNIST train images (seed 0), "
                         "the network the trainer selects checkpoints with, against the train split"),
    REPORTING_FEATURES: ("`fashion-mnist-reporter`, an independent residual network (other architecture, seed 1, "
                         "trained on train images 30000..59999 only) that only reports"),
    "inception": "`inception`, the FID Inception-v3 network",
}


def features_note(spaces: Iterable[str]) -> str:
    """A card sentence naming the feature spaces in ``spaces`` (``pixels`` and unknown names are skipped)."""
    parts = [FEATURE_DESCRIPTIONS[name] for name in FEATURE_DESCRIPTIONS if name in set(spaces)]
    if not parts:
        return ""
    return ("Feature spaces: " + "; ".join(parts) + ". Numbers compare only within one feature space; those of the "
            "Fashion-MNIST networks are not Inception FIDs.")


def merge_card_metrics(existing: Optional[List[Dict[str, Any]]], new: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """``existing`` card metrics with the entries of the same (type, features, split) replaced by ``new``."""
    key = lambda m: (m.get("type"), m.get("features"), m.get("split"))  # noqa: E731
    replacements = {key(m): m for m in new}
    merged = [replacements.pop(key(m), m) for m in (existing or [])]
    return merged + [m for m in new if key(m) in replacements]
