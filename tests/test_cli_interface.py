"""The command line's shape: fast ``--help`` and ``list`` (no torch or diffusers import), both spellings of every
flag and no abbreviations, ``hfgan env``, the loading flags of generate and translate, one-line Hub errors."""

import os
import subprocess
import sys
import time

import pytest
import torch
from PIL import Image

from hfgan.cli import build_parser, main

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": os.pathsep.join(sys.path)}


def _run(*argv, **kwargs):
    return subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=ENV, timeout=600, **kwargs)


HEAVY = ("torch", "diffusers", "accelerate", "datasets", "huggingface_hub")


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["generate", "--help"], ["train", "--help"], ["env", "--help"]])
def test_help_and_list_import_no_heavy_library(argv):
    code = (f"import sys\nfrom hfgan.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    result = _run("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow  # a fresh interpreter imports torch and diffusers
def test_import_hfgan_is_lazy_and_complete():
    result = _run("-c", "import sys, hfgan; assert 'torch' not in sys.modules and 'diffusers' not in sys.modules; "
                        "from hfgan import GANPipeline, DCGANGenerator, ModelMixin; "
                        "assert all(getattr(hfgan, n) is not None for n in hfgan.__all__); "
                        "assert issubclass(DCGANGenerator, ModelMixin); print(GANPipeline.__name__)")
    assert result.returncode == 0 and result.stdout.strip() == "GANPipeline", result.stderr


@pytest.mark.parametrize("argv", [["--help"], ["list"]])
def test_help_and_list_answer_quickly(argv):
    start = time.perf_counter()
    result = _run("-m", "hfgan.cli", *argv)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    # under 1 s on an idle machine (about 0.1 s of it hfgan's own); slack for a loaded test machine
    assert elapsed < 5.0, f"hfgan {' '.join(argv)} took {elapsed:.2f} s"


def _subparsers(parser):
    return next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices


def test_every_flag_has_both_spellings_and_no_abbreviations():
    parser = build_parser()
    parser.parse_known_args(["list"])
    for name, sub in _subparsers(parser).items():
        assert sub.allow_abbrev is False, name
        sub._add_other_spellings()  # what parsing does first
        for action in sub._actions:
            for option in action.option_strings:
                if option.startswith("--") and ("-" in option[2:] or "_" in option[2:]):
                    other = "--" + (option[2:].replace("-", "_") if "-" in option[2:] else option[2:].replace("_", "-"))
                    assert sub._option_string_actions[other] is action, (name, option)


def test_both_spellings_parse_alike():
    parser = build_parser()
    a = parser.parse_args(["generate", "p", "--num-images", "3", "--class-label", "all", "--local-files-only"])
    b = parser.parse_args(["generate", "p", "--num_images", "3", "--class_label=all", "--local_files_only"])
    assert vars(a) == vars(b) and a.num_images == 3
    a = parser.parse_args(["translate", "p", "x.png", "--out", "o", "--batch-size", "2", "--side-by-side"])
    b = parser.parse_args(["translate", "p", "x.png", "--out", "o", "--batch_size", "2", "--side_by_side"])
    assert vars(a) == vars(b)


def test_help_shows_one_spelling():
    parser = build_parser()
    assert "hyphens or underscores" in parser.format_help()
    text = _subparsers(parser)["generate"].format_help()
    assert "--num-images" in text and "--num_images" not in text


def test_train_overrides_take_both_spellings():
    from hfgan.training import parse_overrides

    parser = build_parser()
    args, extra = parser.parse_known_args(["train", "dcgan-fashion-mnist", "--print_config", "--max-train-steps", "5",
                                           "--output_dir", "runs/x"])
    assert args.print_config and parse_overrides(extra) == {"max_train_steps": "5", "output_dir": "runs/x"}
    assert parse_overrides(["--max_train_steps=5"]) == parse_overrides(["--max-train-steps", "5"])


@pytest.mark.parametrize("argv, message", [
    (["generate", "p", "--num", "2"], "unrecognized arguments: --num 2"),
    (["generate", "p", "--num-image", "2"], "unrecognized arguments: --num-image 2"),
    (["translate", "p", "x.png", "--ou", "o"], "the following arguments are required: --out"),
])
def test_prefixes_are_not_abbreviations(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_env_reports_what_a_bug_report_needs(capsys, tmp_path):
    config = tmp_path / "accelerate.yaml"
    config.write_text("compute_environment: LOCAL_MACHINE\ndistributed_type: 'NO'\nmixed_precision: bf16\nnum_processes: 1\n")
    assert main(["env", "--config_file", str(config)]) == 0
    out = capsys.readouterr().out
    for needed in ("- hfgan version: ", "- Python version: ", "- torch version: ", "- diffusers version: ",
                   "- accelerate version: ", "- huggingface_hub version: ", "- CUDA devices: " if not torch.cuda.is_available()
                   else "- cuda:0: ", f"- Accelerate config file: {config}", "mixed_precision=bf16", "- HF_HUB_OFFLINE: 1"):
        assert needed in out, needed
    assert main(["env", "--config-file", str(tmp_path / "missing.yaml")]) == 2  # asked for by name: it must exist
    assert "missing.yaml: no such file" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["generate", "translate"])
def test_loading_flags(command):
    sub = _subparsers(build_parser())[command]
    text = sub.format_help()
    for flag in ("--revision", "--token", "--dtype", "--device", "--local-files-only"):
        assert flag in text


def test_generate_passes_the_loading_flags(saved_pipeline_dir, tmp_path, monkeypatch, capsys):
    import huggingface_hub

    calls = []

    def fake_snapshot_download(repo_id, **kwargs):
        calls.append((repo_id, kwargs))
        return str(saved_pipeline_dir)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    out = tmp_path / "g.png"
    assert main(["generate", "org/tiny-gan", "--revision", "v1", "--token", "hf_x", "--dtype", "bf16", "--device", "cpu",
                 "--num_images", "4", "--out", str(out)]) == 0, capsys.readouterr().err
    ((repo_id, kwargs),) = calls
    assert repo_id == "org/tiny-gan" and kwargs["revision"] == "v1" and kwargs["token"] == "hf_x"
    assert Image.open(out).size == (2 * 8 + 3 * 2, 2 * 8 + 3 * 2)


def test_translate_takes_dtype(tmp_path, capsys):
    from hfgan import GANImageToImagePipeline, Pix2PixGenerator

    torch.manual_seed(0)
    GANImageToImagePipeline(Pix2PixGenerator(in_channels=1, out_channels=1, sample_size=8, base_channels=4,
                                             max_channels=8)).save_pretrained(tmp_path / "p")
    Image.new("L", (8, 8), 128).save(tmp_path / "x.png")
    assert main(["translate", str(tmp_path / "p"), str(tmp_path / "x.png"), "--out", str(tmp_path / "o"),
                 "--dtype", "float64", "--device", "cpu", "--local_files_only"]) == 0, capsys.readouterr().err
    assert Image.open(tmp_path / "o" / "x.png").size == (8, 8)


def test_bad_dtype_is_a_usage_error(capsys):
    assert main(["generate", "p", "--dtype", "int8"]) == 2
    assert "invalid choice: 'int8'" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["generate", "made-up-org/no-such-gan-xyz", "--revision", "v2"],
                                     ["translate", "made-up-org/no-such-gan-xyz", "IMAGE", "--out", "o"]])
def test_offline_hub_errors_are_one_line(command, tmp_path, capsys):
    Image.new("L", (8, 8)).save(tmp_path / "x.png")
    argv = [str(tmp_path / "x.png") if a == "IMAGE" else a for a in command]
    assert main(argv) == 2  # the test session runs with HF_HUB_OFFLINE=1 (conftest)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "made-up-org/no-such-gan-xyz is not in the local cache (HF_HUB_OFFLINE is set)" in lines[0]
    assert "connect and retry" in lines[0]


@pytest.mark.slow  # a fresh interpreter imports torch and diffusers
@pytest.mark.parametrize("command", [["generate", "made-up-org/no-such-gan-xyz", "--revision", "v2"],
                                     ["translate", "made-up-org/no-such-gan-xyz", "IMAGE", "--out", "o"]])
def test_offline_hub_errors_are_one_line_in_a_subprocess(command, tmp_path):
    Image.new("L", (8, 8)).save(tmp_path / "x.png")
    argv = [str(tmp_path / "x.png") if a == "IMAGE" else a for a in command]
    result = _run("-m", "hfgan.cli", *argv, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "made-up-org/no-such-gan-xyz is not in the local cache (HF_HUB_OFFLINE is set)" in lines[0]
    assert "connect and retry" in lines[0]


def test_push_loads_the_folder_without_a_prior_import_of_the_pipelines(saved_pipeline_dir, monkeypatch, capsys):
    from hfgan import hub

    uploads = []
    monkeypatch.setattr(hub, "upload_folder", lambda folder, repo_id, **kwargs: uploads.append((folder, repo_id)) or "url")
    assert main(["push", str(saved_pipeline_dir), "org/tiny", "--commit_message", "first"]) == 0, capsys.readouterr().err
    assert uploads == [(str(saved_pipeline_dir), "org/tiny")]
