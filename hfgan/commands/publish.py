"""``hfgan publish RUN_DIR TARGET``: copy a finished training run into a Hub-ready pipeline folder.

Keeps the pipeline (model_index.json, generator/, discriminator/), the model card, the training config, the final
sample grid, the progress GIF and the loss plot; leaves checkpoints and logs behind (:func:`hfgan.publishing.publish_run`).
The copy is loaded once to prove it works and its card is re-rendered for TARGET; ``hfgan push TARGET org/name``
then uploads it. TARGET is replaced as a whole, so it must be a pipeline folder, an empty one or a new path.

    hfgan publish runs/dcgan-fashion-mnist pipelines/dcgan-fashion-mnist
    hfgan publish runs/biggan pipelines/biggan-fashion-mnist --weights best --gif-every 500
"""

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", help="a finished training run's output_dir")
    parser.add_argument("target", help="the pipeline folder to write, e.g. pipelines/<name> (replaced as a whole)")
    parser.add_argument("--command", dest="card_command", default=None,  # args.command is the sub-command's name
                        help="the reproduce command for the card (default: the run's own)")
    parser.add_argument("--training-note", default=None, help="a paragraph for the card's Training section")
    parser.add_argument("--gif-every", type=int, default=None,
                        help="rebuild the progress GIF from the grids at every N steps, half size, each frame labelled "
                             "(default: the run's own GIF)")
    parser.add_argument("--weights", choices=["final", "best"], default="final",
                        help="the run's final pipeline, or best/: the one its periodic evaluation chose")


def run(args) -> int:
    from ..publishing import publish_run

    target = publish_run(args.run_dir, args.target, command=args.card_command, training_note=args.training_note,
                         gif_every=args.gif_every, weights=args.weights)
    print(f"published {target}")
    return 0
