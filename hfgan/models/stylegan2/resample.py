"""FIR resampling as in NVlabs' stylegan2-ada-pytorch (``torch_utils/ops/upfirdn2d.py`` and ``conv2d_resample.py``):
the separable low-pass filter, upsample-filter-downsample, and convolutions with 2x up/down-sampling, which run
dense convolutions on the CPU in channels-last memory order.
"""

from typing import Optional, Sequence

import torch
import torch.nn.functional as F

RESAMPLE_FILTER = (1, 3, 3, 1)
# Dense convolutions on the CPU run on channels-last activations, oneDNN's native layout (at the stylegan2-28
# preset's sizes a 3x3 convolution's forward took half the time, forward + backward two thirds); elementwise
# ops keep the layout, so a network converts once. Results differ from the default layout by rounding only.
CPU_CHANNELS_LAST = True


def make_filter(taps: Sequence[float]) -> torch.Tensor:
    """A separable low-pass filter ``[k, k]``: the outer product of ``taps`` with itself, normalized to sum 1."""
    f = torch.as_tensor(taps, dtype=torch.float32)
    f = torch.outer(f, f)
    return f / f.sum()


def upfirdn2d(x: torch.Tensor, f: torch.Tensor, up: int = 1, down: int = 1, padding: Sequence[int] = (0, 0, 0, 0),
              gain: float = 1.0) -> torch.Tensor:
    """Upsample (insert zeros), pad (negative = crop), convolve with the FIR filter ``f [k, k]`` times ``gain``, and
    downsample (keep every ``down``-th pixel). ``padding`` is ``(left, right, top, bottom)``."""
    n, c, h, w = x.shape
    if up > 1:  # [N, C, H, W] -> [N, C, H * up, W * up], the samples at the top-left of each up x up cell
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    left, right, top, bottom = padding
    x = F.pad(x, [max(left, 0), max(right, 0), max(top, 0), max(bottom, 0)])
    x = x[:, :, max(-top, 0): x.shape[2] - max(-bottom, 0), max(-left, 0): x.shape[3] - max(-right, 0)]
    kernel = (f * gain).to(x.dtype).flip([0, 1])  # a convolution, not a correlation
    kernel = kernel[None, None].repeat(c, 1, 1, 1)  # depthwise [C, 1, k, k]
    x = F.conv2d(x, kernel, groups=c)
    if down > 1:
        x = x[:, :, ::down, ::down]
    return x


def upsample2d(x: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """2x FIR upsampling, ``[N, C, H, W] -> [N, C, 2H, 2W]``."""
    k = f.shape[-1]
    pad = [(k + 1) // 2, (k - 2) // 2]
    return upfirdn2d(x, f, up=2, padding=(pad[0], pad[1], pad[0], pad[1]), gain=4.0)


def _conv_layout(x: torch.Tensor) -> torch.Tensor:
    """``x`` in channels-last memory order for a dense convolution on the CPU (see ``CPU_CHANNELS_LAST``); a no-op
    when it is already, on other devices, and for a single channel."""
    if CPU_CHANNELS_LAST and x.device.type == "cpu" and x.ndim == 4 and x.shape[1] > 1:
        return x.contiguous(memory_format=torch.channels_last)
    return x


def conv2d_resample(x: torch.Tensor, weight: torch.Tensor, f: Optional[torch.Tensor], up: int = 1, down: int = 1,
                    padding: int = 0, groups: int = 1) -> torch.Tensor:
    """``conv2d(x, weight)`` (a correlation, as ``F.conv2d``) with 2x FIR upsampling before or downsampling after it.

    Upsampling runs as a stride-2 transposed convolution followed by the FIR filter; downsampling as the FIR filter
    followed by a stride-2 convolution (a 1x1 kernel: filter and subsample first). ``padding`` is relative to the
    upsampled image; ``weight`` is ``[out, in / groups, k, k]``."""
    out_channels, in_per_group, kh, kw = weight.shape
    fk = f.shape[-1] if f is not None else 1
    layout = _conv_layout if groups == 1 else (lambda t: t)  # inputs and outputs of dense convolutions
    x = layout(x)
    if up == 1 and down == 1:
        return layout(F.conv2d(x, weight, padding=padding, groups=groups))
    if down > 1:  # pad for the filter, then subsample: [N, I, H, W] -> [N, O, H/2, W/2]
        p0, p1 = padding + (fk - down + 1) // 2, padding + (fk - down) // 2
        if kh == 1 and kw == 1:
            x = upfirdn2d(x, f, down=down, padding=(p0, p1, p0, p1))
            return layout(F.conv2d(layout(x), weight, groups=groups))
        x = upfirdn2d(x, f, padding=(p0, p1, p0, p1))
        return layout(F.conv2d(x, weight, stride=down, groups=groups))
    # up > 1: transposed convolution takes [in, out / groups, k, k] weights, per group
    p0 = padding + (fk + up - 1) // 2 - (kw - 1)
    p1 = padding + (fk - up) // 2 - (kw - up)
    if groups == 1:
        weight = weight.transpose(0, 1)
    else:
        weight = weight.reshape(groups, out_channels // groups, in_per_group, kh, kw).transpose(1, 2)
        weight = weight.reshape(groups * in_per_group, out_channels // groups, kh, kw)
    crop = max(min(-p0, -p1), 0)
    x = F.conv_transpose2d(x, weight, stride=up, padding=crop, groups=groups)  # [N, O, ~2H, ~2W]
    p0, p1 = p0 + crop, p1 + crop
    return upfirdn2d(x, f, padding=(p0, p1, p0, p1), gain=up**2)
