"""Fixtures for the Gradio Space tests: tiny random-init pipelines and the app module."""

import contextlib
import importlib.util
import os
import socket
import sys
from pathlib import Path

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no test may reach the Hub: a repo id fails fast and clearly

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_PATH = REPO_ROOT / "spaces" / "hfgan-playground" / "app.py"
CLASS_NAMES = ["shirt", "shoe", "bag"]


def load_app_module():
    """Import spaces/hfgan-playground/app.py (its folder name is not a package name)."""
    if "hfgan_playground_app" in sys.modules:
        return sys.modules["hfgan_playground_app"]
    spec = importlib.util.spec_from_file_location("hfgan_playground_app", APP_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules["hfgan_playground_app"] = module
    spec.loader.exec_module(module)
    return module


PIX2PIX = "pix2pix-edges2fashion-tiny"  # one-way, named like the published pipelines/pix2pix-edges2fashion
CYCLEGAN = "cyclegan-sneaker2boot-tiny"  # two-way, named like the published pipelines/cyclegan-sneaker2boot


def tiny_translation_pipelines():
    """``{name: pipeline}``: a one-way (Pix2Pix) and a two-way (CycleGAN) translation pipeline of tiny real
    networks, grayscale 16x16."""
    import hfgan

    torch.manual_seed(0)
    pix2pix = hfgan.GANImageToImagePipeline(
        generator=hfgan.Pix2PixGenerator(in_channels=1, out_channels=1, sample_size=16, base_channels=4, max_channels=8),
        discriminator=hfgan.PatchGANDiscriminator(in_channels=1, conditioning_channels=1, sample_size=16, base_channels=4,
                                                  max_channels=8))
    pix2pix.card_data = {"dataset": "fashion_mnist_edges", "name": "Tiny Pix2Pix"}
    tiny = dict(in_channels=1, out_channels=1, sample_size=16, base_channels=4, num_res_blocks=1)
    cyclegan = hfgan.GANImageToImagePipeline(generator=hfgan.CycleGANGenerator(**tiny),
                                             generator_reverse=hfgan.CycleGANGenerator(**tiny))
    cyclegan.card_data = {"dataset": "fashion_mnist",  # as the unpaired-translation task writes it
                          "domains": {"A": "fashion_mnist:Sneaker", "B": "fashion_mnist:Ankle boot"}}
    return {PIX2PIX: pix2pix, CYCLEGAN: cyclegan}


def tiny_biggan():
    """A tiny BigGAN-deep generator (3 classes) whose standing statistics differ by truncation."""
    import hfgan

    generator = hfgan.BigGANDeepGenerator(latent_dim=8, class_embed_dim=8, channel_width=4, num_classes=3, n_stats=5,
                                          sample_size=16, out_channels=1, attention_layer_position=None,
                                          layers=[[False, 4, 4], [True, 4, 2], [True, 2, 1]], class_names=CLASS_NAMES)
    with torch.no_grad():
        generator.class_embedding.weight.normal_()
    generator.accumulate_standing_stats(num_batches=2, batch_size=16, generator=torch.Generator().manual_seed(0))
    return generator.eval()


def tiny_stylegan2():
    """A tiny StyleGAN2 generator (16 px grayscale, 6 ws) with a non-zero w_avg and noise strengths, so that
    truncation and the noise mode show in its images."""
    import hfgan

    generator = hfgan.StyleGAN2Generator(latent_dim=8, w_dim=8, channel_base=64, channel_max=8, mapping_layers=2,
                                         sample_size=16, out_channels=1)
    with torch.no_grad():
        generator.mapping.w_avg.normal_()
        for name, parameter in generator.named_parameters():
            if name.endswith("noise_strength"):
                parameter.fill_(0.3)
    return generator.eval()


def build_tiny_pipelines(root: Path) -> Path:
    """Tiny random-init pipelines, as the published folders will be laid out (six noise-to-image, two
    translation), plus two broken folders."""
    import hfgan

    torch.manual_seed(0)
    specs = {
        "dcgan-tiny": (hfgan.DCGANGenerator(latent_dim=8, sample_size=16, base_channels=8, max_channels=16),
                       {"dataset": "fashion_mnist", "name": "Tiny DCGAN", "description": "A random-init test model.",
                        "metrics": [{"type": "fid", "name": "FID", "value": 123.4, "features": "inception", "split": "test",
                                     "num_samples": 100}]}),
        "cdcgan-tiny": (hfgan.DCGANGenerator(latent_dim=8, sample_size=16, base_channels=8, max_channels=16, num_classes=3,
                                             class_names=CLASS_NAMES), {"dataset": "fashion_mnist"}),
        "mlp-gan-tiny": (hfgan.MLPGANGenerator(latent_dim=8, hidden_dims=(16, 32), sample_size=16), {}),
        # truncation by standing statistics, and a class embedding to interpolate
        "biggan-tiny": (tiny_biggan(), {"dataset": "fashion_mnist"}),
        # renders at 4, 8 and 16 px
        "progan-tiny": (hfgan.ProGANGenerator(latent_dim=8, sample_size=16, start_resolution=4, base_channels=4,
                                              max_channels=8), {}),
        # a W space: truncation towards w_avg, style mixing
        "stylegan2-tiny": (tiny_stylegan2(), {"dataset": "fashion_mnist"}),
    }
    root.mkdir(parents=True, exist_ok=True)
    for name, (generator, card) in specs.items():
        pipe = hfgan.GANPipeline(generator)
        pipe.card_data = card
        pipe.save_pretrained(root / name)
    for name, pipe in tiny_translation_pipelines().items():
        pipe.save_pretrained(root / name)
    (root / "not-a-pipeline").mkdir(exist_ok=True)  # ignored: no model_index.json
    broken = root / "broken-weights"
    broken.mkdir(exist_ok=True)
    (broken / "model_index.json").write_text('{"_class_name": "GANPipeline", "generator": ["hfgan", "DCGANGenerator"]}')
    other = root / "other-pipeline"  # a diffusers pipeline that is not an hfgan one
    other.mkdir(exist_ok=True)
    (other / "model_index.json").write_text('{"_class_name": "DDPMPipeline", "unet": ["diffusers", "UNet2DModel"]}')
    return root


@pytest.fixture(scope="session")
def tiny_pipelines_dir(tmp_path_factory) -> Path:
    return build_tiny_pipelines(tmp_path_factory.mktemp("pipelines"))


@pytest.fixture(scope="session")
def app_module():
    return load_app_module()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(app_module, pipelines_dir, **build_kwargs):
    """Build the app for ``pipelines_dir`` and serve it on 127.0.0.1 at a free port; yields ``(demo, url)``."""
    demo = app_module.build_demo(pipelines_dir=pipelines_dir, **build_kwargs)
    demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True, css=app_module.CSS)
    try:
        yield demo, demo.local_url
    finally:
        demo.stop_temp_sweeper()
        demo.close()


@pytest.fixture(scope="session")
def serve_app(app_module):
    """``serve_app(folder, **build_demo_kwargs)``: a context manager serving the app for another pipelines folder."""
    return lambda pipelines_dir, **kw: serve(app_module, pipelines_dir, **kw)


@pytest.fixture(scope="session")
def launched_app(app_module, tiny_pipelines_dir):
    """The app on the tiny pipelines, launched once for all the test modules; yields ``(demo, url)``."""
    with serve(app_module, tiny_pipelines_dir) as served:
        yield served


from hostile_payloads import HOSTILE, HOSTILE_CARD, HOSTILE_CLASS, HOSTILE_NAME  # noqa: E402,F401


@pytest.fixture(scope="session")
def hostile_pipelines_dir(tmp_path_factory) -> Path:
    """A folder with one tiny real conditional DCGAN whose saved card carries :data:`HOSTILE_CARD`."""
    import hfgan

    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("hostile")
    generator = hfgan.DCGANGenerator(latent_dim=8, sample_size=16, base_channels=8, max_channels=16, num_classes=2,
                                     class_names=["shirt", HOSTILE_CLASS])
    pipe = hfgan.GANPipeline(generator)
    pipe.card_data = dict(HOSTILE_CARD)
    pipe.save_pretrained(root / HOSTILE)
    return root
