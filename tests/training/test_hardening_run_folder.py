"""``--overwrite_output_dir`` clears only what hfgan wrote: the outputs its run record lists (or, for a run written
before run records, its fixed outputs and verified pipeline components), never through a symlink, and it refuses a
folder that holds no hfgan run."""

import json
import os

import pytest

from hfgan.errors import HFGANError
from hfgan.training import rundir
from hfgan.training.checkpoint import list_checkpoints



def _precious(folder):
    (folder / "precious").mkdir(parents=True)
    (folder / "precious" / "thesis.tex").write_text("four years")


def test_a_foreign_model_index_names_nothing_that_overwrite_deletes(tmp_path, train):
    run = tmp_path / "run"
    _precious(run)
    (run / "model_index.json").write_text(json.dumps({"_class_name": "Other", "precious": ["other", "Thing"]}))
    status, out = train(run, "--overwrite_output_dir", max_train_steps=2)
    assert status == 2 and "holds no hfgan run" in out and "\n" not in out.strip(), out
    assert (run / "precious" / "thesis.tex").read_text() == "four years"
    assert not (run / "checkpoints").exists()


def test_a_folder_of_other_files_is_refused_and_an_empty_one_is_used(tmp_path, train):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("mine")
    status, out = train(tmp_path / "run", "--overwrite_output_dir", max_train_steps=2)
    assert status == 2 and "holds no hfgan run" in out and rundir.RUN_RECORD in out
    assert os.listdir(tmp_path / "run") == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    assert train(tmp_path / "empty", "--overwrite_output_dir", max_train_steps=2)[0] == 0


def test_a_run_records_its_own_outputs_and_overwrite_clears_only_those(tmp_path, train):
    run = tmp_path / "run"
    assert train(run, max_train_steps=2)[0] == 0
    recorded = rundir.recorded_entries(str(run))
    assert set(recorded) >= {"samples", "logs", "checkpoints", "generator", "discriminator", "model_index.json",
                             "README.md", "training_config.json", "losses.png", "pipeline_hfgan.py"}
    assert set(recorded) <= set(os.listdir(run))
    _precious(run)  # added after the run: not the run's, whatever model_index.json says
    index = json.loads((run / "model_index.json").read_text())
    (run / "model_index.json").write_text(json.dumps({**index, "precious": ["hfgan", "DCGANGenerator"]}))
    status, out = train(run, "--overwrite_output_dir", max_train_steps=4)
    assert status == 0, out
    assert (run / "precious" / "thesis.tex").read_text() == "four years"
    assert [os.path.basename(p) for p in list_checkpoints(run)] == ["checkpoint-2", "checkpoint-4"]


def test_a_run_of_earlier_versions_loses_only_its_fixed_outputs_and_verified_components(tmp_path, train):
    run = tmp_path / "run"
    assert train(run, max_train_steps=2)[0] == 0
    os.remove(run / rundir.RUN_RECORD)  # as written before run records
    _precious(run)
    (run / "notes.txt").write_text("mine")
    index = json.loads((run / "model_index.json").read_text())
    (run / "model_index.json").write_text(json.dumps({**index, "precious": ["hfgan", "DCGANGenerator"]}))
    stale = rundir.plan(str(run), None, None, overwrite=True)
    names = sorted(os.path.basename(p) for p in stale)
    assert "precious" not in names and "notes.txt" not in names
    assert {"generator", "discriminator", "samples", "checkpoints", "model_index.json"} <= set(names)
    status, out = train(run, "--overwrite_output_dir", max_train_steps=2)
    assert status == 0, out
    assert (run / "precious" / "thesis.tex").read_text() == "four years" and (run / "notes.txt").read_text() == "mine"


def test_a_symlinked_output_is_unlinked_and_its_target_kept(tmp_path, train):
    run = tmp_path / "run"
    assert train(run, max_train_steps=2)[0] == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "step_000100.png").write_bytes(b"kept")
    (elsewhere / "photo.jpg").write_bytes(b"kept")
    for name in ("samples", "logs"):
        os.rename(run / name, tmp_path / f"{name}.old")
        os.symlink(elsewhere, run / name)
    status, out = train(run, "--overwrite_output_dir", max_train_steps=2)
    assert status == 0, out
    assert sorted(os.listdir(elsewhere)) == ["photo.jpg", "step_000100.png"]
    assert not os.path.islink(run / "samples") and os.path.isfile(run / "samples" / "grid.png")


def test_clear_never_follows_a_symlink(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "kept.txt").write_text("kept")
    os.symlink(elsewhere, tmp_path / "link")
    os.symlink(elsewhere / "kept.txt", tmp_path / "file_link")
    rundir.clear([str(tmp_path / "link"), str(tmp_path / "file_link")])
    assert not os.path.lexists(tmp_path / "link") and not os.path.lexists(tmp_path / "file_link")
    assert (elsewhere / "kept.txt").read_text() == "kept"


def test_a_resume_removes_no_stale_frame_through_a_symlinked_samples_folder(tmp_path, train):
    run = tmp_path / "run"
    assert train(run, max_train_steps=2)[0] == 0
    elsewhere = tmp_path / "elsewhere"
    os.rename(run / "samples", elsewhere)
    os.symlink(elsewhere, run / "samples")
    (elsewhere / "step_000003.png").write_bytes(b"kept")
    stale = rundir.plan(str(run), list_checkpoints(run)[-1], "latest", overwrite=False, step=2)
    assert stale == []


@pytest.mark.parametrize("record", ['{"entries": ["../outside"]}', '{"entries": ["a/b"]}', '{"entries": "samples"}',
                                    "not json", '{"entries": [".."]}'])
def test_a_malformed_run_record_is_refused(tmp_path, record):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / rundir.RUN_RECORD).write_text(record)
    (tmp_path / "outside").mkdir()
    with pytest.raises(HFGANError, match=rundir.RUN_RECORD.replace(".", r"\.")) as excinfo:
        rundir.plan(str(tmp_path / "run"), None, None, overwrite=True)
    assert "\n" not in str(excinfo.value)
    assert (tmp_path / "outside").is_dir()


def test_resume_auto_clears_only_an_early_run_not_a_folder_of_logs(tmp_path, train):
    (tmp_path / "run" / "logs").mkdir(parents=True)
    (tmp_path / "run" / "logs" / "mine.txt").write_text("mine")
    status, out = train(tmp_path / "run", "--resume", "auto", max_train_steps=2)
    assert status == 2 and "is not empty" in out
    assert (tmp_path / "run" / "logs" / "mine.txt").read_text() == "mine"


def test_a_resumed_run_of_earlier_versions_records_what_was_its_own(tmp_path, train):
    run = tmp_path / "run"
    assert train(run, max_train_steps=2)[0] == 0
    os.remove(run / rundir.RUN_RECORD)
    _precious(run)
    assert train(run, "--resume", "latest", max_train_steps=4)[0] == 0
    recorded = rundir.recorded_entries(str(run))
    assert {"samples", "checkpoints", "generator", "model_index.json", "README.md"} <= set(recorded)
    assert "precious" not in recorded
