"""Training the Fashion-MNIST networks that hfgan's offline metrics use as feature extractors.

``fashion-mnist-classifier`` (selects checkpoints during training) is :class:`~hfgan.metrics.classifier.
FashionMNISTClassifier` trained on all 60,000 train images with seed 0; ``fashion-mnist-reporter`` (reports numbers,
independent of the first) is :class:`~hfgan.metrics.reporter.FashionMNISTResNet` trained on train images
30000..59999 only, with seed 1 (:data:`EXTRACTORS`). :func:`train` measures the accuracy on the test split (10k
images) and saves config + safetensors + a model card stating exactly what the network was trained on and that
accuracy, by default to ``hfgan/metrics/assets/<extractor>`` (shipped inside the package). ``scripts/train_classifier.py``
is its command line.

Changing the weights changes every classifier-based metric: the reference-statistics cache is keyed by a hash
of the weights, so old caches are not reused, but published numbers must be re-measured.
"""

import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import HFGANError
from .classifier import CLASSIFIER_DIR, FashionMNISTClassifier
from .reporter import REPORTER_DIR, FashionMNISTResNet

#: what differs between the two extractors: network, seed, the slice of the 60,000 train images, output folder.
EXTRACTORS = {
    "fashion-mnist-classifier": dict(model=FashionMNISTClassifier, seed=0, train_start=0, train_end=60000,
                                     out=CLASSIFIER_DIR),
    "fashion-mnist-reporter": dict(model=FashionMNISTResNet, seed=1, train_start=30000, train_end=60000,
                                   out=REPORTER_DIR),
}


@dataclass
class ExtractorTraining:
    """The settings of one training run; ``seed`` and ``out`` default to the extractor's (:data:`EXTRACTORS`), and
    ``train_start`` / ``train_end`` (the slice of the 60,000 train images) are always the extractor's."""

    extractor: str = "fashion-mnist-classifier"
    epochs: int = 4
    batch_size: int = 128
    lr: float = 3e-3  # peak learning rate of the one-cycle schedule
    weight_decay: float = 1e-4
    seed: Optional[int] = None
    threads: int = 1  # torch CPU threads (1: on a shared 2-core machine two OpenMP threads run 4x slower)
    out: Optional[str] = None
    train_start: int = field(default=0, init=False)
    train_end: int = field(default=60000, init=False)

    def __post_init__(self) -> None:
        if self.extractor not in EXTRACTORS:
            raise HFGANError(f"unknown extractor {self.extractor!r}; known: {', '.join(sorted(EXTRACTORS))}")
        preset = EXTRACTORS[self.extractor]
        self.seed = preset["seed"] if self.seed is None else self.seed
        self.out = self.out or preset["out"]
        self.train_start, self.train_end = preset["train_start"], preset["train_end"]


def _to_pixel_values(images: np.ndarray) -> torch.Tensor:
    """uint8 ``[N, 28, 28]`` -> float ``[N, 1, 28, 28]`` in [-1, 1]."""
    return torch.from_numpy(images).float().div_(127.5).sub_(1.0).unsqueeze(1)


@torch.no_grad()
def predict(model: FashionMNISTClassifier, pixel_values: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    model.eval()
    return torch.cat([model(pixel_values[i:i + batch_size].contiguous(memory_format=torch.channels_last)).argmax(1)
                      for i in range(0, len(pixel_values), batch_size)])


def train(args: ExtractorTraining) -> dict:
    """Train the network of ``args.extractor``, save it with its model card to ``args.out`` and return the results
    (accuracies, timings, the settings and the weights' sha256)."""
    from ..data import load_fashion_mnist_arrays
    from ..models import FASHION_MNIST_CLASSES

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_images, train_labels = load_fashion_mnist_arrays("train")
    held_out = np.ones(len(train_images), dtype=bool)  # train images this network never sees
    held_out[args.train_start:args.train_end] = False
    held_out_images, held_out_labels = train_images[held_out], train_labels[held_out]
    train_images, train_labels = train_images[args.train_start:args.train_end], train_labels[args.train_start:args.train_end]
    test_images, test_labels = load_fashion_mnist_arrays("test")
    x_train, y_train = _to_pixel_values(train_images), torch.from_numpy(train_labels)
    x_test, y_test = _to_pixel_values(test_images), torch.from_numpy(test_labels)

    model = EXTRACTORS[args.extractor]["model"](class_names=FASHION_MNIST_CLASSES).to(memory_format=torch.channels_last)
    steps_per_epoch = math.ceil(len(x_train) / args.batch_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch)
    generator = torch.Generator().manual_seed(args.seed)
    start = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(x_train), generator=generator)
        total_loss = 0.0
        for step in range(steps_per_epoch):
            idx = order[step * args.batch_size:(step + 1) * args.batch_size]
            pixel_values = x_train[idx]  # [B, 1, 28, 28]
            flip = torch.rand(len(idx), generator=generator) < 0.5  # horizontal flips: clothes are left-right symmetric
            pixel_values = torch.where(flip[:, None, None, None], pixel_values.flip(-1), pixel_values)
            loss = F.cross_entropy(model(pixel_values.contiguous(memory_format=torch.channels_last)), y_train[idx],
                                   label_smoothing=0.05)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            total_loss += loss.item()
        accuracy = (predict(model, x_test) == y_test).float().mean().item()
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total_loss / steps_per_epoch:.4f}, test accuracy {accuracy:.4f}, "
              f"{time.perf_counter() - start:.0f} s", flush=True)
    train_seconds = time.perf_counter() - start

    predictions = predict(model, x_test)
    per_class = {FASHION_MNIST_CLASSES[c]: (predictions[y_test == c] == c).float().mean().item() for c in range(10)}
    results = {
        "test_accuracy": (predictions == y_test).float().mean().item(),
        "train_accuracy": (predict(model, x_train) == y_train).float().mean().item(),
        "per_class_test_accuracy": per_class,
        "train_images": f"{args.train_start}..{args.train_end - 1}",
        "num_train_images": len(x_train),
        "train_seconds": round(train_seconds, 1),
        "args": {k: v for k, v in asdict(args).items() if k != "out"},
    }
    if len(held_out_images):
        x_held, y_held = _to_pixel_values(held_out_images), torch.from_numpy(held_out_labels)
        results["held_out_train_accuracy"] = (predict(model, x_held) == y_held).float().mean().item()
    model = model.to(memory_format=torch.contiguous_format)
    model.save_pretrained(args.out, safe_serialization=True)
    weights = os.path.join(args.out, "diffusion_pytorch_model.safetensors")
    with open(weights, "rb") as f:
        results["sha256"] = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(args.out, "README.md"), "w", encoding="utf-8") as f:
        f.write((model_card if args.extractor == "fashion-mnist-classifier" else reporter_card)(model, results))
    return results


def _card_parts(model, results: dict, extractor: str) -> dict:
    """What both extractors' cards state alike: the front matter, the parameter count, the config, the per-class
    accuracy table, the usage snippet and the command that retrains the network."""
    import yaml

    meta = {
        "library_name": "hfgan",
        "license": "mit",
        "pipeline_tag": "image-classification",
        "tags": ["hfgan", "fashion-mnist", "image-classification", "gan-evaluation"],
        "datasets": ["zalando-datasets/fashion_mnist"],
        "model-index": [{
            "name": f"hfgan {extractor}",
            "results": [{
                "task": {"type": "image-classification", "name": "Image Classification"},
                "dataset": {"type": "zalando-datasets/fashion_mnist", "name": "Fashion-MNIST", "split": "test"},
                "metrics": [{"type": "accuracy", "name": "Test accuracy", "value": round(results["test_accuracy"], 4)}],
            }],
        }],
    }
    args = results["args"]
    cfg = {k: v for k, v in model.config.items() if not k.startswith("_") and k != "class_names"}
    rows = "\n".join(f"| {name} | {value:.4f} |" for name, value in results["per_class_test_accuracy"].items())
    flag = "" if extractor == "fashion-mnist-classifier" else f"--extractor {extractor} "
    return {
        "front_matter": f"---\n{yaml.safe_dump(meta, sort_keys=False).strip()}\n---\n",
        "params": sum(p.numel() for p in model.parameters()),
        "config": f"`{type(model).__name__}` config: `{json.dumps(cfg)}`",
        "per_class": f"## Per-class test accuracy\n\n| class | accuracy |\n| --- | --- |\n{rows}\n",
        "usage": f"""```python
from hfgan.metrics import get_feature_extractor

extractor = get_feature_extractor("{extractor}")
features, logits = extractor.features_and_logits(pixel_values)  # pixel_values [N, 1, 28, 28] in [-1, 1]
```""",
        "command": f"""```bash
python scripts/train_classifier.py {flag}--epochs {args['epochs']} --batch-size {args['batch_size']} --lr {args['lr']} --seed {args['seed']}
```""",
        "threads": f"{args['threads']} CPU thread{'s' if args['threads'] > 1 else ''}: {results['train_seconds']:.0f} s of "
                   "training (wall time on a shared 2-core machine).",
    }


def model_card(model: FashionMNISTClassifier, results: dict) -> str:
    parts = _card_parts(model, results, "fashion-mnist-classifier")
    acc, args = results["test_accuracy"], results["args"]
    return f"""{parts['front_matter']}
# fashion-mnist-classifier (hfgan metrics feature extractor)

A small CNN ({parts['params'] / 1e3:.0f} k parameters) trained on all 60,000 images of the Fashion-MNIST **train** split
(images 0..59999, seed {args['seed']}). hfgan uses it to **select** checkpoints during training; it is
an offline feature extractor: its 128-d penultimate activations (before the ReLU) are the feature space of
FID / KID / precision-recall with `--features fashion-mnist-classifier`, its logits give the Inception Score and
the class accuracy of conditional generators on their requested labels.

Reported numbers come from this network and from `fashion-mnist-reporter`, an independent residual network
(another architecture, seed 1, trained on train images 30000..59999 only), both against the test split.

**Test accuracy: {acc * 100:.2f}%** on the 10,000 images of the test split (train accuracy
{results['train_accuracy'] * 100:.2f}%).

Numbers measured with this extractor are comparable only with other numbers measured with the same weights
(sha256 `{results['sha256'][:16]}…`); they are not Inception FIDs.

## Usage

{parts['usage']}

## Model

{parts['config']}

```
pixel_values [N, 1, 28, 28] -> Conv 3x3 -> MaxPool -> BN -> ReLU   # [N, 32, 14, 14]
  -> Conv 3x3 -> MaxPool -> BN -> ReLU                              # [N, 64, 7, 7]
  -> Linear -> BN = features [N, 128] -> ReLU -> Dropout -> Linear = logits [N, 10]
```

{parts['per_class']}
## Training

{args['epochs']} epochs, AdamW (one-cycle learning rate, peak {args['lr']}, weight decay {args['weight_decay']}),
batch size {args['batch_size']}, label smoothing 0.05, random horizontal flips, seed {args['seed']},
{parts['threads']}

{parts['command']}
"""


def reporter_card(model: FashionMNISTResNet, results: dict) -> str:
    parts = _card_parts(model, results, "fashion-mnist-reporter")
    acc, args = results["test_accuracy"], results["args"]
    return f"""{parts['front_matter']}
# fashion-mnist-reporter (hfgan metrics feature extractor for reported numbers)

A small residual network ({parts['params'] / 1e3:.0f} k parameters) trained on the **second half of the Fashion-MNIST
train split only: images {results['train_images']}** ({results['num_train_images']:,} images), seed {args['seed']}.
hfgan **reports** numbers with it (`--features fashion-mnist-reporter`): its 128-d penultimate activations (before
the ReLU) are the feature space of FID / KID / precision-recall, its logits give the Inception Score.

It is independent of `fashion-mnist-classifier`, the extractor that **selects** checkpoints during training:

| | fashion-mnist-classifier (selection) | fashion-mnist-reporter (reporting) |
| --- | --- | --- |
| architecture | 2 conv / max-pool blocks, flattened 7x7 map | stem + 3 strided residual blocks, global average pool |
| trained on | train images 0..59999 (all 60,000) | train images 30000..59999 (30,000) |
| seed | 0 | {args['seed']} |

The two share half their training images (30000..59999); images 0..29999 were never seen by this network.

**Test accuracy: {acc * 100:.2f}%** on the 10,000 images of the test split (accuracy on its own training images
{results['train_accuracy'] * 100:.2f}%, on the unseen train images 0..29999 {results['held_out_train_accuracy'] * 100:.2f}%).

Numbers measured with this extractor are comparable only with other numbers measured with the same weights
(sha256 `{results['sha256'][:16]}…`); they are not Inception FIDs, nor `fashion-mnist-classifier` FIDs.

## Usage

{parts['usage']}

```bash
hfgan evaluate pipelines/dcgan-fashion-mnist --features fashion-mnist-classifier,fashion-mnist-reporter
```

## Model

{parts['config']}

```
pixel_values [N, 1, 28, 28] -> Conv 3x3 -> BN -> ReLU                    # [N, 16, 28, 28]
  -> ResidualBlock(stride 2) -> ResidualBlock(stride 2) -> ResidualBlock(stride 2)   # [N, 128, 4, 4]
  -> global average pool -> Linear -> BN = features [N, 128] -> ReLU -> Dropout -> Linear = logits [N, 10]
```

{parts['per_class']}
## Training

{args['epochs']} epochs over the 30,000 images, AdamW (one-cycle learning rate, peak {args['lr']}, weight decay
{args['weight_decay']}), batch size {args['batch_size']}, label smoothing 0.05, random horizontal flips, seed {args['seed']},
{parts['threads']}

{parts['command']}
"""
