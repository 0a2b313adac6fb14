"""On a CUDA device (``pytest -m gpu``; skipped by default and without one): pipelines give the CPU's images, and
the trainer trains, checkpoints and resumes there, for a plain and a StyleGAN2 model."""

import json
import os

import numpy as np
import pytest
import torch

import hfgan
from hfgan.data import fashion_mnist_available

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]

TINY_SG2 = {"latent_dim": 8, "w_dim": 8, "channel_base": 64, "channel_max": 8, "mapping_layers": 2}


@pytest.fixture(autouse=True)
def exact_float32():
    """TF32 would make CUDA's float32 convolutions differ from the CPU's by more than rounding."""
    old = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = old


def _stylegan2_pipeline():
    torch.manual_seed(0)
    generator = hfgan.StyleGAN2Generator(out_channels=1, sample_size=16, **TINY_SG2)
    return hfgan.GANPipeline(generator=generator)


@pytest.mark.parametrize("family", ["dcgan", "stylegan2"])
def test_pipeline_on_cuda_gives_the_cpu_images(family):
    if family == "dcgan":
        from conftest import build_tiny_pipeline

        pipe = build_tiny_pipeline(num_classes=3)
        kwargs = {"class_labels": [0, 1, 2, 1]}
    else:
        pipe = _stylegan2_pipeline()
        kwargs = {"batch_size": 4, "truncation_psi": 0.7}
    cpu = pipe(generator=torch.Generator().manual_seed(1), output_type="np", **kwargs).images
    pipe.to("cuda")
    assert pipe.device.type == "cuda"
    gpu = pipe(generator=torch.Generator().manual_seed(1), output_type="np", **kwargs).images
    assert gpu.shape == cpu.shape and np.isfinite(gpu).all()
    np.testing.assert_allclose(gpu, cpu, atol=2e-4)


@pytest.mark.skipif(not fashion_mnist_available(), reason="Fashion-MNIST IDX files missing")
@pytest.mark.parametrize("preset, overrides", [
    ("dcgan-fashion-mnist", {"generator_kwargs": '{"latent_dim": 8, "base_channels": 8, "max_channels": 16}',
                             "discriminator_kwargs": '{"base_channels": 8, "max_channels": 16}'}),
    ("stylegan2-fashion-mnist", {"generator_kwargs": json.dumps(TINY_SG2),
                                 "discriminator_kwargs": '{"channel_base": 64, "channel_max": 8}',
                                 "r1_interval": "2", "task_kwargs": '{"pl_interval": 2}'}),
])
def test_training_on_cuda_checkpoints_and_resumes(tmp_path, preset, overrides):
    from hfgan.training import GANTrainer, load_config
    from hfgan.training.checkpoint import list_checkpoints

    def config(steps, **extra):
        values = {**overrides, "output_dir": str(tmp_path / "run"), "max_train_samples": "64", "train_batch_size": "8",
                  "max_train_steps": str(steps), "checkpointing_steps": "2", "sample_steps": "100", "logging_steps": "1",
                  "num_sample_images": "4", "report_to": "none", "lr_scheduler": "constant", **extra}
        return load_config(preset, values)

    trainer = GANTrainer(config(2))
    trainer.train()
    assert trainer.accelerator.device.type == "cuda"
    assert [os.path.basename(p) for p in list_checkpoints(tmp_path / "run")] == ["checkpoint-2"]
    resumed = GANTrainer(config(4, resume_from_checkpoint="latest"))
    resumed.train()
    assert resumed.step == 4
    pipe = hfgan.GANPipeline.from_pretrained(str(tmp_path / "run"))  # saved weights load on the CPU
    images = pipe(batch_size=2, generator=torch.Generator().manual_seed(0), output_type="np").images
    assert images.shape[0] == 2 and np.isfinite(images).all()
