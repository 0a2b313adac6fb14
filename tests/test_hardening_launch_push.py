"""What runs and what leaves the machine: ``scripts/hfgan`` imports nothing from the folder it runs in, and a push
(``hfgan push``, ``save_pretrained(push_to_hub=True)``) uploads files of the folder only: a symlink or special file
that leads out of it is refused, naming it, and ``pipeline_hfgan.py`` is always hfgan's own. The Hub API is patched."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hfgan.errors import HFGANError
from hfgan.hub import DIFFUSERS_MODULE_TEXT, files_to_upload
from hfgan.pipelines.publishing import push_folder

ROOT = Path(__file__).resolve().parents[1]
PLANTED = ("tqdm", "torch", "json", "runpy", "hfgan", "argparse")


@pytest.fixture
def hub(offline_hub):
    """Uploads copied to ``hub.uploads`` (``offline_hub`` of conftest)."""
    return offline_hub


@pytest.fixture
def folder(tiny_pipeline, tmp_path):
    """A saved pipeline with a loss plot and a training config, as a run leaves them."""
    path = tmp_path / "run"
    tiny_pipeline.save_pretrained(path)
    (path / "losses.png").write_bytes(b"png")
    (path / "training_config.json").write_text("{}")
    return path


@pytest.fixture
def secret(tmp_path):
    path = tmp_path / "home" / "token"
    path.parent.mkdir()
    path.write_text("hf_SECRET_TOKEN")
    return path


def uploaded_text(upload):
    return "".join(p.read_text(errors="replace") for p in Path(upload).rglob("*") if p.is_file())


# ----------------------------------------------------------------------------------------------- launcher
@pytest.mark.parametrize("argv", [["--version"], ["list"]])
def test_the_launcher_imports_nothing_from_the_folder_it_runs_in(tmp_path, argv):
    for name in PLANTED:  # each would leave a ran-<name> file behind if it were imported
        (tmp_path / f"{name}.py").write_text(f"open({str(tmp_path / f'ran-{name}')!r}, 'w').close()\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONSAFEPATH", "PYTHONPATH")}
    result = subprocess.run([str(ROOT / "scripts" / "hfgan"), *argv], cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, timeout=120)
    assert sorted(p.name for p in tmp_path.glob("ran-*")) == []
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


# ----------------------------------------------------------------------------------------------- symlinks out
@pytest.mark.parametrize("name", ["losses.png", "training_config.json", "generator/creds.json", "README.md"])
def test_push_refuses_a_symlink_out_of_the_folder(folder, secret, hub, name, capsys):
    (folder / name).unlink(missing_ok=True)
    os.symlink(secret, folder / name)
    with pytest.raises(HFGANError, match=f"{name}.*outside") as err:
        push_folder(str(folder), "org/run")
    assert "\n" not in str(err.value) and hub.uploads == []

    from hfgan.cli import main

    assert main(["push", str(folder), "org/run", "--dry-run"]) == 2  # the dry run shows it too
    out, err = capsys.readouterr()
    assert f"  {name}: " in out.split("would refuse")[1] and "hf_SECRET_TOKEN" not in out
    assert err.count("\n") == 1 and "would stop the push" in err, err


def test_push_refuses_a_component_folder_that_links_out(folder, tmp_path, hub):
    outside = tmp_path / "elsewhere"
    shutil.move(folder / "discriminator", outside)
    os.symlink(outside, folder / "discriminator", target_is_directory=True)
    with pytest.raises(HFGANError, match="discriminator/config.json.*outside"):
        files_to_upload(str(folder))


def test_push_refuses_a_special_file(folder, hub):
    (folder / "losses.png").unlink()
    os.mkfifo(folder / "losses.png")
    with pytest.raises(HFGANError, match="losses.png.*FIFO"):
        push_folder(str(folder), "org/run")
    assert hub.uploads == []


def test_a_symlink_inside_the_folder_uploads_its_target(folder, hub):
    (folder / "losses.png").unlink()
    (folder / "plots").mkdir()
    (folder / "plots" / "losses.png").write_bytes(b"the plot")
    os.symlink(Path("plots") / "losses.png", folder / "losses.png")
    push_folder(str(folder), "org/run")
    uploaded = hub.uploads[0] / "losses.png"
    assert not uploaded.is_symlink() and uploaded.read_bytes() == b"the plot"


def test_save_pretrained_push_to_hub_refuses_a_symlink_out(tiny_pipeline, folder, secret, hub):
    os.symlink(secret, folder / "generator" / "creds.json")
    with pytest.raises(HFGANError, match="generator/creds.json.*outside"):
        tiny_pipeline.save_pretrained(folder, push_to_hub=True, repo_id="org/run")
    assert hub.uploads == []


@pytest.mark.parametrize("name", ["README.md", "model_index.json", "generator/config.json"])
def test_save_pretrained_never_writes_through_a_symlink_out(tiny_pipeline, folder, secret, name):
    (folder / name).unlink()
    os.symlink(secret, folder / name)
    with pytest.raises(HFGANError, match=f"{name}.*outside"):
        tiny_pipeline.save_pretrained(folder)
    assert secret.read_text() == "hf_SECRET_TOKEN"


# ----------------------------------------------------------------------------------------------- pipeline_hfgan.py
def test_push_uploads_hfgans_own_pipeline_module(folder, hub):
    (folder / "pipeline_hfgan.py").write_text("import os; os.system('echo pwned')\nfrom hfgan import GANPipeline\n")
    assert "pipeline_hfgan.py" in push_folder(str(folder), "org/run", dry_run=True)
    push_folder(str(folder), "org/run")
    text = (hub.uploads[0] / "pipeline_hfgan.py").read_text()
    assert text == DIFFUSERS_MODULE_TEXT.format(class_name="GANPipeline") and "pwned" not in uploaded_text(hub.uploads[0])


def test_push_writes_no_pipeline_module_for_a_class_hfgan_does_not_export(folder, hub):
    index = json.loads((folder / "model_index.json").read_text())
    index["_class_name"] = ["pipeline_hfgan", "os; os.system('x')"]
    (folder / "model_index.json").write_text(json.dumps(index))
    assert "pipeline_hfgan.py" not in files_to_upload(str(folder))
