"""What an image-to-image pipeline is evaluated on: its test data, one :class:`TranslationSet` per direction.

The data comes from the pipeline's model card (what the trainer recorded) unless the caller names it:

- paired (Pix2Pix): ``dataset`` (``--dataset``), else the card's training ``dataset`` (with its ``source_column``,
  ``image_column``, ``paired_layout``, ``label_column`` and ``center_crop`` when it is the same dataset);
- unpaired (CycleGAN): ``dataset_a`` / ``dataset_b`` (``--dataset-a`` / ``--dataset-b``), else the card's
  ``domains`` (``{"A": spec, "B": spec}``), else its training ``dataset_a`` / ``dataset_b``.

Every direction the pipeline has is evaluated: ``forward`` translates sources (domain A) to targets (domain B),
``reverse`` (two-way pipelines) the other way. Images are loaded at the size and channels of the generator of
that direction; ``num_samples`` takes the first images of the source split.
"""

import hashlib
import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import torch

from ..errors import HFGANError


@dataclass
class TranslationSet:
    """The test data of one direction.

    Attributes:
        direction: ``"forward"`` or ``"reverse"``.
        source: what is translated, e.g. ``fashion_mnist_edges:edges`` or ``fashion_mnist:Sneaker``.
        target: what the outputs should look like, e.g. ``fashion_mnist_edges:image`` or ``fashion_mnist:Ankle boot``.
        inputs: uint8 ``[N, C_in, H, W]``, the images to translate.
        targets: uint8 ``[N, C_out, H, W]``, each input's ground truth (paired data), or None (unpaired).
        reference_name: the cache key of the target split's reference statistics.
        reference_images: returns the whole target split, uint8 ``[M, C_out, H, W]`` (called on a cache miss only).
        target_classes: Fashion-MNIST class ids of the target domain (for the target-class rate), or None.
    """

    direction: str
    source: str
    target: str
    inputs: torch.Tensor
    targets: Optional[torch.Tensor]
    reference_name: str
    reference_images: Callable[[], np.ndarray]
    target_classes: Optional[List[int]] = None


def reference_name(name: str, resolution: int, channels: int) -> str:
    """A file-name-safe cache key of a split's images at ``resolution`` px with ``channels`` channels; names that
    had to be changed to be safe (``fashion_mnist:Ankle boot``, folders) get a hash of the original."""
    safe = re.sub(r"[^A-Za-z0-9_.,=+]+", "_", name).strip("_") or "data"
    if safe != name:
        safe += "-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{safe}-{resolution}px-{channels}ch"


FASHION_MNIST_DATA = ("fashion_mnist", "fashion_mnist_edges")


def is_fashion_mnist(spec: Optional[str]) -> bool:
    """Whether a dataset spec (``fashion_mnist``, ``fashion_mnist_edges``, ``fashion_mnist:Sneaker``, a paired
    ``fashion_mnist_edges:image``) is built on Fashion-MNIST, the data of the shipped feature extractors."""
    return bool(spec) and not os.path.isdir(spec) and spec.partition(":")[0] in FASHION_MNIST_DATA


def fashion_mnist_classes(spec: str) -> Optional[List[int]]:
    """Class ids of a class-subset domain of Fashion-MNIST (``fashion_mnist:Sneaker`` -> ``[7]``), else None."""
    from ..data import FASHION_MNIST_LABELS, class_ids

    name, _, classes = spec.partition(":")
    if name != "fashion_mnist" or not classes.strip() or os.path.isdir(spec):
        return None
    return class_ids(spec, classes.strip(), FASHION_MNIST_LABELS, None)


def recorded_data(pipe) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """``(card_data, training config)`` of a pipeline, each ``{}`` when absent."""
    data = dict(getattr(pipe, "card_data", None) or {})
    training = data.get("training")
    return data, dict(training) if isinstance(training, dict) else {}


def resolve_translation_data(pipe, dataset: Optional[str] = None, dataset_a: Optional[str] = None,
                             dataset_b: Optional[str] = None) -> Tuple[str, Optional[str], Optional[Tuple[str, str]]]:
    """``("paired", dataset, None)`` or ``("unpaired", None, (domain_a, domain_b))``: the arguments, else the card's."""
    if (dataset_a is None) != (dataset_b is None):
        raise HFGANError("unpaired evaluation needs both domains: give --dataset-a and --dataset-b (or neither)")
    if dataset is not None and dataset_a is not None:
        raise HFGANError("give a paired dataset (--dataset) or two domains (--dataset-a/--dataset-b), not both")
    if dataset_a is not None:
        return "unpaired", None, (dataset_a, dataset_b)
    if dataset is not None:
        return "paired", dataset, None
    data, training = recorded_data(pipe)
    domains = data.get("domains")
    if isinstance(domains, dict) and domains.get("A") and domains.get("B"):
        return "unpaired", None, (str(domains["A"]), str(domains["B"]))
    if training.get("dataset_a") and training.get("dataset_b"):
        return "unpaired", None, (str(training["dataset_a"]), str(training["dataset_b"]))
    recorded = training.get("dataset") or data.get("dataset")
    if recorded:
        return "paired", str(recorded), None
    where = getattr(pipe, "name_or_path", "") or "this image-to-image pipeline"
    raise HFGANError(f"{where} records no training dataset in its model card: name the test data, a paired dataset "
                     "(--dataset, e.g. fashion_mnist_edges) or two domains (--dataset-a/--dataset-b, "
                     "e.g. fashion_mnist:Sneaker and 'fashion_mnist:Ankle boot')")


def _lazy(load: Callable[[], np.ndarray]) -> Callable[[], np.ndarray]:
    """``load`` run once, on the first call."""
    cache: List[np.ndarray] = []

    def call() -> np.ndarray:
        if not cache:
            cache.append(load())
        return cache[0]

    return call


def paired_sets(pipe, dataset: str, split: str = "test", num_samples: Optional[int] = None,
                source_column: Optional[str] = None, target_column: Optional[str] = None) -> List[TranslationSet]:
    """One :class:`TranslationSet` per direction of ``pipe`` on a paired dataset (``reverse``: targets -> sources)."""
    from ..data import load_paired_tensor_data

    _, training = recorded_data(pipe)
    same = training.get("dataset") == dataset  # the training config's columns and layout describe this dataset
    layout = (training.get("paired_layout") or "columns") if same else "columns"
    options: Dict[str, Any] = {"paired_layout": layout, "center_crop": bool(training.get("center_crop", True)) if same else True,
                               "label_column": training.get("label_column") if same else None}
    if layout == "side_by_side":
        options["image_column"] = training.get("image_column")
        if source_column or target_column:
            raise HFGANError(f"{dataset} was trained side by side (one image per pair): it has no source/target columns")
    else:
        options["source_column"] = source_column or (training.get("source_column") if same else None)
        options["target_column"] = target_column or (training.get("image_column") if same else None)

    sets = []
    for direction in pipe.directions:
        config = pipe.translator(direction).config
        kwargs = dict(options, resolution=config.sample_size, source_channels=config.in_channels,
                      target_channels=config.out_channels, direction="AtoB" if direction == "forward" else "BtoA")
        data = load_paired_tensor_data(dataset, split, max_samples=num_samples, **kwargs)
        if num_samples is None or len(data) < num_samples:  # the whole split is loaded already
            whole = (lambda d: lambda: d.targets.numpy())(data)
        else:
            whole = _lazy((lambda k: lambda: load_paired_tensor_data(dataset, split, **k).targets.numpy())(kwargs))
        sets.append(TranslationSet(
            direction, f"{dataset}:{data.source_name}", f"{dataset}:{data.target_name}", data.sources, data.targets,
            reference_name(f"{dataset}.{data.target_name}", config.sample_size, config.out_channels), whole))
    return sets


def unpaired_sets(pipe, domain_a: str, domain_b: str, split: str = "test",
                  num_samples: Optional[int] = None) -> List[TranslationSet]:
    """One :class:`TranslationSet` per direction of ``pipe`` between two domains: ``forward`` A -> B, ``reverse`` B -> A."""
    from ..data import load_domain_tensor_data

    _, training = recorded_data(pipe)
    center_crop = bool(training.get("center_crop", True))
    sets = []
    for direction in pipe.directions:
        source, target = (domain_a, domain_b) if direction == "forward" else (domain_b, domain_a)
        config = pipe.translator(direction).config
        size = config.sample_size
        inputs = load_domain_tensor_data(source, split, size, config.in_channels, max_samples=num_samples,
                                         center_crop=center_crop).images
        load = (lambda t, s, c: lambda: load_domain_tensor_data(t, split, s, c, center_crop=center_crop).images.numpy())
        sets.append(TranslationSet(direction, source, target, inputs, None,
                                   reference_name(target, size, config.out_channels),
                                   _lazy(load(target, size, config.out_channels)), fashion_mnist_classes(target)))
    return sets
