"""Layers and helpers that several families share (a family's own building blocks stay in its folder).

* spectral normalization: :class:`SpectralNorm` / :func:`apply_spectral_norm` (BigGAN, SNGAN: images that match
  the reference checkpoints to the last bit) and :func:`spectral_norm_wrapper` (torch's, behind a config flag:
  DCGAN, MLP GAN, PatchGAN);
* initialization: :func:`gan_init_` (DCGAN, Pix2Pix, CycleGAN);
* normalization layers by name: :func:`norm_layer` (DCGAN, Pix2Pix, CycleGAN);
* the projection discriminator's class term: :func:`add_projection` (DCGAN, MLP GAN, SNGAN, BigGAN);
* padding fully convolutional translators' inputs and cropping their outputs: :func:`pad_to_multiple`, :func:`crop`
  (Pix2Pix, CycleGAN).
"""

from typing import Callable, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn


# -- spectral normalization ----------------------------------------------------------------------------------------
class SpectralNorm(nn.Module):
    """Parametrization ``weight / sigma`` with ``sigma = u . (W v)``, ``W`` the weight as ``[out, -1]``: one power
    iteration on ``u``, ``v`` per training forward, none in eval mode (the stored ``_u`` and ``_v`` fix sigma).

    The arithmetic of ``torch.nn.utils.parametrizations.spectral_norm``, with one difference: the weight is copied
    to freshly allocated memory before the matrix-vector product, since BLAS results depend on the alignment of
    the data and weights loaded from a file would otherwise give images that differ in the last bit. In eval mode
    under ``torch.no_grad()`` the normalized weight is computed once and reused while the weight and ``u``, ``v``
    stay the same tensors, unchanged (generation then costs what a plain layer costs; it holds one more copy of
    the weights).
    """

    def __init__(self, weight: torch.Tensor, eps: float = 1e-12, n_power_iterations: int = 1):
        super().__init__()
        self.eps = eps
        self.n_power_iterations = n_power_iterations
        self._cached = None  # (what it was computed from, the normalized weight): eval mode, no autograd
        matrix = weight.detach().flatten(1)
        self.register_buffer("_u", F.normalize(matrix.new_empty(matrix.shape[0]).normal_(0, 1), dim=0, eps=eps))
        self.register_buffer("_v", F.normalize(matrix.new_empty(matrix.shape[1]).normal_(0, 1), dim=0, eps=eps))
        if not matrix.is_meta:  # a network built on the meta device (to measure it) has no values to iterate on
            self._power_iteration(matrix, 15)

    @torch.no_grad()
    def _power_iteration(self, matrix: torch.Tensor, iterations: int) -> None:
        for _ in range(iterations):
            self._u = F.normalize(torch.mv(matrix, self._v), dim=0, eps=self.eps, out=self._u)
            self._v = F.normalize(torch.mv(matrix.t(), self._u), dim=0, eps=self.eps, out=self._v)

    def train(self, mode: bool = True):
        self._cached = None
        return super().train(mode)

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        # In eval mode without autograd the result depends on the weight and the stored u, v alone: it is kept and
        # reused until one of them changes (another tensor, other memory, or an in-place update of its version).
        reusable = not self.training and not torch.is_grad_enabled()
        if reusable:
            key = (weight, weight.data_ptr(), weight._version, self._u, self._u._version, self._v, self._v._version)
            cached = getattr(self, "_cached", None)
            if cached is not None and len(cached[0]) == len(key) and all(
                    a is b if isinstance(a, torch.Tensor) else a == b for a, b in zip(cached[0], key)):
                return cached[1]
        matrix = weight.flatten(1).clone(memory_format=torch.contiguous_format)  # [out, in * k * k], aligned
        if self.training:
            self._power_iteration(matrix.detach(), self.n_power_iterations)
        u = self._u.clone(memory_format=torch.contiguous_format)
        v = self._v.clone(memory_format=torch.contiguous_format)
        sigma = torch.vdot(u, torch.mv(matrix, v))
        normalized = weight / sigma
        self._cached = (key, normalized) if reusable else None
        return normalized


def apply_spectral_norm(module: nn.Module, eps: float) -> nn.Module:
    """``module`` with :class:`SpectralNorm` on its ``weight`` (state dict keys ``parametrizations.weight.original``,
    ``parametrizations.weight.0._u`` and ``._v``)."""
    nn.utils.parametrize.register_parametrization(module, "weight", SpectralNorm(module.weight, eps))
    return module


def spectral_norm_wrapper(enabled: bool) -> Callable[[nn.Module], nn.Module]:
    """``torch.nn.utils.parametrizations.spectral_norm`` when ``enabled`` (a config's ``spectral_norm`` flag), else
    the identity: what a family wraps each of its weighted layers in."""
    return nn.utils.parametrizations.spectral_norm if enabled else (lambda module: module)


# -- initialization and normalization ------------------------------------------------------------------------------
def gan_init_(module: nn.Module) -> None:
    """The DCGAN paper's initialization (also Pix2Pix's and CycleGAN's): N(0, 0.02) weights, N(1, 0.02) norm scales,
    zero biases."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            weight = m.parametrizations.weight.original if hasattr(m, "parametrizations") else m.weight
            nn.init.normal_(weight, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d, nn.GroupNorm)) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def norm_layer(norm_type: str, channels: int) -> nn.Module:
    """``"batch"`` -> BatchNorm, ``"instance"`` -> InstanceNorm with a learned scale and shift, ``"layer"`` -> one
    group norm over all channels, ``"none"`` -> identity (a family's config says which of them it accepts)."""
    if norm_type == "batch":
        return nn.BatchNorm2d(channels)
    if norm_type == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    if norm_type == "layer":
        return nn.GroupNorm(1, channels)
    return nn.Identity()


# -- discriminator heads -------------------------------------------------------------------------------------------
def add_projection(logits: torch.Tensor, features: torch.Tensor, class_embedding: Optional[nn.Module],
                   class_labels: Optional[torch.Tensor]) -> torch.Tensor:
    """``logits [N]`` plus the projection term ``<class_embedding(class_labels), features [N, F]>`` of a conditional
    discriminator (Miyato & Koyama, 2018); ``logits`` as they are when ``class_embedding`` is None."""
    if class_embedding is None:
        return logits
    return logits + (class_embedding(class_labels) * features).sum(dim=1)


# -- fully convolutional translators: any input size -------------------------------------------------------------
def pad_to_multiple(images: torch.Tensor, multiple: int) -> Tuple[torch.Tensor, Tuple[int, int, int, int]]:
    """Pad ``[N, C, H, W]`` symmetrically so H and W are multiples of ``multiple``.

    Reflection padding where it fits (each pad smaller than the side), zeros otherwise. Returns the padded
    images and the crop box ``(top, left, H, W)`` that :func:`crop` takes to undo it.
    """
    height, width = images.shape[-2:]
    pad_h, pad_w = -height % multiple, -width % multiple
    top, left = pad_h // 2, pad_w // 2
    if pad_h or pad_w:
        pads = (left, pad_w - left, top, pad_h - top)
        mode = "reflect" if max(pads[:2]) < width and max(pads[2:]) < height else "constant"
        images = F.pad(images, pads, mode=mode)
    return images, (top, left, height, width)


def crop(images: torch.Tensor, box: Tuple[int, int, int, int]) -> torch.Tensor:
    """``images [..., H, W]`` cut to ``box = (top, left, height, width)`` (what :func:`pad_to_multiple` returns)."""
    top, left, height, width = box
    return images[..., top : top + height, left : left + width]
