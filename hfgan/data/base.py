"""What the trainer and the tasks ask of training data, declared as protocols.

* :class:`TrainingData`: every task's data. A length and ``batch(indices, device, flip_mask)``, which gives the rows
  at those dataset indices on ``device`` as the task's loss takes them.
* :class:`ImageData`: images of one size and channel count with optional class labels (what the generation tasks
  and :func:`hfgan.data.describe_data` read).
* :class:`ReadAheadData`: data whose rows are read ahead in the trainer's order (``set_plan``, ``batch_at``,
  ``close``); the trainer asks for read ``position`` of its plan instead of indices.

hfgan's data classes subclass these explicitly; any other object with the same members serves too (the trainer
checks with ``isinstance``, which for these protocols looks at the members only).
"""

from typing import TYPE_CHECKING, Callable, List, Optional, Protocol, Tuple, runtime_checkable

if TYPE_CHECKING:
    import torch

Plan = Callable[[int], Tuple["torch.Tensor", int]]  # position -> (this rank's dataset indices [b], epoch)


@runtime_checkable
class TrainingData(Protocol):
    """Training data as the trainer reads it: ``len(data)`` rows, batches by dataset index."""

    def __len__(self) -> int:
        ...

    def batch(self, indices, device=None, flip_mask=None) -> Tuple:
        """The rows ``indices`` on ``device``, images float in [-1, 1] and mirrored horizontally where the bool
        ``flip_mask [B]`` is set: ``(pixel_values, class_labels or None)`` for images, ``(sources, targets)``
        for pairs, ``(pixel_values_a, pixel_values_b)`` for two domains."""
        ...


@runtime_checkable
class ImageData(TrainingData, Protocol):
    """Images of one size and channel count, with class labels when the data set has them.

    ``channels`` and ``resolution`` (the width, in pixels) are those of the images ``batch`` gives (the targets,
    for pairs); ``class_labels`` is ``[N]`` or None; ``class_names`` the names of the labels, when known.
    """

    channels: int
    resolution: int
    class_labels: Optional["torch.Tensor"]
    class_names: Optional[List[str]]

    @property
    def num_classes(self) -> Optional[int]:
        """``len(class_names)``, else the largest label + 1, else None (no labels)."""
        if self.class_names:
            return len(self.class_names)
        return int(self.class_labels.max()) + 1 if self.class_labels is not None else None


@runtime_checkable
class ReadAheadData(TrainingData, Protocol):
    """Data read ahead in the trainer's order, from the trainer's plan of which rows each read takes."""

    def set_plan(self, plan: Plan) -> None:
        """``plan(position)`` -> (this rank's indices ``[b]``, epoch) of read number ``position`` (0, 1, 2, ...)."""
        ...

    def batch_at(self, position: int, device=None, flip_mask=None) -> Tuple:
        """What ``batch`` gives, for read ``position`` of the plan; the same position again gives the same rows."""
        ...

    def close(self) -> None:
        """Stop reading ahead (a later ``batch_at`` starts again)."""
        ...


__all__ = ["ImageData", "Plan", "ReadAheadData", "TrainingData"]
