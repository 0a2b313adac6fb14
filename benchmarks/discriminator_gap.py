"""Does a trained discriminator overfit? Its logits on training images against held-out ones, as a table.

A discriminator that memorises its training set scores the train split higher than images it never saw (the
test split); that gap is what adaptive augmentation (ADA, DiffAugment) is for. No gap means augmentation has
nothing to fix and the networks are limited by capacity or training time instead. Generated images are scored
too, for the real/fake separation.

    python benchmarks/discriminator_gap.py pipelines/stylegan2-fashion-mnist runs/biggan/best --num-images 5000

For each GAN pipeline folder (a published pipeline, or a run folder once the trainer has saved its pipeline):
the mean and standard deviation of D's logits on the first N train and test images of Fashion-MNIST and on N
generated images (seed 0; classes balanced for conditional models, real images with their own labels), the
train-test gap in train standard deviations, and the share of positive logits (ADA's ``r_t = E[sign(D(x))]``)
on each split (:func:`hfgan.metrics.discriminator_gap.measure`). ``--json`` writes the rows.
"""

import argparse
import json
import os
import sys

import torch

from hfgan.errors import HFGANError
from hfgan.metrics.discriminator_gap import measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", help="GAN pipeline folders that hold a discriminator/")
    parser.add_argument("--num-images", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", help="write the rows to this file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    print("| pipeline | D(train) | D(test) | gap (train std) | r_t train / test | D(generated) | r_t generated |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for folder in args.folders:
        if not os.path.isdir(folder):
            sys.exit(f"{folder} is not a folder")
        try:
            r = measure(folder, args.num_images, args.batch_size)
        except HFGANError as err:
            sys.exit(str(err))
        rows.append(r)
        tr, te, ge = r["train"], r["test"], r["generated"]
        print(f"| `{folder}` | {tr['mean']:.3f} ± {tr['std']:.3f} | {te['mean']:.3f} ± {te['std']:.3f} | "
              f"{r['gap_in_std']:+.3f} | {tr['positive']:.3f} / {te['positive']:.3f} | "
              f"{ge['mean']:.3f} ± {ge['std']:.3f} | {ge['positive']:.3f} |", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
