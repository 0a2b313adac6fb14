"""Publishing exactly the Hub repo: the files a push selects, the card it renders (repo id, title, no local path,
the config once, the run's commands) and the user's text that a re-push keeps. The Hub API is patched."""

import json
import os
import shutil
import types

import pytest
import yaml
from huggingface_hub import HfApi

from hfgan import GANPipeline
from hfgan.cards import card_images, merge_cards, read_card_data
from hfgan.hub import files_to_upload
from hfgan.pipelines.publishing import push_folder

REPO_FILES = ["README.md", "discriminator/config.json", "discriminator/diffusion_pytorch_model.safetensors",
              "generator/config.json", "generator/diffusion_pytorch_model.safetensors", "losses.png", "model_index.json", "pipeline_hfgan.py",
              "samples/grid.png", "samples/progress.gif", "training_config.json"]


def files_under(folder):
    return sorted(os.path.relpath(os.path.join(root, f), folder).replace(os.sep, "/")
                  for root, _, names in os.walk(folder) for f in names)


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """``HfApi`` without the network: uploads are copied to ``hub.uploads``; the repo's card is the last uploaded."""
    state = types.SimpleNamespace(uploads=[])

    def create_repo(self, repo_id, **kwargs):
        return types.SimpleNamespace(repo_id=repo_id)

    def upload_folder(self, *, repo_id, folder_path, **kwargs):
        copy = tmp_path / f"uploaded-{len(state.uploads)}"
        shutil.copytree(folder_path, copy)
        state.uploads.append(copy)
        return f"https://huggingface.co/{repo_id}/commit/{len(state.uploads)}"

    def hf_hub_download(self, *, repo_id, filename, **kwargs):
        if not state.uploads:
            raise FileNotFoundError(f"{repo_id} has no {filename}")
        return str(state.uploads[-1] / filename)

    monkeypatch.setattr(HfApi, "create_repo", create_repo)
    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    monkeypatch.setattr(HfApi, "hf_hub_download", hf_hub_download)
    return state


@pytest.fixture
def run_dir(tiny_pipeline, tmp_path):
    """A finished training run's folder as the trainer leaves it: the repo's files and everything else."""
    folder = tmp_path / "my-run"
    local_data = tmp_path / "data" / "shoes"
    local_data.mkdir(parents=True)
    training = {"dataset": str(local_data), "output_dir": str(folder), "max_train_steps": 6, "seed": 0}
    tiny_pipeline.card_data = {
        "name": "mlp-gan-fashion-mnist", "dataset": str(local_data), "training": training,
        "command": f"hfgan train mlp-gan-fashion-mnist --dataset {local_data} --output_dir {folder} --max_train_steps 4",
        "resumes": [{"command": f"hfgan train mlp-gan-fashion-mnist --output_dir={folder} --resume latest", "step": 4,
                     "changes": {"max_train_steps": [4, 6]}}],
        "samples": "samples/grid.png", "losses": "losses.png", "progress": "samples/progress.gif"}
    tiny_pipeline.save_pretrained(folder)
    for name in ("samples/grid.png", "samples/progress.gif", "samples/step_000002.png", "losses.png",
                 "checkpoints/checkpoint-4/model.safetensors", "checkpoints/checkpoint-4/optimizer.bin",
                 "checkpoints/checkpoint-4/rng_state_0.json", "checkpoints/checkpoint-4/trainer_state.json",
                 "logs/hfgan/events.out.tfevents.1", "logs/rank_checksums.json", "best/model_index.json",
                 "generator/stale.bin", "notes.pkl", "random_states_0.pkl"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"x")
    (folder / "training_config.json").write_text(json.dumps(training))
    return folder


def test_push_uploads_exactly_the_repo_and_dry_run_lists_it(run_dir, hub, capsys):
    assert files_to_upload(str(run_dir)) == REPO_FILES
    assert push_folder(str(run_dir), "org/shoes", dry_run=True) == REPO_FILES
    assert hub.uploads == []
    push_folder(str(run_dir), "org/shoes")
    assert files_under(hub.uploads[0]) == REPO_FILES

    from hfgan.cli import main

    assert main(["push", str(run_dir), "org/shoes", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would upload 11 files" in out and all(f"  {f}\n" in out for f in REPO_FILES)
    assert "checkpoints" not in out and "logs" not in out and ".pkl" not in out and len(hub.uploads) == 1


def test_push_shows_and_uploads_a_runs_plots_even_from_an_older_card(run_dir, hub):
    pipe = GANPipeline.from_pretrained(run_dir)
    for key in ("losses", "progress"):
        del pipe.card_data[key]
    pipe.save_pretrained(run_dir)
    assert "progress.gif" not in (run_dir / "README.md").read_text()
    assert push_folder(str(run_dir), "org/shoes", dry_run=True) == REPO_FILES


def test_push_to_hub_uploads_the_saved_pipeline_only(tiny_pipeline, hub):
    tiny_pipeline.push_to_hub("org/tiny")
    assert files_under(hub.uploads[0]) == ["README.md", "discriminator/config.json",
                                           "discriminator/diffusion_pytorch_model.safetensors", "generator/config.json",
                                           "generator/diffusion_pytorch_model.safetensors", "model_index.json",
                                           "pipeline_hfgan.py"]


def test_card_is_hub_ready(run_dir, hub, tmp_path):
    push_folder(str(run_dir), "org/shoe-gan")
    text = (hub.uploads[0] / "README.md").read_text()
    assert str(tmp_path) not in text and "/data/shoes" not in text  # no local path anywhere
    meta = yaml.safe_load(text.split("---\n")[1])
    assert "datasets" not in meta and meta["hfgan"]["dataset"] == "local image folder"
    assert "\n# shoe-gan\n" in text  # the title is the model's name
    assert 'GANPipeline.from_pretrained("org/shoe-gan")' in text
    assert text.count('"max_train_steps"') == 1  # the config appears once
    # "Reproduce with": the original command and config, then the resume
    assert "hfgan train mlp-gan-fashion-mnist --dataset '<local image folder>' --max_train_steps 4" in text
    assert "Resumed at step 4 with:" in text and "--resume latest" in text
    assert "--output_dir" not in text  # the commands name no folder of the machine the run ran on
    assert "`max_train_steps` 4 -> 6" in text
    assert "![losses](losses.png)" in text and "samples/progress.gif" in text
    assert card_images(text) == ["samples/grid.png", "losses.png", "samples/progress.gif"]
    # and the card round-trips: the config comes back from the body
    loaded = GANPipeline.from_pretrained(shutil.copytree(hub.uploads[0], tmp_path / "copy"))
    assert loaded.card_data["training"]["output_dir"] == "my-run"
    assert loaded.card_data["training"]["dataset"] == "local image folder"


def test_repush_keeps_what_the_user_wrote(run_dir, hub):
    push_folder(str(run_dir), "org/shoe-gan")
    card = (hub.uploads[0] / "README.md").read_text()
    # the user edits the card on the Hub: a header key, a paragraph between hfgan's sections and one at the end
    card = card.replace("library_name: hfgan", "library_name: hfgan\nlanguage: en")
    card = card.replace("<!-- hfgan:start:usage -->", "My notes on the data.\n\n<!-- hfgan:start:usage -->")
    card += "\n## Limitations\n\nOnly sneakers.\n"
    (hub.uploads[0] / "README.md").write_text(card)
    pipe = GANPipeline.from_pretrained(run_dir)
    pipe.card_data["metrics"] = [{"type": "fid", "value": 12.5, "split": "test", "num_samples": 100}]
    pipe.save_pretrained(run_dir)
    push_folder(str(run_dir), "org/shoe-gan")
    text = (hub.uploads[1] / "README.md").read_text()
    assert "language: en" in text and "My notes on the data." in text and "Only sneakers." in text
    assert text.index("My notes") < text.index("## Usage") and text.rstrip().endswith("Only sneakers.")
    assert text.count("## Usage") == 1 and text.count("My notes") == 1 and "| FID | 12.5 |" in text
    assert text.index("## Evaluation") < text.index("## Training")


def test_merge_cards_keeps_a_users_card_without_markers():
    new = "---\nlibrary_name: hfgan\ntags:\n- gan\n---\n\n<!-- hfgan:start:header -->\n# x\n<!-- hfgan:end:header -->\n"
    merged = merge_cards("---\nlicense: apache-2.0\ntags:\n- shoes\n---\nWritten by hand.\n", new)
    meta = yaml.safe_load(merged.split("---\n")[1])
    assert meta["license"] == "apache-2.0" and meta["tags"] == ["gan", "shoes"]
    assert merged.index("# x") < merged.index("Written by hand.")
    assert merge_cards(None, new) == new


def test_save_pretrained_into_a_folder_keeps_the_users_card_text(saved_pipeline_dir, tmp_path):
    folder = shutil.copytree(saved_pipeline_dir, tmp_path / "p")
    card = (folder / "README.md").read_text() + "\nA note of mine.\n"
    (folder / "README.md").write_text(card)
    GANPipeline.from_pretrained(folder).save_pretrained(folder)
    text = (folder / "README.md").read_text()
    assert text.count("A note of mine.") == 1 and text.count("## Usage") == 1
    assert read_card_data(folder)["name"] == "Tiny DCGAN"
