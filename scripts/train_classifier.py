#!/usr/bin/env python
"""Train the Fashion-MNIST networks that hfgan's offline metrics use as feature extractors.

``--extractor fashion-mnist-classifier`` (the default; selects checkpoints during training) trains
:class:`hfgan.metrics.classifier.FashionMNISTClassifier` on all 60,000 train images with seed 0;
``--extractor fashion-mnist-reporter`` (reports numbers, independent of the first) trains
:class:`hfgan.metrics.reporter.FashionMNISTResNet` on train images 30000..59999 only, with seed 1. Both measure the
accuracy on the test split (10k images) and save config + safetensors + a model card stating exactly what they
were trained on and that accuracy to ``hfgan/metrics/assets/<extractor>`` (shipped inside the package)::

    python scripts/train_classifier.py                                    # ~5 minutes on a 2-core CPU
    python scripts/train_classifier.py --extractor fashion-mnist-reporter # ~5 minutes
    python scripts/train_classifier.py --epochs 1 --out /tmp/clf          # a quick check

The training itself is :mod:`hfgan.metrics.extractor_training`. Changing the weights changes every classifier-based
metric: the reference-statistics cache is keyed by a hash of the weights, so old caches are not reused, but
published numbers must be re-measured.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from hfgan.metrics.extractor_training import EXTRACTORS, ExtractorTraining, train  # noqa: E402


def parse_args(argv=None) -> ExtractorTraining:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extractor", choices=sorted(EXTRACTORS), default="fashion-mnist-classifier")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3, help="peak learning rate of the one-cycle schedule")
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=None, help="default: 0 for the classifier, 1 for the reporter")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1: on a shared 2-core machine two OpenMP threads run 4x slower)")
    parser.add_argument("--out", default=None, help="output folder (default: the package's assets folder)")
    return ExtractorTraining(**vars(parser.parse_args(argv)))


def main(argv=None) -> int:
    args = parse_args(argv)
    results = train(args)
    print(json.dumps({k: v for k, v in results.items() if k != "per_class_test_accuracy"}, indent=2))
    print(f"saved to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
