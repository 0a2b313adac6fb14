"""Inception Score (Salimans et al., 2016) through torchmetrics, over the logits of any extractor.

``IS = exp(E_x KL(p(y|x) || p(y)))``, computed on each of ``splits`` random splits; mean and std over splits.
With the Fashion-MNIST classifier it ranges from 1 (one class, or uniform predictions) to 10 (confident and
balanced over the 10 classes).
"""

import warnings
from typing import Tuple, Union

import numpy as np
import torch

from ..errors import HFGANError
from ._torchmetrics import Precomputed, require_torchmetrics, seeded


def inception_score(logits: Union[np.ndarray, torch.Tensor], splits: int = 10, seed: int = 0) -> Tuple[float, float]:
    """IS ``(mean, std)`` of ``logits [N, K]`` (unnormalized; softmax inside), splits shuffled with ``seed``."""
    logits = torch.as_tensor(logits).double()
    if logits.ndim != 2 or logits.shape[0] < splits or splits < 1:
        raise HFGANError(f"the Inception Score needs logits [N >= {splits}, K] for {splits} splits, got {list(logits.shape)}")
    with warnings.catch_warnings():  # "will save all extracted features": they are N x K logits here
        warnings.simplefilter("ignore", UserWarning)
        metric = require_torchmetrics().inception(feature=Precomputed(logits.shape[1]), splits=splits)
    metric.update(logits)
    with seeded(seed), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the std of a single split (nan)
        mean, std = metric.compute()
    return float(mean), float(std)
