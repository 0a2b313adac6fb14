import pytest

from hfgan.data import fashion_mnist_available



def pytest_collection_modifyitems(config, items):
    if fashion_mnist_available():
        return
    skip = pytest.mark.skip(reason="Fashion-MNIST IDX files missing (apt-get install dataset-fashion-mnist)")
    for item in items:
        if "tests/training" in str(item.fspath):
            item.add_marker(skip)

# A tiny MLP GAN without batch norm or dropout: fast, and deterministic across process counts.
TINY = {
    "model": "mlp-gan-28",
    "generator_kwargs": '{"latent_dim": 8, "hidden_dims": [16]}',
    "discriminator_kwargs": '{"hidden_dims": [16]}',
    "max_train_samples": "256",
    "train_batch_size": "16",
    "logging_steps": "2",
    "sample_steps": "4",
    "num_sample_images": "8",
    "report_to": "none",
    "learning_rate_g": "1e-3",
    "learning_rate_d": "1e-3",
}


def _tiny_args(output_dir, **extra):
    values = {**TINY, "output_dir": str(output_dir), **{k: str(v) for k, v in extra.items()}}
    args = []
    for key, value in values.items():
        args += [f"--{key}", value]
    return args


@pytest.fixture
def tiny_args():
    """``tiny_args(output_dir, key=value, ...)`` -> ``["--key", "value", ...]`` for a tiny real run."""
    return _tiny_args


PRESET = "mlp-gan-fashion-mnist"  # the tiny runs of these tests: the fastest preset


@pytest.fixture
def make_config(tmp_path, tiny_args):
    """``make_config(name="run", **config)``: the preset's config for a tiny run in ``tmp_path / name`` (or an
    absolute ``name``)."""
    from hfgan.training import load_config
    from hfgan.training.config import parse_overrides

    def make(name="run", **extra):
        return load_config(PRESET, parse_overrides(tiny_args(tmp_path / name, **extra)))

    return make


@pytest.fixture
def train(tiny_args, monkeypatch, capsys):
    """``train(output_dir, *extra_args, **config)`` -> (status, stdout + stderr), as the ``hfgan`` command."""
    import sys

    from hfgan.cli import main

    def run(output_dir, *extra, **config):
        argv = ["train", PRESET, *tiny_args(output_dir, checkpointing_steps=2, **config), *extra]
        monkeypatch.setattr(sys, "argv", ["hfgan", *argv])
        capsys.readouterr()
        status = main(argv)
        out = capsys.readouterr()
        return status, out.out + out.err

    return run

