"""``hfgan train``: placeholder until its module lands."""

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args) -> int:
    from ..errors import HFGANError

    raise HFGANError("'hfgan train' is not available yet")
