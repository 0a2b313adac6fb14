"""The result of one evaluation and how it is written: a table, a JSON dict, model-card entries and sentences.

:class:`EvaluationReport` holds the metrics with the protocol that produced them (what ``metrics.json`` holds);
:func:`merge_card_metrics` and :func:`features_note` put reports on a model card.
"""

from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterable, List, Optional

from .features import REPORTING_FEATURES, SELECTION_FEATURES


@dataclass
class EvaluationReport:
    """Metrics plus the protocol that produced them (what ``metrics.json`` holds)."""

    metrics: Dict[str, float]
    dataset: str
    split: str
    features: str
    weights_hash: str
    num_samples: int
    seed: int
    reference_num_images: int
    reference_cached: bool
    timings: Dict[str, float] = field(default_factory=dict)
    source: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def card_metrics(self) -> List[Dict[str, Any]]:
        """Entries for ``pipe.card_data["metrics"]`` (rendered into the card's ``model-index``)."""
        from ..cards import METRIC_NAMES

        return [{"type": name, "name": f"{METRIC_NAMES.get(name, name)} ({self.features})", "value": round(float(value), 6),
                 "features": self.features, "split": self.split, "num_samples": self.num_samples}
                for name, value in self.metrics.items() if not name.endswith("_std")]

    def table(self) -> str:
        """A plain-text table of the numbers."""
        rows = [("metric", "value", "features", "split", "samples")]
        for name, value in self.metrics.items():
            if name.endswith("_std"):
                continue
            std = self.metrics.get(f"{name}_std")
            text = f"{value:.4g}" + (f" ± {std:.2g}" if std is not None else "")
            rows.append((name, text, self.features, f"{self.dataset}/{self.split}", str(self.num_samples)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


FEATURE_DESCRIPTIONS = {
    SELECTION_FEATURES: ("`fashion-mnist-classifier`, a CNN trained on all 60,000 Fashion-MNIST train images (seed 0), "
                         "the network the trainer selects checkpoints with, against the train split"),
    REPORTING_FEATURES: ("`fashion-mnist-reporter`, an independent residual network (other architecture, seed 1, "
                         "trained on train images 30000..59999 only) that only reports"),
    "inception": "`inception`, the FID Inception-v3 network",
}


def features_note(spaces: Iterable[str]) -> str:
    """A card sentence naming the feature spaces in ``spaces`` (``pixels`` and unknown names are skipped)."""
    parts = [FEATURE_DESCRIPTIONS[name] for name in FEATURE_DESCRIPTIONS if name in set(spaces)]
    if not parts:
        return ""
    return ("Feature spaces: " + "; ".join(parts) + ". Numbers compare only within one feature space; those of the "
            "Fashion-MNIST networks are not Inception FIDs.")


def merge_card_metrics(existing: Optional[List[Dict[str, Any]]], new: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """``existing`` card metrics with the entries of the same (type, features, split) replaced by ``new``."""
    key = lambda m: (m.get("type"), m.get("features"), m.get("split"))  # noqa: E731
    replacements = {key(m): m for m in new}
    merged = [replacements.pop(key(m), m) for m in (existing or [])]
    return merged + [m for m in new if key(m) in replacements]
