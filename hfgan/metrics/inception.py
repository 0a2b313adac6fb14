"""The FID Inception-v3 network, built here so that ``torchvision`` stays out of the install.

This is the TensorFlow "2015-12-05" Inception graph that FID was defined with (Heusel et al., 2017), in the layout
of pytorch-fid and torch-fidelity: the torchvision Inception-v3 modules with the FID patches (average pools that
ignore padding, a max pool in the last block, 1008 logits). Its parameter names match the state dicts those two
projects publish, so either weights file loads:

- ``pt_inception-2015-12-05-6726825d.pth`` (pytorch-fid), or
- ``weights-inception-2015-12-05-6726825d.pth`` (torch-fidelity, also what torchmetrics uses),

as a torch file read with ``torch.load(weights_only=True)`` (tensors only, nothing unpickled), or the same state
dict converted to ``.safetensors``, passed as ``--inception-weights PATH`` (or ``HFGAN_INCEPTION_WEIGHTS``). Without
either, the pytorch-fid file is downloaded on first use, checked by sha256 and cached under the Hugging Face cache,
unless ``HF_HUB_OFFLINE=1`` (:mod:`hfgan.metrics.inception_weights`).

Protocol (torch-fidelity's): images quantized to 8 bits, grayscale tiled to 3 channels, resized to 299x299 with
TensorFlow-1 bilinear interpolation (``align_corners=False`` without half-pixel centers, no antialiasing),
scaled by ``(x - 128) / 128``. Features are the 2048-d pool3 activations; the Inception Score uses the unbiased
logits ``pool3 @ fc.weight.T``.
"""

import hashlib
import os
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import HFGANError

INCEPTION_WEIGHTS_ENV = "HFGAN_INCEPTION_WEIGHTS"
INCEPTION_WEIGHTS_FILES = ("pt_inception-2015-12-05-6726825d.pth", "weights-inception-2015-12-05-6726825d.pth")
INPUT_SIZE = 299


def resize_bilinear_tf1(images: torch.Tensor, size: int) -> torch.Tensor:
    """TensorFlow-1 ``resize_bilinear`` (``align_corners=False``, no half-pixel centers): ``[N, C, H, W] -> [N, C, size, size]``.

    Output pixel ``i`` samples the input at ``i * in_size / size`` and interpolates linearly between the two
    nearest input pixels (clamped at the border).
    """

    def along(x: torch.Tensor, dim: int) -> torch.Tensor:
        in_size = x.shape[dim]
        src = torch.arange(size, device=x.device, dtype=torch.float64) * (in_size / size)
        lo = src.floor().long().clamp_(max=in_size - 1)
        hi = (lo + 1).clamp_(max=in_size - 1)
        shape = [1] * x.ndim
        shape[dim] = size
        weight = (src - lo).to(x.dtype).view(shape)
        x_lo, x_hi = x.index_select(dim, lo), x.index_select(dim, hi)
        return x_lo + (x_hi - x_lo) * weight

    return along(along(images, 2), 3)


class BasicConv2d(nn.Module):
    """Conv (no bias) -> BatchNorm (eps 1e-3) -> ReLU; ``.conv`` / ``.bn`` as in the published state dicts."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


def _avg_pool_same(x: torch.Tensor) -> torch.Tensor:
    """3x3 stride-1 average pool that, as TensorFlow's, does not count the zero padding."""
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


class InceptionA(nn.Module):
    """35x35 block: 1x1 | 1x1-5x5 | 1x1-3x3-3x3 | avgpool-1x1 -> ``224 + pool_features`` channels."""

    def __init__(self, in_channels: int, pool_features: int):
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 64, 1)
        self.branch5x5_1 = BasicConv2d(in_channels, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([
            self.branch1x1(x),
            self.branch5x5_2(self.branch5x5_1(x)),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            self.branch_pool(_avg_pool_same(x)),
        ], 1)


class InceptionB(nn.Module):
    """Grid reduction 35 -> 17: 3x3/2 | 1x1-3x3-3x3/2 | maxpool/2 -> ``480 + in_channels`` channels."""

    def __init__(self, in_channels: int):
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([
            self.branch3x3(x),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            F.max_pool2d(x, kernel_size=3, stride=2),
        ], 1)


class InceptionC(nn.Module):
    """17x17 block with factorized 7x7 convolutions -> 768 channels."""

    def __init__(self, in_channels: int, channels_7x7: int):
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(in_channels, 192, 1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(in_channels, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(in_channels, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dbl = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            dbl = layer(dbl)
        return torch.cat([
            self.branch1x1(x),
            self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x))),
            dbl,
            self.branch_pool(_avg_pool_same(x)),
        ], 1)


class InceptionD(nn.Module):
    """Grid reduction 17 -> 8: 1x1-3x3/2 | 1x1-1x7-7x1-3x3/2 | maxpool/2 -> ``512 + in_channels`` channels."""

    def __init__(self, in_channels: int):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(in_channels, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(in_channels, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return torch.cat([self.branch3x3_2(self.branch3x3_1(x)), b7, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionE(nn.Module):
    """8x8 block with split 1x3 / 3x1 branches -> 2048 channels. The FID graph pools with an average in the first
    such block (``Mixed_7b``) and with a max in the second (``Mixed_7c``)."""

    def __init__(self, in_channels: int, pool: str = "avg"):
        super().__init__()
        self.pool = pool
        self.branch1x1 = BasicConv2d(in_channels, 320, 1)
        self.branch3x3_1 = BasicConv2d(in_channels, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(in_channels, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b3 = self.branch3x3_1(x)
        dbl = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        pooled = _avg_pool_same(x) if self.pool == "avg" else F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        return torch.cat([
            self.branch1x1(x),
            self.branch3x3_2a(b3), self.branch3x3_2b(b3),
            self.branch3x3dbl_3a(dbl), self.branch3x3dbl_3b(dbl),
            self.branch_pool(pooled),
        ], 1)


class FIDInceptionV3(nn.Module):
    """Inception-v3 as used for FID: ``x [N, 3, 299, 299]`` (already scaled to [-1, 1]) -> ``pool3 [N, 2048]``,
    ``logits_unbiased [N, 1008]``. Randomly initialized: load the FID weights with :func:`load_inception_weights`."""

    def __init__(self):
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.Mixed_5b = InceptionA(192, pool_features=32)
        self.Mixed_5c = InceptionA(256, pool_features=64)
        self.Mixed_5d = InceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, channels_7x7=128)
        self.Mixed_6c = InceptionC(768, channels_7x7=160)
        self.Mixed_6d = InceptionC(768, channels_7x7=160)
        self.Mixed_6e = InceptionC(768, channels_7x7=192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280, pool="avg")
        self.Mixed_7c = InceptionE(2048, pool="max")
        self.fc = nn.Linear(2048, 1008)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))  # [N, 64, 147, 147]
        x = F.max_pool2d(x, kernel_size=3, stride=2)  # [N, 64, 73, 73]
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))  # [N, 192, 71, 71]
        x = F.max_pool2d(x, kernel_size=3, stride=2)  # [N, 192, 35, 35]
        for block in (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                      self.Mixed_6d, self.Mixed_6e, self.Mixed_7a, self.Mixed_7b, self.Mixed_7c):
            x = block(x)  # ... -> [N, 768, 17, 17] -> [N, 2048, 8, 8]
        pool3 = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)  # [N, 2048]
        logits_unbiased = pool3 @ self.fc.weight.T  # [N, 1008]
        return pool3, logits_unbiased


def resolve_inception_weights(weights: Optional[str]) -> str:
    """The weights path to use: the argument, else ``$HFGAN_INCEPTION_WEIGHTS`` (checked to exist), else the
    pytorch-fid release file, downloaded on first use and cached (:mod:`hfgan.metrics.inception_weights`)."""
    from .inception_weights import fetch_inception_weights

    weights = weights or os.environ.get(INCEPTION_WEIGHTS_ENV)
    if not weights:
        return fetch_inception_weights()
    weights = os.path.expanduser(os.fspath(weights))
    if not os.path.isfile(weights):
        raise HFGANError(f"Inception weights file not found: {weights}; pass --inception-weights PATH to "
                         f"{INCEPTION_WEIGHTS_FILES[0]} (pytorch-fid release) or {INCEPTION_WEIGHTS_FILES[1]} "
                         f"(torch-fidelity release), or leave it and {INCEPTION_WEIGHTS_ENV} unset to download it")
    return weights


def read_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """A state dict from ``.safetensors`` or from a torch file read with ``weights_only=True`` (never unpickled)."""
    try:
        if path.endswith(".safetensors"):
            from safetensors.torch import load_file

            state = load_file(path)
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - any unreadable file is one clear line
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise HFGANError(f"could not read Inception weights from {path}: {type(err).__name__}: {reason}") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise HFGANError(f"{path} does not hold a state dict of tensors")
    return {k.removeprefix("module."): v for k, v in state.items()}


def load_inception_weights(model: FIDInceptionV3, path: str) -> None:
    """Load a pytorch-fid / torch-fidelity state dict into ``model``; a wrong file raises :class:`HFGANError`."""
    state = {k: v for k, v in read_state_dict(path).items()
             if not k.endswith("num_batches_tracked") and not k.startswith("AuxLogits.")}
    expected = {k: v.shape for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state) if tuple(state[k].shape) != tuple(expected[k]))
    if missing or unexpected or wrong:
        details = []
        if missing:
            details.append(f"{len(missing)} missing (e.g. {missing[0]})")
        if unexpected:
            details.append(f"{len(unexpected)} unexpected (e.g. {unexpected[0]})")
        if wrong:
            details.append(f"{len(wrong)} of the wrong shape (e.g. {wrong[0]}: {list(state[wrong[0]].shape)} "
                           f"instead of {list(expected[wrong[0]])})")
        raise HFGANError(f"{path} is not the FID Inception (2015-12-05) state dict: {'; '.join(details)} keys")
    model.load_state_dict(state, strict=False)


def file_hash(path: str, length: int = 12) -> str:
    """First ``length`` hex digits of the file's sha256."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:length]
