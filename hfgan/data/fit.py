"""Fit a model to the data it trains on: the registry variant for ``--resolution``, the channels of the images, and
the classes of a labelled dataset, as ``transformers`` takes ``num_labels`` / ``id2label`` from the data.

:func:`fit_config_to_data` turns ``model="dcgan", resolution=64`` into ``model="dcgan-64"`` and, for a
class-conditional model, sets ``num_classes`` and ``class_names`` of the generator (and ``num_classes`` of the
discriminator) from the dataset's ``ClassLabel`` (folder names for an ``imagefolder``). Overrides are written
only where they differ from the registry's defaults, so a preset on its own data builds exactly as before.
"""

import dataclasses
import os
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

import numpy as np

from ..errors import HFGANError
from .base import ImageData
from .rows import IMAGE_COLUMNS, LABEL_COLUMNS, decode_cell, find_column
from .sources import builtin_source, load_image_dataset

_GRAY_MODES = ("1", "L", "LA", "I", "I;16", "F")


@dataclass
class DataInfo:
    """What fitting a model needs to know of a dataset, read without decoding it."""

    num_images: int
    channels: int  # of the first image: 1 (grayscale) or 3
    size: int  # the first image's short side, in pixels
    class_names: Optional[List[str]] = None  # from a ClassLabel feature
    num_classes: Optional[int] = None  # len(class_names), or the largest label + 1

    @property
    def labelled(self) -> bool:
        return self.num_classes is not None


def dataset_name(cfg) -> str:
    """A short name of the training data for run folders and model cards (a folder's own name, not its path)."""
    source = cfg.train_data_dir if cfg.dataset == "imagefolder" and cfg.train_data_dir else cfg.dataset
    if os.path.isdir(source):
        return os.path.basename(os.path.normpath(os.path.abspath(source)))
    return source


def describe_data(cfg, data: Optional[ImageData] = None) -> DataInfo:
    """:class:`DataInfo` of ``data`` when given (loaded :class:`~hfgan.data.ImageData`), else of the config's
    dataset."""
    if data is not None:
        return DataInfo(len(data), int(data.channels), int(data.resolution), data.class_names, data.num_classes)
    builtin = builtin_source(cfg.dataset)
    if builtin is not None:
        num_images, channels, size, names = builtin.describe(cfg.dataset, cfg.dataset_split)
        return DataInfo(num_images, channels, size, names, len(names))
    dataset = load_image_dataset(cfg.dataset, cfg.dataset_split, cfg.train_data_dir)
    if len(dataset) == 0:
        raise HFGANError(f"dataset {cfg.dataset!r} split {cfg.dataset_split!r} is empty")
    image_key = find_column(dataset, cfg.image_column, IMAGE_COLUMNS, "image")
    label_key = find_column(dataset, cfg.label_column, LABEL_COLUMNS, "label")
    import datasets

    first = dataset.select([0])
    if isinstance(first.features[image_key], datasets.Image):
        first = first.cast_column(image_key, datasets.Image(decode=False))
    try:
        image = decode_cell(first[0][image_key])
        mode, (w, h) = image.mode, image.size
    except Exception as err:  # noqa: BLE001 - an unreadable first file
        raise HFGANError(f"cannot read the first image of {cfg.dataset!r}: {type(err).__name__}: {err}") from None
    names, num_classes = None, None
    if label_key is not None:
        names = getattr(dataset.features[label_key], "names", None)
        if names:
            num_classes = len(names)
        else:
            labels = dataset.data.column(label_key).to_numpy()
            num_classes = int(np.max(labels)) + 1 if len(labels) else None
    return DataInfo(len(dataset), 1 if mode in _GRAY_MODES else 3, min(w, h), list(names) if names else None, num_classes)


def _already_sized(cfg, resolution: Optional[int]) -> bool:
    """Whether ``cfg`` names a registry variant that its own ``generator_kwargs.sample_size`` already sizes to
    ``resolution``, as a fitted config records a resized variant (``model: cdcgan-28``, ``sample_size: 64``)."""
    from ..models import list_models

    return (resolution is not None and cfg.model in list_models()
            and cfg.generator_kwargs.get("sample_size") == resolution
            and cfg.discriminator_kwargs.get("sample_size", resolution) == resolution)


def fit_config_to_data(cfg, data=None, log: Callable = print):
    """``cfg`` with a concrete registry model, sized to ``cfg.resolution`` (channels from the data when it is set),
    and a conditional model's classes from the data. Translation and progressive models keep their own configs."""
    from ..models import get_model_entry, list_models
    from ..models.registry import resolve_model_name, variants_of

    info: Optional[DataInfo] = None
    resolution = cfg.resolution
    if resolution is None and cfg.model not in list_models() and len(variants_of(cfg.model)) > 1:
        info = describe_data(cfg, data)  # a family name: the variant made for the data's image size, if any
        if info.size in variants_of(cfg.model):
            resolution = info.size
    if _already_sized(cfg, resolution):  # a fitted config (a run's training_config.json): the variant it built
        name, sample_size = cfg.model, None
    else:
        name, sample_size = resolve_model_name(cfg.model, resolution)
        if sample_size is not None:
            log(f"{cfg.model}: no variant is made for {sample_size} px; training {name} sized to {sample_size} px "
                f"(generator_kwargs.sample_size {sample_size})")
    entry = get_model_entry(name)
    gen_defaults, disc_defaults = entry.generator_config, entry.discriminator_config if "discriminator" in entry.components else {}
    gen: Dict = {} if sample_size is None else {"sample_size": sample_size}
    disc: Dict = {} if sample_size is None else {"sample_size": sample_size}
    if (cfg.task or entry.task) == "generation" and "discriminator" in entry.components:
        user_gen, user_disc = cfg.generator_kwargs, cfg.discriminator_kwargs
        conditional = user_gen.get("num_classes", gen_defaults.get("num_classes"))
        if cfg.resolution is not None or conditional:
            info = info or describe_data(cfg, data)
        if cfg.resolution is not None and "out_channels" not in user_gen and info.channels != gen_defaults.get("out_channels"):
            gen["out_channels"] = info.channels
            if "in_channels" not in user_disc:
                disc["in_channels"] = info.channels
        if conditional and not info.labelled:
            raise HFGANError(f"{name} is class-conditional but {dataset_name(cfg)!r} has no labels (an image folder takes "
                             "its classes from subfolders, two or more): train an unconditional model, or label the data")
        pinned = user_gen.get("num_classes")
        if pinned and pinned != gen_defaults.get("num_classes") and "class_names" not in user_gen:
            gen["class_names"] = None  # the registry's names are for its own class count; the data's come in load_data
        if conditional and not pinned:
            if info.num_classes < 2:
                raise HFGANError(f"{name} is class-conditional but {dataset_name(cfg)!r} has {info.num_classes} class: "
                                 "train an unconditional model, or give the data two classes or more")
            names = info.class_names
            if info.num_classes != gen_defaults.get("num_classes"):
                gen["num_classes"] = info.num_classes
            if names != gen_defaults.get("class_names") and "class_names" not in user_gen:
                gen["class_names"] = names
            if "num_classes" not in user_disc and info.num_classes != disc_defaults.get("num_classes"):
                disc["num_classes"] = info.num_classes
            if gen.get("num_classes") or gen.get("class_names"):
                log(f"{name}: {info.num_classes} classes from {dataset_name(cfg)}"
                    + (f" ({', '.join(names[:10])}{', ...' if len(names) > 10 else ''})" if names else ""))
    if name == cfg.model and not gen and not disc:
        return cfg
    return dataclasses.replace(cfg, model=name, generator_kwargs={**gen, **cfg.generator_kwargs},
                               discriminator_kwargs={**disc, **cfg.discriminator_kwargs})

