"""Image data that need not fit in memory: rows read from ``datasets``' memory-mapped Arrow files by DataLoader
workers, in the trainer's order, and :func:`load_image_data`, which picks this or the in-memory tensor by size.

The trainer draws global batch ``counter`` from a permutation seeded by ``(seed, epoch)``, so the rows of every
batch follow from the seed and the counter alone. :class:`ArrowImageData` gets that plan from the trainer
(:meth:`ArrowImageData.set_plan`) and reads ahead: a ``DataLoader`` over a batch sampler that walks the plan from
the position asked for, with ``dataloader_num_workers`` processes decoding and resizing (and, with
``random_crop``, cropping at a place drawn from ``(seed, epoch, index)``). A resumed run asks for the position of
its step and gets the same rows and crops as an uninterrupted one; flips stay with the task's drawn randomness,
applied here as on the in-memory path.
"""

import os
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch

from ..errors import ConfigError, HFGANError
from .base import ImageData, Plan, ReadAheadData
from .rows import IMAGE_COLUMNS, LABEL_COLUMNS, decode_cell, find_column, resize_and_crop
from .sources import builtin_source, load_image_dataset
from .tensors import image_tensor_data_from_dataset, to_pixel_values

IN_MEMORY_CHOICES = ("auto", "true", "false")
RAM_FRACTION = 0.25  # "auto" decodes into memory when the uint8 tensor takes at most this share of the RAM

def total_memory_bytes() -> int:
    """Physical memory of this machine (8 GB when the OS does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 * 1024**3


class ArrowImageData(ImageData, ReadAheadData):
    """An image dataset read row by row from its memory-mapped Arrow table, never decoded as a whole.

    :class:`~hfgan.data.ImageData` as :class:`~hfgan.data.ImageTensorData` is (``len``, ``class_labels``,
    ``class_names``, ``num_classes``, ``channels``, ``resolution``, ``batch(indices, device, flip_mask)``), and
    :class:`~hfgan.data.ReadAheadData`: read-ahead in the trainer's order, ``set_plan(plan)`` then
    ``batch_at(position, device, flip_mask)``. Labels (8 bytes a row) are held in memory.
    """

    def __init__(self, dataset, source: str = "", resolution: int = 64, channels: int = 3,
                 image_column: Optional[str] = None, label_column: Optional[str] = None, center_crop: bool = True,
                 random_crop: bool = False, seed: int = 0, num_workers: int = 0):
        import datasets

        if len(dataset) == 0:
            raise HFGANError(f"dataset {source!r} is empty")
        if num_workers < 0:
            raise ConfigError(f"dataloader_num_workers must be >= 0, got {num_workers}")
        image_key = find_column(dataset, image_column, IMAGE_COLUMNS, "image")
        label_key = find_column(dataset, label_column, LABEL_COLUMNS, "label")
        self.class_names = getattr(dataset.features[label_key], "names", None) if label_key else None
        self.class_labels = None
        if label_key is not None:
            self.class_labels = torch.from_numpy(dataset.data.column(label_key).to_numpy().astype(np.int64))  # [N]
        rows = dataset.select_columns([image_key])
        if isinstance(rows.features[image_key], datasets.Image):  # decoded here, where a bad file can be named
            rows = rows.cast_column(image_key, datasets.Image(decode=False))
        self.rows, self.image_key, self.source = rows, image_key, source
        self.resolution, self.channels = resolution, channels
        self.center_crop, self.random_crop, self.seed = center_crop, random_crop, seed
        self.num_workers = num_workers
        self._plan: Optional[Plan] = None
        self._iterator = None
        self._next_position: Optional[int] = None
        self._last: Optional[Dict] = None

    def __len__(self) -> int:
        return len(self.rows)

    def describe(self) -> str:
        size = len(self) * self.channels * self.resolution**2 / 1e9
        workers = f"{self.num_workers} DataLoader worker{'s' if self.num_workers != 1 else ''}" if self.num_workers else "the main process"
        return (f"reading {len(self)} images of {self.source} from memory-mapped Arrow files through {workers} "
                f"({size:.1f} GB as uint8 at {self.resolution} px)")

    # -- rows --------------------------------------------------------------------------------------
    def crop_at(self, index: int, epoch: int) -> Optional[Tuple[float, float]]:
        """Where item ``index`` is cropped in ``epoch`` (fractions of the free width, height), or None: center."""
        if not self.random_crop:
            return None
        x, y = np.random.default_rng([self.seed, epoch, index]).random(2)
        return float(x), float(y)

    def read(self, indices: List[int], epoch: int = 0) -> torch.Tensor:
        """Decode rows ``indices`` of ``epoch``: uint8 ``[B, C, H, W]``."""
        cells = self.rows[list(indices)][self.image_key]  # one Arrow take for the whole batch
        pixels = np.empty((len(indices), self.channels, self.resolution, self.resolution), dtype=np.uint8)
        for i, (index, cell) in enumerate(zip(indices, cells)):
            try:
                pixels[i] = resize_and_crop(decode_cell(cell), self.resolution, self.channels, self.center_crop,
                                             self.crop_at(index, epoch))
            except HFGANError:
                raise
            except Exception as err:  # noqa: BLE001 - an unreadable file -> one line naming the row
                where = cell.get("path") if isinstance(cell, dict) else None
                raise HFGANError(f"cannot read image {index} of {self.source!r}{f' ({where})' if where else ''}: "
                                 f"{type(err).__name__}: {err}") from None
        return torch.from_numpy(pixels)

    def _labels(self, indices: torch.Tensor, device):
        return self.class_labels[indices].to(device) if self.class_labels is not None else None

    def batch(self, indices, device=None, flip_mask=None, epoch: int = 0):
        """``pixel_values`` float ``[B, C, H, W]`` in [-1, 1] and ``class_labels [B]`` (or None), read now."""
        indices = torch.as_tensor(indices)
        return to_pixel_values(self.read(indices.tolist(), epoch), device, flip_mask), self._labels(indices, device)

    # -- read-ahead in the trainer's order ----------------------------------------------------------
    def set_plan(self, plan: Plan) -> None:
        """``plan(position)`` -> (this rank's indices ``[b]``, epoch) of read number ``position`` (0, 1, 2, ...)."""
        self.close()
        self._plan = plan

    def batch_at(self, position: int, device=None, flip_mask=None):
        """The batch of read ``position`` of the plan, from the workers reading ahead; asking for the same
        position again gives the same rows (a phase that reuses its step's real batch)."""
        if self._plan is None:
            raise HFGANError("batch_at needs a plan: call set_plan first")
        if self._last is None or self._last["position"] != position:
            if self._iterator is None or self._next_position != position:
                self._start(position)
            self._last = next(self._iterator)
            if self._last["position"] != position:  # the sampler walks the plan in order: a bug if not
                raise RuntimeError(f"read-ahead gave position {self._last['position']}, expected {position}")
            self._next_position = position + 1
        pixels, indices = self._last["pixels"], self._last["indices"]
        return to_pixel_values(pixels, device, flip_mask), self._labels(indices, device)

    def _start(self, position: int) -> None:
        self.close()
        loader = torch.utils.data.DataLoader(
            _PlannedRows(self), batch_sampler=_PlanSampler(self._plan, position), num_workers=self.num_workers,
            collate_fn=_as_is, pin_memory=torch.cuda.is_available(),
            prefetch_factor=4 if self.num_workers else None, persistent_workers=False,
            generator=torch.Generator().manual_seed(self.seed),  # leaves the global RNG alone
        )
        self._iterator = iter(loader)
        self._next_position = position

    def close(self) -> None:
        """Stop the workers reading ahead (a later ``batch_at`` starts them again)."""
        self._iterator, self._next_position, self._last = None, None, None


class _PlanSampler:
    """Batches of ``(index, epoch, position)`` keys along the plan, from ``start`` on, without end."""

    def __init__(self, plan: Plan, start: int):
        self.plan, self.start = plan, start

    def __iter__(self):
        position = self.start
        while True:
            indices, epoch = self.plan(position)
            yield [(int(i), int(epoch), position) for i in indices]
            position += 1


class _PlannedRows(torch.utils.data.Dataset):
    """What a DataLoader worker runs: one whole batch of keys at a time (``__getitems__``)."""

    def __init__(self, data: ArrowImageData):
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, key):
        return self.__getitems__([key])

    def __getitems__(self, keys) -> Dict:
        indices = [k[0] for k in keys]
        return {"position": keys[0][2], "indices": torch.tensor(indices, dtype=torch.long),
                "pixels": self.data.read(indices, keys[0][1])}  # uint8 [B, C, H, W]


def _as_is(batch):
    return batch


# --------------------------------------------------------------------------------------------------
# in memory or from Arrow, by size
# --------------------------------------------------------------------------------------------------

def decoded_bytes(num_images: int, channels: int, resolution: int) -> int:
    return num_images * channels * resolution * resolution


def processes_on_this_machine() -> int:
    """Training processes sharing this machine's RAM: ``LOCAL_WORLD_SIZE`` (set by ``torchrun`` and ``accelerate
    launch``), else 1."""
    try:
        return max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    except ValueError:
        return 1


def choose_in_memory(in_memory: str, num_images: int, channels: int, resolution: int, random_crop: bool = False,
                     memory_bytes: Optional[int] = None, processes: Optional[int] = None) -> bool:
    """Whether to decode the data into one uint8 tensor: ``"true"``/``"false"`` say so; ``"auto"`` does when it takes
    at most a quarter of the RAM and no per-item augmentation (``random_crop``) needs the rows read each epoch.
    Every process on the machine (``processes``, default :func:`processes_on_this_machine`) holds its own copy, so
    the quarter is shared between them."""
    in_memory = str(in_memory).lower()
    if in_memory not in IN_MEMORY_CHOICES:
        raise ConfigError(f"data_in_memory must be one of {list(IN_MEMORY_CHOICES)}, got {in_memory!r}")
    if in_memory == "true":
        if random_crop:
            raise ConfigError("random_crop draws a crop per item and epoch: use data_in_memory=false or auto")
        return True
    if in_memory == "false":
        return False
    memory = memory_bytes if memory_bytes is not None else total_memory_bytes()
    copies = processes if processes is not None else processes_on_this_machine()
    return not random_crop and decoded_bytes(num_images, channels, resolution) * copies <= RAM_FRACTION * memory


def load_image_data(source: str = "fashion_mnist", split: str = "train", resolution: int = 28, channels: int = 1,
                    image_column: Optional[str] = None, label_column: Optional[str] = None, center_crop: bool = True,
                    max_samples: Optional[int] = None, data_dir: Optional[str] = None, in_memory: str = "auto",
                    random_crop: bool = False, seed: int = 0, num_workers: int = 0, log: Callable = print):
    """Training data: :class:`~hfgan.data.ImageTensorData` (decoded once, in memory) or :class:`ArrowImageData`
    (rows read by DataLoader workers), chosen by ``in_memory`` (``auto``: by decoded size against the RAM)."""
    builtin = builtin_source(source)
    if (builtin is not None and str(in_memory).lower() != "false" and not random_crop
            and builtin.serves(source, resolution, channels, image_column, label_column)):
        return builtin.tensor_data(source, split, image_column, max_samples)
    dataset = load_image_dataset(source, split, data_dir)
    if len(dataset) == 0:
        raise HFGANError(f"dataset {source!r} split {split!r} is empty")
    if max_samples:
        dataset = dataset.select(range(min(max_samples, len(dataset))))
    name = data_dir if source == "imagefolder" and data_dir else source
    if choose_in_memory(in_memory, len(dataset), channels, resolution, random_crop):
        limit = (max(8.0, RAM_FRACTION * total_memory_bytes() / processes_on_this_machine() / 1e9)
                 if str(in_memory).lower() == "auto" else 1e9)
        return image_tensor_data_from_dataset(dataset, name, split, resolution, channels, image_column, label_column,
                                              center_crop, None, max_memory_gb=limit)
    data = ArrowImageData(dataset, name, resolution, channels, image_column, label_column, center_crop, random_crop,
                          seed, num_workers)
    log(data.describe())
    return data


__all__ = ["ArrowImageData", "choose_in_memory", "decoded_bytes", "load_image_data", "total_memory_bytes"]
