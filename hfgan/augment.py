"""Differentiable augmentation of the discriminator's inputs, for every family: DiffAugment and ADA.

Both are applied alike to real and generated images before the discriminator (and to the reals of the R1
penalty), so the generator learns the data distribution rather than the augmented one, and gradients flow
through every transform to the generator.

* **DiffAugment** (Zhao et al. 2020): ``color`` (brightness, saturation, contrast), ``translation`` (integer
  shifts up to 1/8 of the size, zero padding) and ``cutout`` (a zeroed square of half the size). Each transform of
  the policy is applied to an image with probability ``p`` (1 in the paper).
* **ADA** (Karras et al. 2020): the ``bgc`` pipeline of stylegan2-ada: x-flip, rotation by multiples of 90
  degrees, integer translation, isotropic scaling, rotation, anisotropic scaling, fractional translation (one
  affine ``grid_sample`` with reflection padding), then brightness, contrast, luma flip, hue rotation and
  saturation (one color matrix). Each transform is applied with probability ``p``; the rotation twice with
  ``1 - sqrt(1 - p)``, as the reference does. The reference's 2x-upsampled, filtered resampling is replaced by
  plain bilinear sampling. For grayscale images luma flip, hue and saturation are skipped: in the reference's
  reduction of the color matrix to one channel hue and saturation are the identity and luma flip becomes a
  negation of the image, which is left out here.
  :class:`Augmenter` adjusts ``p`` during training from the sign of the discriminator's output on reals.

The randomness comes from a ``torch.Generator`` passed in: ``sample_*`` draws per-image parameters (rows that a
caller can slice per process and micro-batch, independent of the image size) and ``apply_*`` applies them. At
``p = 0`` nothing is drawn and the images come back unchanged (the same tensor).
"""

import math
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F

from .errors import ConfigError

AUGMENTS = ("none", "diffaugment", "ada")
DIFFAUGMENT_OPS = ("color", "translation", "cutout")
ADA_OPS = ("xflip", "rotate90", "xint", "scale", "rotate", "aniso", "xfrac",
           "brightness", "contrast", "lumaflip", "hue", "saturation")

Params = Dict[str, torch.Tensor]


def parse_policy(policy: str) -> Sequence[str]:
    """``"color,translation,cutout"`` -> its ops, checked."""
    ops = [op.strip() for op in policy.split(",") if op.strip()]
    unknown = [op for op in ops if op not in DIFFAUGMENT_OPS]
    if unknown or not ops:
        raise ConfigError(f"augment_policy must be a comma-separated subset of {','.join(DIFFAUGMENT_OPS)}, got {policy!r}")
    return ops


# -- DiffAugment -------------------------------------------------------------------------------------

def sample_diffaugment(generator: torch.Generator, n: int, p: float = 1.0, policy: str = "color,translation,cutout") -> Params:
    """Per-image parameters of DiffAugment for ``n`` images (CPU tensors, rows sliceable); ``{}`` when ``p == 0``."""
    ops = parse_policy(policy)
    if p <= 0:
        return {}

    def chance() -> torch.Tensor:
        return (torch.rand(n, generator=generator) < p).float()  # [n]

    params: Params = {}
    if "color" in ops:
        params["brightness"] = (torch.rand(n, generator=generator) - 0.5) * chance()  # added, in [-0.5, 0.5)
        params["saturation"] = 1 + (torch.rand(n, generator=generator) * 2 - 1) * chance()  # factor in [0, 2)
        params["contrast"] = 1 + (torch.rand(n, generator=generator) - 0.5) * chance()  # factor in [0.5, 1.5)
    if "translation" in ops:
        params["translation"] = torch.rand(n, 2, generator=generator)  # uniform; an integer shift at apply time
        params["translation_on"] = chance()
    if "cutout" in ops:
        params["cutout"] = torch.rand(n, 2, generator=generator)  # uniform; the square's center at apply time
        params["cutout_on"] = chance()
    return params


def apply_diffaugment(images: torch.Tensor, params: Params, translation_ratio: float = 0.125,
                      cutout_ratio: float = 0.5) -> torch.Tensor:
    """DiffAugment ``images [N, C, H, W]`` (in [-1, 1]) with ``params`` from :func:`sample_diffaugment`."""
    if not params:
        return images
    n, channels, height, width = images.shape
    x = images
    get = {k: v.to(images.device, torch.float32) for k, v in params.items()}
    if "brightness" in get:
        x = x + get["brightness"].view(n, 1, 1, 1).to(x.dtype)
        if channels > 1:  # a grayscale image is its own channel mean: saturation is the identity there
            mean = x.mean(dim=1, keepdim=True)
            x = (x - mean) * get["saturation"].view(n, 1, 1, 1).to(x.dtype) + mean
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        x = (x - mean) * get["contrast"].view(n, 1, 1, 1).to(x.dtype) + mean
    if "translation" in get:
        shift_y, shift_x = int(height * translation_ratio + 0.5), int(width * translation_ratio + 0.5)
        u = get["translation"]
        dy = (torch.floor(u[:, 0] * (2 * shift_y + 1)) - shift_y) * get["translation_on"]  # [N] in [-shift, shift]
        dx = (torch.floor(u[:, 1] * (2 * shift_x + 1)) - shift_x) * get["translation_on"]
        rows = torch.arange(height, device=x.device).view(1, height) - dy.long().view(n, 1)  # [N, H] source rows
        cols = torch.arange(width, device=x.device).view(1, width) - dx.long().view(n, 1)  # [N, W] source cols
        inside = ((rows >= 0) & (rows < height)).view(n, 1, height, 1) & ((cols >= 0) & (cols < width)).view(n, 1, 1, width)
        rows, cols = rows.clamp(0, height - 1), cols.clamp(0, width - 1)
        x = x.gather(2, rows.view(n, 1, height, 1).expand(n, channels, height, width))
        x = x.gather(3, cols.view(n, 1, 1, width).expand(n, channels, height, width))
        x = x * inside.to(x.dtype)  # zero padding (mid-gray for images in [-1, 1])
    if "cutout" in get:
        size_y, size_x = int(height * cutout_ratio + 0.5), int(width * cutout_ratio + 0.5)
        u = get["cutout"]
        cy = torch.floor(u[:, 0] * (height + 1 - size_y % 2)).long()  # [N] the square's center row
        cx = torch.floor(u[:, 1] * (width + 1 - size_x % 2)).long()
        ys = torch.arange(height, device=x.device).view(1, height) - (cy - size_y // 2).view(n, 1)  # [N, H]
        xs = torch.arange(width, device=x.device).view(1, width) - (cx - size_x // 2).view(n, 1)  # [N, W]
        hole = ((ys >= 0) & (ys < size_y)).view(n, 1, height, 1) & ((xs >= 0) & (xs < size_x)).view(n, 1, 1, width)
        hole = hole & (get["cutout_on"] > 0).view(n, 1, 1, 1)
        x = x * (~hole).to(x.dtype)
    return x


# -- ADA ---------------------------------------------------------------------------------------------

# the reference's spreads (stylegan2-ada-pytorch AugmentPipe defaults)
XINT_MAX, SCALE_STD, ROTATE_MAX, ANISO_STD, XFRAC_STD = 0.125, 0.2, 1.0, 0.2, 0.125
BRIGHTNESS_STD, CONTRAST_STD, HUE_MAX, SATURATION_STD = 0.2, 0.5, 1.0, 1.0


def sample_ada(generator: torch.Generator, n: int, p: float, ops: Sequence[str] = ADA_OPS) -> Params:
    """Per-image parameters of the ADA pipeline for ``n`` images, each already at its identity value where the
    transform is not applied (CPU tensors, rows sliceable); ``{}`` when ``p == 0``. ``ops``: the transforms used
    (every one of :data:`ADA_OPS` by default, the reference's ``bgc``)."""
    unknown = set(ops) - set(ADA_OPS)
    if unknown:
        raise ConfigError(f"unknown ADA transforms {sorted(unknown)}; choose from {', '.join(ADA_OPS)}")
    if p <= 0:
        return {}
    p_rot = 1 - math.sqrt(max(1 - p, 0.0))  # two rotations: together applied with probability p

    def masked(values: torch.Tensor, identity: float, prob: float = p) -> torch.Tensor:
        on = torch.rand(values.shape[0], generator=generator) < prob  # [n]
        on = on.view(-1, *([1] * (values.dim() - 1)))
        return torch.where(on, values, torch.full_like(values, identity))

    def uniform(*shape) -> torch.Tensor:
        return torch.rand(n, *shape, generator=generator)

    def normal(*shape) -> torch.Tensor:
        return torch.randn(n, *shape, generator=generator)

    # every variate is drawn, in this order, whichever ops are on: a subset sees the same randomness
    draws = {
        "xflip": lambda: masked(torch.floor(uniform() * 2), 0),
        "rotate90": lambda: masked(torch.floor(uniform() * 4), 0),
        "xint": lambda: masked(uniform(2) * 2 - 1, 0),
        "scale": lambda: masked(torch.exp2(normal() * SCALE_STD), 1),
        "rotate": lambda: masked((uniform() * 2 - 1) * math.pi * ROTATE_MAX, 0, p_rot),
        "aniso": lambda: masked(torch.exp2(normal() * ANISO_STD), 1),
        "rotate_post": lambda: masked((uniform() * 2 - 1) * math.pi * ROTATE_MAX, 0, p_rot),
        "xfrac": lambda: masked(normal(2) * XFRAC_STD, 0),
        "brightness": lambda: masked(normal() * BRIGHTNESS_STD, 0),
        "contrast": lambda: masked(torch.exp2(normal() * CONTRAST_STD), 1),
        "lumaflip": lambda: masked(torch.floor(uniform() * 2), 0),
        "hue": lambda: masked((uniform() * 2 - 1) * math.pi * HUE_MAX, 0),
        "saturation": lambda: masked(torch.exp2(normal() * SATURATION_STD), 1),
    }
    params = {}
    for name, draw in draws.items():
        value = draw()
        if (name if name != "rotate_post" else "rotate") in ops:
            params[name] = value
    return params


def _eye(n: int, size: int, device) -> torch.Tensor:
    return torch.eye(size, device=device).expand(n, size, size).clone()


def _affine2d(a, b, c, d, tx, ty) -> torch.Tensor:
    """``[N, 3, 3]`` matrices ``[[a, b, tx], [c, d, ty], [0, 0, 1]]`` from ``[N]`` tensors."""
    zero, one = torch.zeros_like(a), torch.ones_like(a)
    return torch.stack([a, b, tx, c, d, ty, zero, zero, one], dim=1).view(-1, 3, 3)


def _rotate2d(theta: torch.Tensor) -> torch.Tensor:
    zero = torch.zeros_like(theta)
    return _affine2d(torch.cos(theta), -torch.sin(theta), torch.sin(theta), torch.cos(theta), zero, zero)


def _scale2d(sx: torch.Tensor, sy: torch.Tensor) -> torch.Tensor:
    zero = torch.zeros_like(sx)
    return _affine2d(sx, zero, zero, sy, zero, zero)


def _translate2d(tx: torch.Tensor, ty: torch.Tensor) -> torch.Tensor:
    one, zero = torch.ones_like(tx), torch.zeros_like(tx)
    return _affine2d(one, zero, zero, one, tx, ty)


def ada_geometry(params: Params, height: int, width: int, device=None) -> Optional[torch.Tensor]:
    """The ``[N, 3, 3]`` affine map from output to input pixel coordinates (origin at the image center) of the
    geometric transforms in ``params``, or None when there are none."""
    names = [k for k in ("xflip", "rotate90", "xint", "scale", "rotate", "aniso", "rotate_post", "xfrac") if k in params]
    if not names:
        return None
    get = {k: params[k].to(device, torch.float32) for k in names}
    n = next(iter(get.values())).shape[0]
    g = _eye(n, 3, device)
    one = torch.ones(n, device=device)
    if "xflip" in get:
        g = g @ _scale2d(1 - 2 * get["xflip"], one)
    if "rotate90" in get:
        g = g @ _rotate2d(-math.pi / 2 * get["rotate90"])
    if "xint" in get:
        t = get["xint"]
        g = g @ _translate2d(torch.round(t[:, 0] * XINT_MAX * width), torch.round(t[:, 1] * XINT_MAX * height))
    if "scale" in get:
        g = g @ _scale2d(get["scale"], get["scale"])
    if "rotate" in get:
        g = g @ _rotate2d(-get["rotate"])
    if "aniso" in get:
        g = g @ _scale2d(get["aniso"], 1 / get["aniso"])
    if "rotate_post" in get:
        g = g @ _rotate2d(-get["rotate_post"])
    if "xfrac" in get:
        g = g @ _translate2d(get["xfrac"][:, 0] * width, get["xfrac"][:, 1] * height)
    return g


def ada_color(params: Params, device=None) -> Optional[torch.Tensor]:
    """The ``[N, 4, 4]`` color matrix (acting on ``[r, g, b, 1]``) of the color transforms in ``params``, or None."""
    names = [k for k in ("brightness", "contrast", "lumaflip", "hue", "saturation") if k in params]
    if not names:
        return None
    get = {k: params[k].to(device, torch.float32) for k in names}
    n = next(iter(get.values())).shape[0]
    c = _eye(n, 4, device)
    luma = torch.tensor([1.0, 1.0, 1.0, 0.0], device=device) / math.sqrt(3)  # the luma axis
    outer = torch.outer(luma, luma)  # [4, 4]
    if "brightness" in get:
        shift = _eye(n, 4, device)
        shift[:, :3, 3] = get["brightness"].view(n, 1)
        c = shift @ c
    if "contrast" in get:
        scale = _eye(n, 4, device)
        scale[:, :3, :3] *= get["contrast"].view(n, 1, 1)
        c = scale @ c
    if "lumaflip" in get:
        c = (torch.eye(4, device=device) - 2 * outer * get["lumaflip"].view(n, 1, 1)) @ c
    if "hue" in get:
        c = _rotate_about(luma[:3], get["hue"]) @ c
    if "saturation" in get:
        s = get["saturation"].view(n, 1, 1)
        c = (outer + (torch.eye(4, device=device) - outer) * s) @ c
    return c


def _rotate_about(axis: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """``[N, 4, 4]`` rotations by ``theta [N]`` about the unit ``axis [3]`` (Rodrigues)."""
    n = theta.shape[0]
    x, y, z = axis.tolist()
    k = torch.tensor([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]], device=theta.device)
    sin, cos = torch.sin(theta).view(n, 1, 1), torch.cos(theta).view(n, 1, 1)
    r = torch.eye(3, device=theta.device) + sin * k + (1 - cos) * (k @ k)  # [N, 3, 3]
    out = _eye(n, 4, theta.device)
    out[:, :3, :3] = r
    return out


GRAYSCALE_SKIPPED = ("lumaflip", "hue", "saturation")


def apply_ada(images: torch.Tensor, params: Params) -> torch.Tensor:
    """ADA-augment ``images [N, C, H, W]`` (in [-1, 1]) with ``params`` from :func:`sample_ada`.

    Geometry: one bilinear ``grid_sample`` with reflection padding. Color: the ``[4, 4]`` matrix on RGB images;
    on 1-channel images only brightness and contrast (luma flip, hue and saturation are skipped, see the module).
    Other channel counts get the geometric transforms only.
    """
    if not params:
        return images
    n, channels, height, width = images.shape
    x = images
    g = ada_geometry(params, height, width, images.device)
    if g is not None:
        to_unit = torch.diag(torch.tensor([2.0 / width, 2.0 / height, 1.0], device=images.device))  # pixels -> [-1, 1]
        theta = (to_unit @ g @ torch.linalg.inv(to_unit))[:, :2, :]  # [N, 2, 3]
        grid = F.affine_grid(theta, [n, channels, height, width], align_corners=False)  # [N, H, W, 2]
        x = F.grid_sample(x.float(), grid, mode="bilinear", padding_mode="reflection", align_corners=False).to(x.dtype)
    if channels == 1:
        params = {k: v for k, v in params.items() if k not in GRAYSCALE_SKIPPED}
    if channels in (1, 3):
        c = ada_color(params, images.device)
        if c is not None:
            flat = x.float().reshape(n, channels, height * width)  # [N, C, HW]
            if channels == 3:
                flat = c[:, :3, :3] @ flat + c[:, :3, 3:]
            else:  # brightness and contrast act alike on every channel
                flat = flat * c[:, :1, :1] + c[:, :1, 3:]
            x = flat.reshape(n, channels, height, width).to(x.dtype)
    return x


# -- training-side state -----------------------------------------------------------------------------

class Augmenter:
    """The augmentation a training run applies to the discriminator's inputs, with ADA's adaptive ``p``.

    ``kind``: ``none`` | ``diffaugment`` | ``ada``. ``p``: the initial (with ``target`` None or DiffAugment: fixed)
    probability. ADA with a ``target``: the discriminator's real outputs' signs are accumulated (:meth:`observe`,
    over every process) and every ``interval`` steps ``p`` moves by ``sign(mean_sign - target) * images / (kimg *
    1000)`` (``images`` seen in the interval), clamped to [0, 1]: ``p`` can go from 0 to 1 in ``kimg`` thousand
    images, as in the reference (``ada_kimg`` 500, interval 4 steps). ``p`` and the running sums are checkpointed
    (:meth:`state_dict`), so a resumed run continues exactly.
    """

    def __init__(self, kind: str = "none", p: Optional[float] = None, policy: str = "color,translation,cutout",
                 target: Optional[float] = 0.6, kimg: float = 500.0, interval: int = 4):
        if kind not in AUGMENTS:
            raise ConfigError(f"augment must be one of {', '.join(AUGMENTS)}, got {kind!r}")
        self.kind = kind
        self.policy = policy
        if kind == "diffaugment":
            parse_policy(policy)
        self.p = float(p if p is not None else (1.0 if kind == "diffaugment" else 0.0))
        self.adaptive = kind == "ada" and target is not None
        self.target, self.kimg, self.interval = target, kimg, interval
        self.sign_sum, self.count = 0.0, 0.0  # since the last adjustment, every process's reals

    @classmethod
    def from_config(cls, config) -> "Augmenter":
        return cls(config.augment, config.augment_p, config.augment_policy, config.ada_target, config.ada_kimg,
                   config.ada_interval)

    @property
    def enabled(self) -> bool:
        return self.kind != "none"

    def sample(self, generator: torch.Generator, n: int) -> Params:
        """Parameters for ``n`` images at the current ``p``."""
        if self.kind == "diffaugment":
            return sample_diffaugment(generator, n, self.p, self.policy)
        if self.kind == "ada":
            return sample_ada(generator, n, self.p)
        return {}

    def __call__(self, images: torch.Tensor, params: Params) -> torch.Tensor:
        if self.kind == "diffaugment":
            return apply_diffaugment(images, params)
        if self.kind == "ada":
            return apply_ada(images, params)
        return images

    def observe(self, sign_sum: float, count: float) -> None:
        """Add the sum of ``sign(D(real))`` over ``count`` real images (already summed over every process)."""
        if self.adaptive:
            self.sign_sum += float(sign_sum)
            self.count += float(count)

    def on_step(self, step: int) -> None:
        """Before ``step``: adjust ``p`` after every ``interval`` steps from the signs seen since the last time."""
        if not self.adaptive or step == 0 or step % self.interval or self.count == 0:
            return
        mean_sign = self.sign_sum / self.count
        direction = (mean_sign > self.target) - (mean_sign < self.target)
        self.p = min(max(self.p + direction * self.count / (self.kimg * 1000), 0.0), 1.0)
        self.sign_sum, self.count = 0.0, 0.0

    def state_dict(self) -> Dict[str, torch.Tensor]:
        if not self.enabled:
            return {}
        return {"augment_p": torch.tensor(self.p, dtype=torch.float64),
                "ada_sign_sum": torch.tensor(self.sign_sum, dtype=torch.float64),
                "ada_count": torch.tensor(self.count, dtype=torch.float64)}

    def load_state_dict(self, state: Dict[str, torch.Tensor]) -> None:
        if "augment_p" in state:
            self.p = float(state["augment_p"])
            self.sign_sum, self.count = float(state["ada_sign_sum"]), float(state["ada_count"])
