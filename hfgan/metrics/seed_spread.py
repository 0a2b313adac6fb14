"""FID of pipelines over several sample seeds: is a gap between two pipelines larger than the noise of one sample?

One 10k sample is one draw. When two pipelines are close (a few hundredths of FID), compare them over several
seeds: each seed draws new latents, scored in every feature space against the same reference split.
:func:`spread` gives, per pipeline and feature space, the FID of every seed, their mean and standard deviation, and
for every pipeline after the first its per-seed difference to the first. ``hfgan evaluate A B --seeds 0,1,2,3,4``
is its command line.
"""

import os
import statistics
from typing import Any, Callable, Dict, List, Optional, Sequence

from ..errors import HFGANError
from .scores import REPORT_FEATURES


def _summary(values: List[float]) -> Dict[str, object]:
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"fid": [round(v, 4) for v in values], "mean": round(statistics.fmean(values), 4), "std": round(std, 4)}


def check_seeds(seeds: Sequence[int]) -> None:
    """One-line errors for seeds that cannot make a spread: none, repeated, or outside ``[0, 2**64 - 1]``."""
    if not seeds:
        raise HFGANError("--seeds names no seed: give comma-separated sample seeds, e.g. --seeds 0,1,2,3,4")
    if len(set(seeds)) != len(seeds):
        raise HFGANError(f"--seeds must be distinct (each seed is one more draw), got {list(seeds)}")
    for seed in seeds:
        if not 0 <= seed < 2**64:
            raise HFGANError(f"--seeds must be in [0, 2**64 - 1], got {seed}")


def spread(folders: Sequence[str], seeds: Sequence[int], num_samples: int = 10000,
           features: Sequence[str] = REPORT_FEATURES, progress: bool = True,
           load: Optional[Callable[[str], Any]] = None, **evaluate_kwargs) -> Dict[str, object]:
    """FID per pipeline, feature space and seed; ``difference`` holds each later pipeline minus the first, seed by
    seed. ``load`` turns a folder (or Hub repo) into a pipeline (default :func:`hfgan.load_pipeline`); the other
    keyword arguments go to :func:`hfgan.metrics.evaluate_pipeline_features` (``dataset``, ``split``, ``device``...)."""
    import torch

    from .. import __version__
    from .evaluate import evaluate_pipeline_features

    if not folders:
        raise HFGANError("give at least one pipeline folder to compare over seeds")
    check_seeds(seeds)
    names = [os.path.basename(os.path.normpath(folder)) for folder in folders]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise HFGANError(f"the pipelines compared over seeds need distinct folder names; {repeated[0]!r} is given twice")
    if load is None:
        from ..pipelines import load_pipeline as load
    fids: Dict[str, Dict[str, List[float]]] = {}
    for folder, name in zip(folders, names):
        pipe = load(folder)
        fids[name] = {f: [] for f in features}
        for seed in seeds:
            reports = evaluate_pipeline_features(pipe, features=features, num_samples=num_samples, metrics=("fid",),
                                                 seed=seed, progress=progress, **evaluate_kwargs)
            for report in reports:
                fids[name][report.features].append(float(report.metrics["fid"]))
    result: Dict[str, object] = {
        "hfgan_version": __version__, "torch": torch.__version__, "split": evaluate_kwargs.get("split", "test"),
        "num_samples": num_samples, "seeds": list(seeds),
        "pipelines": {n: {f: _summary(v) for f, v in fids[n].items()} for n in names},
    }
    first = names[0]
    result["difference"] = {
        f"{n} - {first}": {f: _summary([a - b for a, b in zip(fids[n][f], fids[first][f])]) for f in features}
        for n in names[1:]
    }
    return result


def spread_lines(result: Dict[str, object]) -> List[str]:
    """The printed table of a :func:`spread` result: one line per pipeline (or difference) and feature space."""
    lines = []
    for name, per_feature in result["pipelines"].items():
        for feature, s in per_feature.items():
            lines.append(f"{name:32s} {feature:26s} mean {s['mean']:.3f} ± {s['std']:.3f}  {s['fid']}")
    for name, per_feature in result["difference"].items():
        for feature, s in per_feature.items():
            lines.append(f"{name:32s} {feature:26s} mean {s['mean']:+.3f} ± {s['std']:.3f}  {s['fid']}")
    return lines
