"""Evaluate an image-to-image pipeline (``GANImageToImagePipeline``) on its test data: what ``hfgan evaluate`` reports.

Paired (Pix2Pix; e.g. ``fashion_mnist_edges``): the test split's sources are translated, then

- ``fid``, ``kid``: the outputs against the statistics of the whole target test split, in each feature space (the
  shipped ``fashion-mnist-classifier``, and ``inception`` where its weights are given);
- ``l1``, ``psnr``, ``ssim``: each output against its ground-truth target, images in [0, 1] (torchmetrics'
  ``PeakSignalNoiseRatio``, the PSNR of the mean squared error over all test pixels, and
  ``StructuralSimilarityIndexMeasure``, the mean SSIM of the images with an 11x11 Gaussian window; both
  ``data_range=1``), reported under the feature space ``pixels``.

Unpaired (CycleGAN; e.g. ``fashion_mnist:Sneaker`` <-> ``fashion_mnist:Ankle boot``), for each direction the
pipeline translates (names prefixed ``forward/`` and ``reverse/`` when it has both): the source domain's test
split is translated, then ``fid`` / ``kid`` against the target domain's test split; ``target_class_rate``, the share
of outputs a shipped Fashion-MNIST network assigns to the target domain's classes (class subsets of Fashion-MNIST only);
``l1_to_input``, the mean absolute difference of output and input in [0, 1] (how much of the layout is kept)::

    from hfgan import load_pipeline
    from hfgan.metrics import evaluate_translation

    report = evaluate_translation(load_pipeline("runs/cyclegan-sneaker2boot"))
    report.metrics["fashion-mnist-classifier"]["forward/fid"], report.metrics["pixels"]["reverse/l1_to_input"]

Outputs are quantized to 8 bits (as a saved image) before every metric. ``num_samples`` takes the first images
of each source split (default: all of them); KID uses 100 subsets of ``min(1000, N)``, as for ``GANPipeline``.
"""

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import torch

from ..errors import HFGANError
from .scores import CLASSIFIER, compute_metrics
from .features import FASHION_MNIST_FEATURES, FeatureExtractor, get_feature_extractor, list_feature_extractors, to_channels
from .reference import get_reference_stats
from .translation_data import TranslationSet, is_fashion_mnist, paired_sets, resolve_translation_data, unpaired_sets

PIXELS = "pixels"  # the feature space named for metrics computed on the pixels themselves
PAIRED_METRICS = ("fid", "kid", "l1", "psnr", "ssim")
UNPAIRED_METRICS = ("fid", "kid", "target_class_rate", "l1_to_input")
METRIC_LABELS = {"fid": "FID", "kid": "KID", "l1": "L1 to target", "psnr": "PSNR", "ssim": "SSIM",
                 "target_class_rate": "Target-class rate", "l1_to_input": "L1 to input"}
#: direction of the numbers for keeping the best checkpoint (``l1_to_input`` has none: the identity scores 0).
TRANSLATION_HIGHER_IS_BETTER = {"fid": False, "kid": False, "l1": False, "psnr": True, "ssim": True,
                                "target_class_rate": True}
Translate = Callable[[str, torch.Tensor], torch.Tensor]


def parse_translation_metrics(metrics: Union[None, str, Sequence[str]], kind: str) -> tuple:
    """The requested metrics of a ``"paired"`` or ``"unpaired"`` evaluation (None: all of them)."""
    available = PAIRED_METRICS if kind == "paired" else UNPAIRED_METRICS
    if metrics is None:
        return available
    names = [m.strip().lower() for m in (metrics.split(",") if isinstance(metrics, str) else metrics) if m and m.strip()]
    unknown = [m for m in names if m not in available]
    if not names or unknown:
        what = f"unknown metric {unknown[0]!r}" if unknown else "no metrics requested"
        raise HFGANError(f"{what} for {kind} translation; choose from {', '.join(available)}")
    return tuple(m for m in available if m in names)


def translation_features(features: Union[None, str, Sequence[Union[str, FeatureExtractor]]] = None,
                         weights: Optional[str] = None) -> List[Union[str, FeatureExtractor]]:
    """The feature spaces to report in: ``features`` (names, comma-separated, or extractors), or by default the
    classifier plus ``inception`` when its weights are given (``weights`` or ``$HFGAN_INCEPTION_WEIGHTS``; a
    given file that does not exist is an error, not a silent fallback)."""
    import os

    from .inception import INCEPTION_WEIGHTS_ENV, resolve_inception_weights

    if features is None:
        if not (weights or os.environ.get(INCEPTION_WEIGHTS_ENV)):
            return [CLASSIFIER]
        resolve_inception_weights(weights)
        return [CLASSIFIER, "inception"]
    items = features.split(",") if isinstance(features, str) else list(features)
    names = [f.strip() if isinstance(f, str) else f for f in items if not isinstance(f, str) or f.strip()]
    unknown = [f for f in names if isinstance(f, str) and f not in list_feature_extractors()]
    if not names or unknown:
        what = f"unknown feature extractor {unknown[0]!r}" if unknown else "no feature extractor named"
        raise HFGANError(f"{what}; known: {', '.join(list_feature_extractors())}")
    return list(dict.fromkeys(names))


@dataclass
class TranslationReport:
    """The numbers of a translation pipeline and the protocol behind them (what ``metrics.json`` holds).

    ``metrics`` maps a feature space (an extractor's name, or ``pixels``) to ``{name: value}``; ``directions``
    maps ``forward`` / ``reverse`` to its ``source``, ``target``, ``num_samples`` and ``reference_num_images``.
    """

    kind: str
    dataset: str
    split: str
    metrics: Dict[str, Dict[str, float]]
    directions: Dict[str, Dict[str, Any]]
    extractors: Dict[str, str]  # name -> weights hash
    seed: int
    timings: Dict[str, float] = field(default_factory=dict)
    source: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @property
    def card_dataset(self) -> str:
        """The dataset a model card names: the paired dataset, or the datasets of the two domains."""
        if self.kind == "paired":
            return self.dataset
        names = sorted({spec.partition(":")[0] for d in self.directions.values() for spec in (d["source"], d["target"])})
        return ", ".join(names)

    def _direction(self, name: str) -> Dict[str, Any]:
        return self.directions[name.split("/")[0] if "/" in name else next(iter(self.directions))]

    def _rows(self):
        for features, values in self.metrics.items():
            for name, value in values.items():
                if not name.endswith("_std"):
                    yield features, name, value, values.get(f"{name}_std"), self._direction(name)

    def card_metrics(self) -> List[Dict[str, Any]]:
        """Entries for ``pipe.card_data["metrics"]`` (rendered into the card's ``model-index``)."""
        entries = []
        for features, name, value, _, direction in self._rows():
            prefix, _, base = name.rpartition("/")
            label = f"{METRIC_LABELS.get(base, base)}{f' {prefix}' if prefix else ''} ({features})"
            entries.append({"type": name, "name": label, "value": round(float(value), 6), "features": features,
                            "split": self.split, "num_samples": direction["num_samples"],
                            "source": direction["source"], "target": direction["target"]})
        return entries

    def card_note(self) -> str:
        """The card's note on how the numbers were measured."""
        ways = "; ".join(f"{d}: {v['source']} -> {v['target']}, the first {v['num_samples']} images"
                         + (f" vs {v['reference_num_images']} of the target split" if v["reference_num_images"] else "")
                         for d, v in self.directions.items())
        pixel = ("L1, PSNR (of the mean squared error over all pixels) and SSIM (11x11 Gaussian window) of each output "
                 "against its ground-truth target, in [0, 1]" if self.kind == "paired" else
                 "target-class rate: the share of outputs a Fashion-MNIST network assigns to the target domain's classes; "
                 "L1 to input: the mean absolute difference of output and input, in [0, 1]")
        return (f"Measured with `hfgan evaluate` on the {self.split} split ({ways}): source images translated and "
                f"quantized to 8 bits; FID/KID against the statistics of the target {self.split} split (KID over "
                f"100 subsets of min(1000, N)); {pixel}.")

    def table(self) -> str:
        """A plain-text table of the numbers."""
        rows = [("metric", "value", "features", "source -> target", "samples")]
        for features, name, value, std, d in self._rows():
            text = f"{value:.4g}" + (f" ± {std:.2g}" if std is not None else "")
            rows.append((name, text, features, f"{d['source']} -> {d['target']} ({self.split})", str(d["num_samples"])))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


def _quantize(images: torch.Tensor) -> torch.Tensor:
    """Floats in [0, 1] -> the 256 levels of an 8-bit image, as floats in [0, 1]."""
    return images.float().clamp(0, 1).mul(255).round().div(255)


def _ssim(size: int):
    from torchmetrics.image import StructuralSimilarityIndexMeasure

    kernel = min(11, size - 1 + size % 2)  # the standard 11x11 window, or the largest odd one that fits
    return StructuralSimilarityIndexMeasure(data_range=1.0, kernel_size=kernel)


def evaluate_translation_sets(sets: Sequence[TranslationSet], translate: Translate, kind: str, dataset: str,
                              split: str = "test", metrics=None, features=None, weights: Optional[str] = None,
                              batch_size: int = 500, seed: int = 0, cache_dir: Optional[str] = None,
                              device: Optional[Union[str, torch.device]] = None, reference_num_images: Optional[int] = None,
                              progress: bool = True, source: str = "") -> TranslationReport:
    """The core: ``translate(direction, inputs uint8 [B, C, H, W]) -> outputs [B, C', H, W] in [0, 1]`` over each
    set's inputs, and score the outputs (see the module docstring). Names get a ``<direction>/`` prefix when there
    is more than one set."""
    from torchmetrics.image import PeakSignalNoiseRatio
    from tqdm.auto import tqdm

    wanted = parse_translation_metrics(metrics, kind)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise HFGANError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    device = torch.device(device) if device is not None else torch.device("cpu")
    distances = [m for m in ("fid", "kid") if m in wanted]
    extractors = [get_feature_extractor(f, weights=weights if f == "inception" else None, device=device)
                  for f in translation_features(features, weights)] if distances else []
    class_rate = "target_class_rate" in wanted and any(s.target_classes for s in sets)
    if "target_class_rate" in wanted and metrics is not None and not class_rate:
        raise HFGANError("target_class_rate needs a target domain that is a class subset of fashion_mnist "
                         "(e.g. fashion_mnist:Sneaker)")
    # the target-class rate is measured by every Fashion-MNIST network among the extractors (else the classifier)
    classifiers = [e for e in extractors if e.name in FASHION_MNIST_FEATURES] or (
        [get_feature_extractor(CLASSIFIER, device=device)] if class_rate else [])

    results: Dict[str, Dict[str, float]] = {e.name: {} for e in extractors}
    for classifier in classifiers if class_rate else []:
        results.setdefault(classifier.name, {})
    results[PIXELS] = {}
    timings = dict.fromkeys(("reference_s", "translate_s", "features_s", "metrics_s"), 0.0)
    directions: Dict[str, Dict[str, Any]] = {}
    for s in sets:
        if len(s.inputs) < 2:
            raise HFGANError(f"{s.source} ({split}) has {len(s.inputs)} image; the metrics need at least 2")
    start = time.perf_counter()  # every reference first, so that their progress bars come before the evaluation's
    all_references = [{e.name: get_reference_stats(e, s.reference_name, split, cache_dir=cache_dir,
                                                   num_images=reference_num_images, progress=progress,
                                                   images=s.reference_images) for e in extractors} for s in sets]
    timings["reference_s"] = time.perf_counter() - start
    total = sum(len(s.inputs) for s in sets)
    with tqdm(total=total, desc="evaluate", unit="img", disable=not progress, leave=False) as bar:
        for s, references in zip(sets, all_references):
            prefix = f"{s.direction}/" if len(sets) > 1 else ""
            n = len(s.inputs)
            feats: Dict[str, List[torch.Tensor]] = {e.name: [] for e in extractors}
            psnr, ssim = PeakSignalNoiseRatio(data_range=1.0), _ssim(min(s.inputs.shape[-2:]))
            l1_sum, in_class = 0.0, dict.fromkeys((c.name for c in classifiers), 0)
            for i in range(0, n, batch_size):
                t0 = time.perf_counter()
                inputs = s.inputs[i:i + batch_size]
                outputs = _quantize(translate(s.direction, inputs).detach().cpu())  # [B, C', H, W] in [0, 1]
                t1 = time.perf_counter()
                timings["translate_s"] += t1 - t0
                pixel_values = outputs * 2 - 1
                for e in extractors:
                    f, logits = e.features_and_logits(pixel_values)
                    feats[e.name].append(f.cpu())
                    if e in classifiers and class_rate:
                        in_class[e.name] += _in_classes(logits, s.target_classes)
                for classifier in classifiers:
                    if classifier not in extractors and class_rate and s.target_classes:
                        in_class[classifier.name] += _in_classes(classifier.features_and_logits(pixel_values)[1],
                                                                 s.target_classes)
                t2 = time.perf_counter()
                timings["features_s"] += t2 - t1
                if s.targets is not None:
                    targets = s.targets[i:i + batch_size].float() / 255
                    psnr.update(outputs, targets)
                    ssim.update(outputs, targets)
                    l1_sum += float((outputs - targets).abs().mean(dim=(1, 2, 3)).sum())
                else:
                    original = to_channels(inputs.float() / 255, outputs.shape[1])
                    l1_sum += float((outputs - original).abs().mean(dim=(1, 2, 3)).sum())
                timings["metrics_s"] += time.perf_counter() - t2
                bar.update(len(inputs))

            start = time.perf_counter()
            for e in extractors:
                scores = compute_metrics(torch.cat(feats[e.name]), torch.empty(0), references[e.name][0], distances, seed=seed)
                results[e.name].update({prefix + k: v for k, v in scores.items()})
            if class_rate and s.target_classes:
                for classifier in classifiers:
                    results[classifier.name][prefix + "target_class_rate"] = in_class[classifier.name] / n
            if s.targets is not None:
                pixel = {"l1": l1_sum / n, "psnr": float(psnr.compute()), "ssim": float(ssim.compute())}
            else:
                pixel = {"l1_to_input": l1_sum / n}
            results[PIXELS].update({prefix + k: v for k, v in pixel.items() if k in wanted})
            timings["metrics_s"] += time.perf_counter() - start
            directions[s.direction] = {
                "source": s.source, "target": s.target, "num_samples": n,
                "reference_num_images": next(iter(references.values()))[0].num_images if references else None,
                "reference_cached": {name: cached for name, (_, cached) in references.items()}}
    results = {k: v for k, v in results.items() if v}
    extractors_used = {e.name: e.weights_hash for e in extractors}
    for classifier in classifiers if class_rate else []:
        extractors_used[classifier.name] = classifier.weights_hash
    return TranslationReport(kind, dataset, split, results, directions, extractors_used, seed,
                             {k: round(v, 3) for k, v in timings.items()}, source)


def _in_classes(logits: torch.Tensor, classes: Optional[List[int]]) -> int:
    """How many rows of ``logits [B, K]`` have their argmax in ``classes``."""
    if not classes:
        return 0
    return int(torch.isin(logits.argmax(1).cpu(), torch.tensor(classes)).sum())


def evaluate_translation(
    pipe,
    dataset: Optional[str] = None,
    dataset_a: Optional[str] = None,
    dataset_b: Optional[str] = None,
    split: str = "test",
    num_samples: Optional[int] = None,
    metrics: Union[None, str, Sequence[str]] = None,
    features: Union[None, str, Sequence[Union[str, FeatureExtractor]]] = None,
    weights: Optional[str] = None,
    batch_size: int = 500,
    seed: int = 0,
    cache_dir: Optional[str] = None,
    device: Optional[Union[str, torch.device]] = None,
    reference_num_images: Optional[int] = None,
    source_column: Optional[str] = None,
    target_column: Optional[str] = None,
    progress: bool = True,
) -> TranslationReport:
    r"""
    Score an image-to-image pipeline on the test split of its data (see the module docstring for the metrics).

    Args:
        pipe (`GANImageToImagePipeline`): What to evaluate; every direction it translates is scored.
        dataset (`str`, *optional*): A paired dataset (e.g. `"fashion_mnist_edges"`); default: the card's.
        dataset_a, dataset_b (`str`, *optional*): The two domains of an unpaired evaluation (e.g.
            `"fashion_mnist:Sneaker"`, `"fashion_mnist:Ankle boot"`); default: the card's `domains`.
        split (`str`, defaults to `"test"`): The split translated and compared with.
        num_samples (`int`, *optional*): Translate the first `num_samples` images of each source split (default: all).
        metrics (`str` or list, *optional*): A subset of `fid, kid, l1, psnr, ssim` (paired) or
            `fid, kid, target_class_rate, l1_to_input` (unpaired); default: all of them.
        features (`str` or list, *optional*): Feature spaces of FID / KID; default: `fashion-mnist-classifier`, plus
            `inception` when its weights can be had (`weights` or `$HFGAN_INCEPTION_WEIGHTS`). `hfgan evaluate` adds
            the independent `fashion-mnist-reporter` on Fashion-MNIST data. A 28-px grayscale network on other
            data is a one-line error naming `inception`.
        weights (`str`, *optional*): The FID Inception weights file.
        batch_size (`int`, defaults to 500): Images translated at a time.
        seed (`int`, defaults to 0): Seeds the KID subsets.
        cache_dir (`str`, *optional*): Reference-statistics folder (as for `evaluate_pipeline`).
        device (`str` or `torch.device`, *optional*): Where features are computed; default: the generator's device.
        reference_num_images (`int`, *optional*): Use a seeded subset of each target split (quick checks only).
        source_column, target_column (`str`, *optional*): The paired dataset's image columns, when not the card's.
        progress (`bool`, defaults to True): A progress bar.

    Returns:
        `TranslationReport`: `report.metrics[features][name]`, e.g. `report.metrics["pixels"]["ssim"]`.
    """
    from ..pipelines import GANImageToImagePipeline

    if not isinstance(pipe, GANImageToImagePipeline):
        raise HFGANError(f"expected a GANImageToImagePipeline, got {type(pipe).__name__}")
    if num_samples is not None and (isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 2):
        raise HFGANError(f"num_samples must be an integer >= 2, got {num_samples!r}")
    kind, paired, domains = resolve_translation_data(pipe, dataset, dataset_a, dataset_b)
    parse_translation_metrics(metrics, kind)  # fail before loading any data
    features = translation_features(features, weights)
    for direction in pipe.directions:  # a 28-px grayscale network refuses other data before any is loaded
        target = paired if kind == "paired" else domains[1] if direction == "forward" else domains[0]
        if not is_fashion_mnist(target):
            config = pipe.translator(direction).config
            for f in features:
                extractor = get_feature_extractor(f, weights=weights if f == "inception" else None)
                extractor.check_fits(config.out_channels, config.sample_size, target)
    if kind == "paired":
        sets = paired_sets(pipe, paired, split, num_samples, source_column, target_column)
    else:
        if source_column or target_column:
            raise HFGANError("source_column/target_column name a paired dataset's columns, not domains")
        sets = unpaired_sets(pipe, *domains, split=split, num_samples=num_samples)
    name = paired if kind == "paired" else " <-> ".join(domains)
    device = device if device is not None else next(pipe.generator.parameters()).device

    def translate(direction: str, images: torch.Tensor) -> torch.Tensor:
        step = getattr(pipe, "max_batch_size", None) or len(images)  # the most one call may translate
        return torch.cat([pipe(image=images[i:i + step], direction=direction, output_type="pt").images
                          for i in range(0, len(images), step)])

    return evaluate_translation_sets(sets, translate, kind, name, split, metrics, features, weights, batch_size, seed,
                                     cache_dir, device, reference_num_images, progress,
                                     source=getattr(pipe, "name_or_path", "") or type(pipe.generator).__name__)
