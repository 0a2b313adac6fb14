"""Shared fixtures: tiny real models and pipelines (CPU, seeded, built in milliseconds).

``tiny_pipeline`` is an unconditional 8x8 grayscale DCGAN pipeline with its discriminator; ``make_tiny_pipeline``
builds variants (family, size, channels, classes). No test may reach the Hub.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import pytest  # noqa: E402
import torch  # noqa: E402

# Tiny tensors: one intra-op thread is fastest, and it does not stall when other jobs share the cores.
torch.set_num_threads(1)

# Per family: config overrides that make any registered variant tiny (its size, channels and classes are kept).
TINY_GENERATOR = {"dcgan": {"latent_dim": 8, "base_channels": 8, "max_channels": 16, "class_embed_dim": 4},
                  "mlp_gan": {"latent_dim": 8, "hidden_dims": [16, 32], "class_embed_dim": 4},
                  "pix2pix": {"base_channels": 4, "max_channels": 16}, "cyclegan": {"base_channels": 4, "num_res_blocks": 2},
                  "progan": {"latent_dim": 8, "base_channels": 4, "max_channels": 8}}
TINY_DISCRIMINATOR = {"dcgan": {"base_channels": 8, "max_channels": 16}, "mlp_gan": {"hidden_dims": [16]},
                      "pix2pix": {"base_channels": 4, "max_channels": 16}, "cyclegan": {"base_channels": 4, "max_channels": 16},
                      "progan": {"base_channels": 4, "max_channels": 8}}
TINY_GENERATOR["biggan"] = {"latent_dim": 8, "class_embed_dim": 8, "channel_width": 4, "n_stats": 5}
TINY_DISCRIMINATOR["biggan"] = {"channel_width": 8}
TINY_GENERATOR["stylegan2"] = {"latent_dim": 8, "w_dim": 8, "channel_base": 64, "channel_max": 8, "mapping_layers": 2}
TINY_DISCRIMINATOR["stylegan2"] = {"channel_base": 64, "channel_max": 8, "mapping_layers": 2}
CLASS_NAMES = ["shirt", "shoe", "bag"]


def build_tiny_pipeline(family="dcgan", sample_size=8, channels=1, num_classes=None, discriminator=True, seed=0):
    import hfgan

    torch.manual_seed(seed)
    classes = {"num_classes": num_classes, "class_names": CLASS_NAMES[:num_classes] if num_classes == 3 else None}
    g_cls, d_cls = {"dcgan": (hfgan.DCGANGenerator, hfgan.DCGANDiscriminator),
                    "mlp_gan": (hfgan.MLPGANGenerator, hfgan.MLPGANDiscriminator)}[family]
    generator = g_cls(out_channels=channels, sample_size=sample_size, **TINY_GENERATOR[family], **classes)
    disc = d_cls(in_channels=channels, sample_size=sample_size, num_classes=num_classes, **TINY_DISCRIMINATOR[family])
    return hfgan.GANPipeline(generator=generator, discriminator=disc if discriminator else None)


@pytest.fixture
def tiny_overrides():
    """``family -> (generator_kwargs, discriminator_kwargs)`` that make a registered variant tiny."""
    return {family: (TINY_GENERATOR[family], TINY_DISCRIMINATOR[family]) for family in TINY_GENERATOR}


@pytest.fixture
def make_tiny_pipeline():
    """``make_tiny_pipeline(family="dcgan", sample_size=8, channels=1, num_classes=None, discriminator=True)``."""
    return build_tiny_pipeline


@pytest.fixture
def tiny_pipeline():
    """An unconditional 8x8 grayscale DCGAN ``GANPipeline`` (generator + discriminator), seeded."""
    return build_tiny_pipeline()


@pytest.fixture
def tiny_conditional_pipeline():
    """A 3-class 8x8 grayscale DCGAN ``GANPipeline`` with class names ``shirt, shoe, bag``."""
    return build_tiny_pipeline(num_classes=3)


@pytest.fixture(scope="session")
def saved_pipeline_dir(tmp_path_factory):
    """A saved tiny unconditional pipeline folder (read-only for tests: copy it before changing files)."""
    path = tmp_path_factory.mktemp("saved") / "tiny-dcgan"
    pipe = build_tiny_pipeline()
    pipe.card_data = {"dataset": "fashion_mnist", "name": "Tiny DCGAN"}
    pipe.save_pretrained(path)
    return path
TINY_GENERATOR["sngan"] = {"latent_dim": 8, "base_channels": 8}
TINY_DISCRIMINATOR["sngan"] = {"base_channels": 8, "num_extra_blocks": 1}


# --------------------------------------------------------------------------------------------------
# subprocesses that cannot hang the suite
# --------------------------------------------------------------------------------------------------

def _run_once(cmd, env, timeout):
    """``(CompletedProcess, None)``, or ``(None, report)`` when it did not finish in ``timeout`` seconds: then every
    process of its group got SIGUSR1 (``hfgan`` prints every thread's stack on it, see ``hfgan.cli``) and SIGKILL."""
    import signal
    import subprocess
    import time

    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return subprocess.CompletedProcess(cmd, proc.returncode, out, err), None
    except subprocess.TimeoutExpired:
        exited = proc.poll()
        for sig in (signal.SIGUSR1, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            time.sleep(3 if sig == signal.SIGUSR1 else 0)
        out, err = proc.communicate(timeout=30)
        state = (f"it exited ({exited}) but a process it started kept its output open" if exited is not None
                 else "it was still running")
        return None, (f"{' '.join(map(str, cmd))[:300]}\ndid not finish in {timeout:.0f} s: {state}. "
                      f"Stacks (SIGUSR1) and the end of its stderr:\n{err[-8000:]}\nstdout:\n{out[-2000:]}")


def run_process(cmd, env=None, timeout: float = 240, check: bool = False, retry_after_removing=None):
    """``subprocess.run(cmd, capture_output=True, text=True)`` in a process group of its own, with a deadline.

    Past ``timeout`` seconds the test fails with every process's stacks (:func:`_run_once`). With
    ``retry_after_removing`` (paths the command writes), a run that hangs is reported as a warning, with its stacks,
    and run once more from scratch; the test then passes or fails on that second run alone. ``check``: a non-zero
    exit fails the test with the end of stderr.
    """
    import shutil
    import warnings

    result, report = _run_once(cmd, env, timeout)
    if report is not None and retry_after_removing is not None:
        warnings.warn(f"a run hung and was retried once: {report}", RuntimeWarning, stacklevel=2)
        for path in retry_after_removing:
            shutil.rmtree(path, ignore_errors=True)
        result, report = _run_once(cmd, env, timeout)
    if report is not None:
        pytest.fail(report)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))[:300]}\nexited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a rendezvous)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def procs():
    """``procs.run(cmd, env, timeout, check)`` (:func:`run_process`) and ``procs.free_port()``."""
    import types

    return types.SimpleNamespace(run=run_process, free_port=free_port)


@pytest.fixture
def offline_hub(monkeypatch, tmp_path):
    """``HfApi`` without the network: each upload's folder is copied to ``offline_hub.uploads``; the repo has no
    card yet."""
    import shutil
    import types

    from huggingface_hub import HfApi

    state = types.SimpleNamespace(uploads=[])

    def upload_folder(self, *, repo_id, folder_path, **kwargs):
        state.uploads.append(tmp_path / f"uploaded-{len(state.uploads)}")
        shutil.copytree(folder_path, state.uploads[-1])
        return f"https://huggingface.co/{repo_id}/commit/{len(state.uploads)}"

    def hf_hub_download(self, *, repo_id, filename, **kwargs):
        raise FileNotFoundError(f"{repo_id} has no {filename}")

    monkeypatch.setattr(HfApi, "create_repo", lambda self, repo_id, **kwargs: types.SimpleNamespace(repo_id=repo_id))
    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    monkeypatch.setattr(HfApi, "hf_hub_download", hf_hub_download)
    return state
