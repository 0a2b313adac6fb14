"""Images in and out of hfgan's pipelines, in the manner of diffusers' ``VaeImageProcessor``.

``preprocess_image`` takes what diffusers' image processors take (a PIL image, numpy ``HWC`` / ``NHWC`` or torch
``CHW`` / ``NCHW`` in [0, 1], or a list of any one of these) and returns one ``[N, C, H, W]`` float tensor in
[-1, 1] at the model's size and channel count; ``postprocess_image`` turns a model's ``[N, C, H, W]`` output in
[-1, 1] into PIL images, numpy ``NHWC`` or torch ``NCHW`` in [0, 1].
"""

from typing import List, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import HFGANError

OUTPUT_TYPES = ("pil", "np", "pt")
# Input image files larger than this are refused from their header, before they are decoded (`hfgan translate
# --max-image-pixels` raises it; the Space refuses larger uploads).
MAX_INPUT_PIXELS = 16_000_000
ImageInput = Union["PIL.Image.Image", np.ndarray, torch.Tensor, Sequence]  # noqa: F821 - PIL is imported lazily

# ITU-R 601-2 luma, the weights of PIL's convert("L")
_LUMA = (0.299, 0.587, 0.114)
_INPUT_KINDS = "a PIL image, a numpy array (HWC or NHWC), a torch tensor (CHW or NCHW) or a list of one of these"


def to_pil(images: torch.Tensor):
    """``[N, C, H, W]`` floats in [0, 1] -> list of PIL images (mode ``L`` for one channel, ``RGB`` for three)."""
    from PIL import Image

    arrays = (images.permute(0, 2, 3, 1).float().cpu().numpy() * 255).round().astype(np.uint8)
    if arrays.shape[-1] == 1:
        return [Image.fromarray(a[..., 0], mode="L") for a in arrays]
    return [Image.fromarray(a) for a in arrays]


def postprocess_image(images: torch.Tensor, output_type: str = "pil"):
    """A model's ``[N, C, H, W]`` output in [-1, 1] -> ``output_type`` in [0, 1]: ``"pt"`` (the tensor, rescaled
    in place), ``"np"`` (``[N, H, W, C]`` float32) or ``"pil"`` (a list of PIL images)."""
    if output_type not in OUTPUT_TYPES:
        raise HFGANError(f"unknown output_type {output_type!r}; use one of {OUTPUT_TYPES}")
    images = images.mul_(0.5).add_(0.5).clamp_(0, 1)  # [-1, 1] -> [0, 1], in place: the tensor is the caller's own
    if output_type == "np":
        return images.permute(0, 2, 3, 1).float().cpu().numpy()
    if output_type == "pil":
        return to_pil(images)
    return images


def _size(size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    return (int(size), int(size)) if isinstance(size, (int, np.integer)) else (int(size[0]), int(size[1]))


def _convert_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """``[N, C, H, W]`` with C in (1, 3, 4) -> ``channels`` (1 or 3): alpha dropped, gray repeated, RGB to luma."""
    if images.shape[1] == 4:
        images = images[:, :3]
    if images.shape[1] == channels:
        return images
    if channels == 3:
        return images.expand(-1, 3, -1, -1)
    weights = torch.tensor(_LUMA, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    return (images * weights).sum(dim=1, keepdim=True)


def _pil_to_tensor(image, channels: int, size: Tuple[int, int]) -> torch.Tensor:
    from PIL import Image

    image = image.convert("L" if channels == 1 else "RGB")  # any mode: P, LA, RGBA, I;16, CMYK, ...
    if image.size != (size[1], size[0]):
        image = image.resize((size[1], size[0]), Image.Resampling.LANCZOS)
    array = np.asarray(image, dtype=np.float32) / 255.0
    array = array[..., None] if array.ndim == 2 else array
    return torch.from_numpy(array).permute(2, 0, 1)[None]  # [1, C, H, W]


def _array_to_tensor(image: Union[np.ndarray, torch.Tensor]) -> torch.Tensor:
    """A numpy ``HW``/``HWC``/``NHWC`` or torch ``HW``/``CHW``/``NCHW`` image -> ``[N, C, H, W]`` float in [0, 1]."""
    is_numpy = isinstance(image, np.ndarray)
    kind, layouts = ("numpy array", "HWC or NHWC") if is_numpy else ("torch tensor", "CHW or NCHW")
    shape = list(image.shape)
    if image.ndim not in (2, 3, 4):
        raise HFGANError(f"a {kind} image must be {layouts} (or HW for grayscale), got {image.ndim} dims {shape}")
    if is_numpy:
        if image.dtype == np.bool_ or not (np.issubdtype(image.dtype, np.floating) or image.dtype == np.uint8):
            raise HFGANError(f"a numpy image must hold floats in [0, 1] or uint8, got dtype {image.dtype}")
        tensor = torch.tensor(image)  # a copy: arrays from PIL are read-only
        tensor = tensor[None, ..., None] if tensor.ndim == 2 else tensor[None] if tensor.ndim == 3 else tensor
        tensor = tensor.permute(0, 3, 1, 2)  # NHWC -> NCHW
    else:
        if not (image.is_floating_point() or image.dtype == torch.uint8):
            raise HFGANError(f"a torch image must hold floats in [0, 1] or uint8, got dtype {image.dtype}")
        tensor = image.detach()
        tensor = tensor[None, None] if tensor.ndim == 2 else tensor[None] if tensor.ndim == 3 else tensor
    if tensor.shape[1] not in (1, 3, 4) or 0 in tensor.shape:
        where = "last" if is_numpy else ("first" if image.ndim == 3 else "second")
        raise HFGANError(f"a {kind} image must be {layouts} with 1, 3 or 4 channels ({where} axis), got shape {shape}")
    if tensor.dtype == torch.uint8:
        return tensor.float() / 255.0
    tensor = tensor.float()
    low, high = float(tensor.min()), float(tensor.max())
    if not (low >= -1e-3 and high <= 1 + 1e-3):  # also catches NaN
        raise HFGANError(f"{kind} image values must be in [0, 1], got [{low:.3g}, {high:.3g}]"
                         + (" (rescale [-1, 1] images with x / 2 + 0.5)" if low < 0 else ""))
    return tensor.clamp(0, 1)


def preprocess_image(image: ImageInput, channels: int, size: Union[int, Sequence[int]]) -> torch.Tensor:
    """Turn ``image`` into a model input: ``[N, channels, H, W]`` float32 in [-1, 1], ``(H, W) = size`` (on the
    CPU, or on the device of the given tensors).

    ``image``: a PIL image (any mode), a numpy array ``HWC`` / ``NHWC`` (or ``HW`` grayscale), a torch tensor
    ``CHW`` / ``NCHW`` (or ``HW``), floats in [0, 1] or uint8 in [0, 255], or a list of one of these kinds
    (sizes may differ: each image is resized). Images of another size are resized (PIL: Lanczos; arrays and
    tensors: bilinear with antialiasing); channels are converted (RGB -> luma, gray -> RGB, alpha dropped).
    """
    from PIL import Image

    if channels not in (1, 3):
        raise HFGANError(f"the model takes {channels} input channels; image inputs convert to 1 or 3")
    height, width = _size(size)
    items = list(image) if isinstance(image, (list, tuple)) else [image]
    if not items:
        raise HFGANError("image is an empty list: pass at least one image")
    kinds = {Image.Image if isinstance(item, Image.Image) else type(item) for item in items}
    bad = next((item for item in items if not isinstance(item, (Image.Image, np.ndarray, torch.Tensor))), None)
    if bad is not None:
        inner = " in a list" if isinstance(image, (list, tuple)) else ""
        raise HFGANError(f"image must be {_INPUT_KINDS}; got {type(bad).__name__}{inner}")
    if len(kinds) > 1:
        raise HFGANError(f"a list of images must hold one kind, got {sorted(k.__name__ for k in kinds)}")
    batches: List[torch.Tensor] = []
    for item in items:
        if isinstance(item, Image.Image):
            batches.append(_pil_to_tensor(item, channels, (height, width)))
            continue
        tensor = _convert_channels(_array_to_tensor(item), channels)
        if tuple(tensor.shape[-2:]) != (height, width):
            tensor = F.interpolate(tensor, size=(height, width), mode="bilinear", align_corners=False, antialias=True)
            tensor = tensor.clamp(0, 1)
        batches.append(tensor)
    return torch.cat(batches).mul(2).sub(1).contiguous()  # [0, 1] -> [-1, 1]
