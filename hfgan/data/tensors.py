"""Image data held in memory as uint8 tensors: :class:`ImageTensorData` (images, optional labels) and
:class:`PairedTensorData` (aligned source/target pairs), and :func:`image_tensor_data_from_dataset`, which decodes a
loaded ``datasets.Dataset`` into the first. Batches are plain tensor indexing, converted to float ``pixel_values`` in
[-1, 1] on the device that trains.
"""

from typing import Optional

import numpy as np

from ..errors import HFGANError
from .base import ImageData
from .rows import IMAGE_COLUMNS, LABEL_COLUMNS, check_class_names, decode_cell, find_column, resize_and_crop


def to_pixel_values(pixels, device=None, flip_mask=None):
    """uint8 ``[B, C, H, W]`` -> float ``pixel_values`` in [-1, 1] on ``device``, mirrored where ``flip_mask [B]``."""
    import torch

    pixel_values = pixels.to(device, non_blocking=True).float().mul_(2.0 / 255.0).sub_(1.0)
    if flip_mask is not None and bool(flip_mask.any()):
        flip_mask = flip_mask.to(pixel_values.device)
        pixel_values = torch.where(flip_mask[:, None, None, None], pixel_values.flip(3), pixel_values)
    return pixel_values


class ImageTensorData(ImageData):
    """A whole image dataset as one uint8 tensor ``[N, C, H, W]`` in memory, plus ``class_labels [N]``.

    Small data sets (Fashion-MNIST: 47 MB) are decoded once; batches are then plain tensor indexing,
    converted to float ``pixel_values`` in [-1, 1] on the device that trains.
    """

    def __init__(self, images, class_labels=None, class_names=None):
        import torch

        self.images = torch.as_tensor(images)  # uint8 [N, C, H, W]
        if self.images.dtype != torch.uint8 or self.images.ndim != 4:
            raise HFGANError(f"images must be uint8 [N, C, H, W], got {self.images.dtype} {list(self.images.shape)}")
        if len(self.images) == 0:
            raise HFGANError("the dataset split is empty")
        self.class_labels = None if class_labels is None else torch.as_tensor(class_labels, dtype=torch.long)
        if self.class_labels is not None and len(self.class_labels) != len(self.images):
            raise HFGANError(f"{len(self.images)} images but {len(self.class_labels)} labels")
        self.class_names = list(class_names) if class_names else None
        check_class_names(self.class_names or (), "the dataset")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])

    @property
    def resolution(self) -> int:
        return int(self.images.shape[-1])

    def batch(self, indices, device=None, flip_mask=None):
        """``pixel_values`` float ``[B, C, H, W]`` in [-1, 1] and ``class_labels [B]`` (or None)."""
        pixel_values = to_pixel_values(self.images[indices], device, flip_mask)
        labels = self.class_labels[indices].to(device) if self.class_labels is not None else None
        return pixel_values, labels


def _to_uint8_tensor(values, name: str):
    import torch

    tensor = torch.as_tensor(values)
    if tensor.dtype != torch.uint8 or tensor.ndim != 4:
        raise HFGANError(f"{name} must be uint8 [N, C, H, W], got {tensor.dtype} {list(tensor.shape)}")
    return tensor


class PairedTensorData(ImageData):
    """Aligned image pairs in memory: ``sources`` uint8 ``[N, Cs, H, W]``, ``targets`` uint8 ``[N, Ct, H, W]``.

    Optional ``class_labels [N]`` and ``class_names``. ``images`` is the targets (the domain a translation
    model generates), so code written for :class:`ImageTensorData` reads the right images; so are ``channels``
    and ``resolution``. ``source_name``/``target_name`` say where each side came from (a column, or
    ``left``/``right``).
    """

    def __init__(self, sources, targets, class_labels=None, class_names=None,
                 source_name: str = "source", target_name: str = "target"):
        import torch

        self.sources = _to_uint8_tensor(sources, "sources")
        self.targets = _to_uint8_tensor(targets, "targets")
        if len(self.sources) != len(self.targets):
            raise HFGANError(f"{len(self.sources)} source images but {len(self.targets)} target images")
        if len(self.sources) == 0:
            raise HFGANError("the dataset split is empty")
        if self.sources.shape[2:] != self.targets.shape[2:]:
            raise HFGANError(f"sources are {list(self.sources.shape[2:])} but targets are "
                             f"{list(self.targets.shape[2:])}: paired images must have the same size")
        self.class_labels = None if class_labels is None else torch.as_tensor(class_labels, dtype=torch.long)
        if self.class_labels is not None and len(self.class_labels) != len(self.sources):
            raise HFGANError(f"{len(self.sources)} pairs but {len(self.class_labels)} labels")
        self.class_names = list(class_names) if class_names else None
        self.source_name, self.target_name = source_name, target_name

    def __len__(self) -> int:
        return len(self.sources)

    @property
    def images(self):
        return self.targets

    @property
    def source_channels(self) -> int:
        return int(self.sources.shape[1])

    @property
    def target_channels(self) -> int:
        return int(self.targets.shape[1])

    @property
    def channels(self) -> int:
        return self.target_channels

    @property
    def resolution(self) -> int:
        return int(self.targets.shape[-1])

    def batch(self, indices, device=None, flip_mask=None):
        """``(source_values, pixel_values)``: float ``[B, Cs, H, W]`` and ``[B, Ct, H, W]`` in [-1, 1] on ``device``.

        ``flip_mask`` (bool ``[B]``) mirrors both images of a pair horizontally together. Class labels, when
        wanted, are ``self.class_labels[indices]``.
        """
        import torch

        sources = self.sources[indices].to(device, non_blocking=True).float().mul_(2.0 / 255.0).sub_(1.0)
        targets = self.targets[indices].to(device, non_blocking=True).float().mul_(2.0 / 255.0).sub_(1.0)
        if flip_mask is not None and bool(flip_mask.any()):
            flip = flip_mask.to(targets.device)[:, None, None, None]
            sources = torch.where(flip, sources.flip(3), sources)
            targets = torch.where(flip, targets.flip(3), targets)
        return sources, targets


def image_tensor_data_from_dataset(dataset, source: str, split: str = "train", resolution: int = 28,
                                   channels: int = 1, image_column: Optional[str] = None,
                                   label_column: Optional[str] = None, center_crop: bool = True,
                                   max_samples: Optional[int] = None, max_memory_gb: float = 8.0) -> ImageTensorData:
    """Decode a loaded ``datasets.Dataset`` into :class:`ImageTensorData` (``source``/``split`` name it in errors)."""
    from tqdm.auto import tqdm

    if len(dataset) == 0:
        raise HFGANError(f"dataset {source!r} split {split!r} is empty")
    if max_samples:
        dataset = dataset.select(range(min(max_samples, len(dataset))))
    needed_gb = len(dataset) * channels * resolution * resolution / 1e9
    if needed_gb > max_memory_gb:
        raise HFGANError(f"{source!r} needs {needed_gb:.1f} GB as uint8 at {resolution}px (limit {max_memory_gb} GB): "
                         "lower the resolution or max_samples")
    image_key = find_column(dataset, image_column, IMAGE_COLUMNS, "image")
    label_key = find_column(dataset, label_column, LABEL_COLUMNS, "label")
    class_names = None
    if label_key is not None:
        feature = dataset.features[label_key]
        class_names = getattr(feature, "names", None)
    import datasets

    if isinstance(dataset.features[image_key], datasets.Image):  # decode here, where a bad file can be named
        dataset = dataset.cast_column(image_key, datasets.Image(decode=False))
    images = np.empty((len(dataset), channels, resolution, resolution), dtype=np.uint8)
    labels = np.empty(len(dataset), dtype=np.int64) if label_key else None
    for i, row in enumerate(tqdm(dataset, desc=f"decoding {source}:{split}", unit="img", mininterval=2)):
        try:
            images[i] = resize_and_crop(decode_cell(row[image_key]), resolution, channels, center_crop)
        except HFGANError:
            raise
        except Exception as err:  # noqa: BLE001 - unreadable file -> one line naming the row
            where = row[image_key].get("path") if isinstance(row[image_key], dict) else None
            raise HFGANError(f"cannot read image {i} of {source!r}{f' ({where})' if where else ''}: "
                             f"{type(err).__name__}: {err}") from None
        if labels is not None:
            labels[i] = int(row[label_key])
    return ImageTensorData(images, labels, class_names)


__all__ = ["ImageTensorData", "PairedTensorData", "image_tensor_data_from_dataset", "to_pixel_values"]
