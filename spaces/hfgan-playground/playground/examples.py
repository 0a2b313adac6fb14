"""Example inputs for the Image-to-image tab: a few test-split images in ``examples/`` beside app.py.

Each example set is a folder of small PNGs named ``<test index>-<class>.png``:

* ``fashion_mnist_edges/``: the edge maps (:func:`hfgan.data.edge_map`) of Fashion-MNIST test
  garments, one per class: the source domain of the ``fashion_mnist_edges`` dataset (edges -> garment).
* ``fashion_mnist_sneaker/`` and ``fashion_mnist_ankle_boot/``: Fashion-MNIST test Sneakers and Ankle boots,
  the two domains of sneaker <-> boot models.

Which sets a model gets is read from its card and name, the first rule that names a set winning:

1. the card's ``domains`` (CycleGAN cards: ``{"A": "fashion_mnist:Sneaker", "B": "fashion_mnist:Ankle boot"}``):
   domain A's sets go ``forward``, domain B's ``reverse``;
2. a name part ``<a>2<b>`` (``edges2fashion``, ``sneaker2boot``): the sets of ``<a>`` go ``forward``, those
   of ``<b>`` ``reverse``;
3. a set's keyword in the card's dataset or title, or the name (``fashion_mnist_edges``): ``forward``.

A model that matches none is offered every example.

Write (or refresh) the folder from the Debian Fashion-MNIST files, from the repository root::

    python spaces/hfgan-playground/playground/examples.py
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

if __package__ in (None, ""):  # run as a script: import the package from the Space folder
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from playground.settings import APP_DIR
else:
    from .settings import APP_DIR

EXAMPLES_DIR = APP_DIR / "examples"


@dataclass(frozen=True)
class ExampleSet:
    folder: str  # under the examples folder
    title: str  # shown with the examples
    keywords: Tuple[str, ...]  # words in a model's name or card that say it takes these images


EXAMPLE_SETS = (
    ExampleSet("fashion_mnist_edges", "edge maps of Fashion-MNIST test garments", ("edges", "edge")),
    ExampleSet("fashion_mnist_sneaker", "Fashion-MNIST test Sneakers", ("sneaker",)),
    ExampleSet("fashion_mnist_ankle_boot", "Fashion-MNIST test Ankle boots", ("boot",)),
)
SNEAKER, ANKLE_BOOT = 7, 9  # Fashion-MNIST labels


def caption(path) -> str:
    """``"Ankle boot · test #42"`` for ``00042-ankle-boot.png``."""
    stem = Path(path).stem
    index, _, label = stem.partition("-")
    label = label.replace("-", " ").capitalize() or stem
    return f"{label} · test #{int(index)}" if index.isdigit() else label


def list_examples(examples_dir=None) -> Dict[str, List[str]]:
    """``{set folder: [PNG paths, sorted]}`` of the sets present in ``examples_dir``."""
    root = Path(examples_dir) if examples_dir else EXAMPLES_DIR
    found = {}
    for example_set in EXAMPLE_SETS:
        folder = root / example_set.folder
        if folder.is_dir():
            files = sorted(str(p) for p in folder.glob("*.png"))
            if files:
                found[example_set.folder] = files
    return found


def _name_pairs(name: str) -> List[Tuple[str, str]]:
    """``[("edges", "fashion")]`` for ``pix2pix-edges2fashion``: the ``<a>2<b>`` parts of a model name."""
    parts = re.split(r"[^a-z0-9]+", name.lower())
    return [(a, b) for a, b in (p.split("2", 1) for p in parts if "2" in p) if a and b and not a[-1].isdigit()]


def example_sets_for(name: str, card_data: Optional[dict], direction: str) -> Tuple[List[ExampleSet], bool]:
    """``(sets, matched)``: the example sets that fit ``direction`` of the model, or every set (``matched`` False)."""

    def fits(example_set: ExampleSet, text: str) -> bool:
        return any(k in text for k in example_set.keywords)

    data = card_data if isinstance(card_data, dict) else {}
    domains = data.get("domains") if isinstance(data.get("domains"), dict) else {}
    pairs = [(str(domains.get("A") or "").lower(), str(domains.get("B") or "").lower())] if domains else []
    for a, b in pairs + _name_pairs(name):
        sets = [s for s in EXAMPLE_SETS if fits(s, a if direction == "forward" else b)]
        if sets:
            return sets, True
        if any(fits(s, a) or fits(s, b) for s in EXAMPLE_SETS):
            return [], True  # the domains are named, and have no examples in this direction
    text = " ".join(str(data.get(k) or "") for k in ("dataset", "name")) + " " + name
    sets = [s for s in EXAMPLE_SETS if fits(s, text.lower())] if direction == "forward" else []
    return (sets, True) if sets else (list(EXAMPLE_SETS), False)


def examples_for(name: str, card_data: Optional[dict], direction: str,
                 examples_dir=None) -> Tuple[List[Tuple[str, str]], str]:
    """``([(path, caption)], note)`` for the Image-to-image tab's gallery."""
    present = list_examples(examples_dir)
    sets, matched = example_sets_for(name, card_data, direction)
    items = [(p, caption(p)) for s in sets for p in present.get(s.folder, [])]
    titles = [s.title for s in sets if s.folder in present]
    if not items:
        return [], "No examples for this direction: upload an image."
    if matched:
        return items, "Examples: " + "; ".join(titles) + "."
    return items, "Examples from the test split (none is known to fit this model): " + "; ".join(titles) + "."


def write_examples(examples_dir=None, per_class_edges: Sequence[int] = tuple(range(10)), per_domain: int = 4) -> List[str]:
    """Write the example sets from the Fashion-MNIST test split; returns the files written.

    Edge maps: the first test image of each class in ``per_class_edges``; Sneakers and Ankle boots: the first
    ``per_domain`` test images of each.
    """
    from PIL import Image

    from hfgan.data import load_fashion_mnist_arrays
    from hfgan.data import edge_map
    from hfgan.models import FASHION_MNIST_CLASSES

    root = Path(examples_dir) if examples_dir else EXAMPLES_DIR
    images, labels = load_fashion_mnist_arrays("test")

    def slug(label: int) -> str:
        return re.sub(r"[^a-z0-9]+", "-", FASHION_MNIST_CLASSES[label].lower()).strip("-")

    def first(label: int, n: int) -> List[int]:
        return [int(i) for i in (labels == label).nonzero()[0][:n]]

    plan = {
        "fashion_mnist_edges": ([first(c, 1)[0] for c in per_class_edges], True),
        "fashion_mnist_sneaker": (first(SNEAKER, per_domain), False),
        "fashion_mnist_ankle_boot": (first(ANKLE_BOOT, per_domain), False),
    }
    written = []
    for folder, (indices, edges) in plan.items():
        out = root / folder
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.png"):
            old.unlink()
        for i in indices:
            pixels = edge_map(images[i]) if edges else images[i]
            path = out / f"{i:05d}-{slug(int(labels[i]))}.png"
            Image.fromarray(pixels, mode="L").save(path, optimize=True)
            written.append(str(path))
    return written


if __name__ == "__main__":
    files = write_examples()
    print(f"wrote {len(files)} examples under {EXAMPLES_DIR}")
