"""Datasets for training and evaluation, through ``datasets``.

Sources: the built-in ``fashion_mnist`` (Debian's IDX files under ``/usr/share/datasets/fashion-mnist`` when present,
otherwise the Hub copy) and ``fashion_mnist_edges`` (garments paired with their edge maps), any Hub dataset name, a
local ``imagefolder`` or a ``save_to_disk`` folder. Rows come out as ``pixel_values`` in [-1, 1] and
``class_labels``.

Modules: :mod:`.base` (the protocols the trainer relies on: :class:`TrainingData`, :class:`ImageData`,
:class:`ReadAheadData`), :mod:`.sources` (a ``datasets.Dataset`` from a name or a folder), :mod:`.fashion_mnist` (the
built-ins), :mod:`.rows` (columns, cells, the resize and crop of training images), :mod:`.tensors` (data in memory),
:mod:`.stream` (rows read from Arrow by DataLoader workers), :mod:`.translation` (paired and unpaired translation
data), :mod:`.fit` (a model config sized to the data). The public names below are imported on first use.
"""

from .._lazy import lazy_exports

_LAZY = {
    **dict.fromkeys(["ImageData", "ReadAheadData", "TrainingData"], ".base"),
    **dict.fromkeys(["FASHION_MNIST_LABELS", "check_fashion_mnist_split", "edge_map", "fashion_mnist_available",
                     "load_fashion_mnist", "load_fashion_mnist_arrays", "load_fashion_mnist_edges", "read_idx"],
                    ".fashion_mnist"),
    **dict.fromkeys(["check_metadata_files", "load_image_dataset", "load_image_tensor_data"], ".sources"),
    **dict.fromkeys(["check_class_names", "resize_and_crop"], ".rows"),
    **dict.fromkeys(["ImageTensorData", "PairedTensorData", "image_tensor_data_from_dataset", "to_pixel_values"],
                    ".tensors"),
    **dict.fromkeys(["ArrowImageData", "choose_in_memory", "load_image_data"], ".stream"),
    **dict.fromkeys(["class_ids", "load_domain_tensor_data", "load_paired_tensor_data"], ".translation"),
    **dict.fromkeys(["DataInfo", "dataset_name", "describe_data", "fit_config_to_data"], ".fit"),
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
