"""Entry point for ``accelerate launch -m hfgan.train PRESET_OR_CONFIG [--key value ...]``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
