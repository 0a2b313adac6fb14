"""Which metrics an evaluation computes, which way each is better, and the numbers themselves from features.

:func:`compute_metrics` scores generated features and logits against the cached statistics of a real split
(FID, KID on 100 subsets, IS on 10 splits, precision/recall with k = 3); :func:`parse_metrics` validates the names
asked for and :func:`is_better` keeps the best checkpoint. The default feature spaces of the protocol live here too.
"""

from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from ..errors import HFGANError
from .features import REPORTING_FEATURES, SELECTION_FEATURES
from .frechet import fid_from_features
from .inception_score import inception_score
from .kernel import kernel_inception_distance
from .precision_recall import precision_recall
from .reference import ReferenceStats, subset_indices

#: names accepted in ``metrics=`` and what each adds to the result ("pr" adds two numbers).
METRIC_GROUPS: Dict[str, Tuple[str, ...]] = {
    "fid": ("fid",), "kid": ("kid", "kid_std"), "is": ("is", "is_std"), "pr": ("precision", "recall"),
    "precision": ("precision", "recall"), "recall": ("precision", "recall"), "accuracy": ("accuracy",),
}
DEFAULT_METRICS = ("fid", "kid", "is", "pr")
#: direction of every reported number, for keeping the best checkpoint.
HIGHER_IS_BETTER: Dict[str, bool] = {"fid": False, "kid": False, "is": True, "precision": True, "recall": True,
                                     "accuracy": True}
CLASSIFIER = SELECTION_FEATURES
#: what ``hfgan evaluate`` reports a Fashion-MNIST pipeline in: the selection network and the independent one.
REPORT_FEATURES = (SELECTION_FEATURES, REPORTING_FEATURES)


def parse_metrics(metrics: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """``"fid,kid,is,pr"`` or a list -> validated, de-duplicated names; unknown names raise :class:`HFGANError`."""
    names = [m.strip().lower() for m in (metrics.split(",") if isinstance(metrics, str) else metrics) if m and m.strip()]
    if not names:
        raise HFGANError(f"no metrics requested; choose from {', '.join(METRIC_GROUPS)}")
    unknown = [m for m in names if m not in METRIC_GROUPS]
    if unknown:
        raise HFGANError(f"unknown metric {unknown[0]!r}; choose from {', '.join(METRIC_GROUPS)}")
    return tuple(dict.fromkeys("pr" if m in ("precision", "recall") else m for m in names))


def is_better(metric: str, value: float, best: Optional[float]) -> bool:
    """Whether ``value`` of ``metric`` improves on ``best`` (``None``: nothing yet) — lower FID/KID, higher the rest."""
    if metric not in HIGHER_IS_BETTER:
        raise HFGANError(f"no direction known for metric {metric!r}; choose from {', '.join(HIGHER_IS_BETTER)}")
    if value is None or not np.isfinite(value):
        return False
    if best is None or not np.isfinite(best):
        return True
    return value > best if HIGHER_IS_BETTER[metric] else value < best


def compute_metrics(fake_features: torch.Tensor, fake_logits: torch.Tensor, reference: ReferenceStats,
                    metrics: Sequence[str] = DEFAULT_METRICS, seed: int = 0, k: int = 3) -> Dict[str, float]:
    """The requested metrics of generated ``features [N, D]`` / ``logits [N, K]`` against ``reference``."""
    metrics = parse_metrics(metrics)
    n = fake_features.shape[0]
    if n < 2:
        raise HFGANError(f"metrics need at least 2 samples, got {n}")
    results: Dict[str, float] = {}
    if "fid" in metrics:
        results["fid"] = fid_from_features(fake_features, reference.mu, reference.sigma, reference.num_images)
    if "kid" in metrics:
        results["kid"], results["kid_std"] = kernel_inception_distance(reference.features, fake_features, seed=seed)
    if "is" in metrics:
        results["is"], results["is_std"] = inception_score(fake_logits, splits=10 if n >= 20 else max(1, n // 2), seed=seed)
    if "pr" in metrics:
        m = min(n, len(reference.features))
        if m <= k:
            raise HFGANError(f"precision/recall with k={k} need more than {k} samples on each side, got {m}")
        real = torch.from_numpy(reference.features[subset_indices(len(reference.features), m, seed)])
        fake = fake_features[torch.from_numpy(subset_indices(n, m, seed + 1))]
        results["precision"], results["recall"] = precision_recall(real, fake, k=k)
    return results
