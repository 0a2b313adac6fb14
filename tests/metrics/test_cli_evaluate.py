"""``hfgan evaluate``: table, metrics.json, model card update, real-vs-real floor, and one-line errors."""

import json
import shutil

import pytest
import torch
import yaml

from hfgan import DCGANGenerator, GANPipeline
from hfgan.cli import main

pytestmark = pytest.mark.fashion_mnist
QUICK = ["--num-samples", "60", "--batch-size", "32", "--reference-num-images", "1000", "--no-progress"]


def card_header(folder) -> dict:
    text = (folder / "README.md").read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---")[1])


@pytest.fixture
def pipeline_dir(saved_pipeline_dir, tmp_path):
    """A writable copy of the shared tiny unconditional pipeline (card: dataset fashion_mnist, name "Tiny DCGAN")."""
    return shutil.copytree(saved_pipeline_dir, tmp_path / "tiny-dcgan")


def test_evaluate_writes_metrics_json_and_updates_the_card(pipeline_dir, tmp_path, cache_dir, capsys):
    out = tmp_path / "reports" / "metrics.json"
    args = ["evaluate", str(pipeline_dir), *QUICK, "--metrics", "fid,kid,is,pr", "--cache-dir", cache_dir,
            "--out", str(out), "--update-card"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "fid " in printed and "precision" in printed and "feature extraction + metrics" in printed
    assert f"wrote {out}" in printed and "updated" in printed

    report = json.loads(out.read_text())
    assert set(report["metrics"]) == {"fid", "kid", "kid_std", "is", "is_std", "precision", "recall"}
    assert report["features"] == "fashion-mnist-classifier" and report["num_samples"] == 60
    assert report["split"] == "test" and report["reference_num_images"] == 1000 and report["seed"] == 0
    # both Fashion-MNIST networks by default: the selection one first, the independent reporting one after it
    assert [r["features"] for r in report["reports"]] == ["fashion-mnist-classifier", "fashion-mnist-reporter"]
    assert report["reports"][0]["metrics"] == report["metrics"] and "features fashion-mnist-reporter:" in printed

    header = card_header(pipeline_dir)
    result = header["model-index"][0]["results"][0]
    assert result["dataset"]["split"] == "test"
    assert {m["type"] for m in result["metrics"]} == {"fid", "kid", "is", "precision", "recall"}
    fid = next(m for m in result["metrics"] if m["type"] == "fid")
    assert fid["name"] == "FID (fashion-mnist-classifier)" and fid["value"] == pytest.approx(report["metrics"]["fid"], rel=1e-5)
    reporter_fid = next(m for m in result["metrics"] if m["name"] == "FID (fashion-mnist-reporter)")
    assert reporter_fid["value"] == pytest.approx(report["reports"][1]["metrics"]["fid"], rel=1e-5)
    assert header["hfgan"]["name"] == "Tiny DCGAN"  # the other card data is kept
    note = header["hfgan"]["metrics_note"]
    assert "`fashion-mnist-reporter`, an independent residual network" in note and "final weights" in note
    assert GANPipeline.from_pretrained(pipeline_dir).card_data["metrics"][0]["num_samples"] == 60

    # a second evaluation reads the cached reference statistics and replaces (not duplicates) the card entries
    assert main(args[:-1] + ["--metrics", "fid", "--seed", "1", "--update-card"]) == 0
    assert "reference statistics: cached" in capsys.readouterr().out
    metrics = card_header(pipeline_dir)["model-index"][0]["results"][0]["metrics"]
    assert [m["type"] for m in metrics].count("fid") == 2 and len(metrics) == 10  # one per feature space


def test_conditional_pipeline_reports_accuracy(tmp_path, cache_dir, capsys):
    torch.manual_seed(0)
    generator = DCGANGenerator(latent_dim=8, sample_size=28, base_channels=8, max_channels=16, num_classes=10)
    GANPipeline(generator).save_pretrained(tmp_path / "cdcgan")
    out = tmp_path / "metrics.json"
    assert main(["evaluate", str(tmp_path / "cdcgan"), *QUICK, "--metrics", "fid", "--cache-dir", cache_dir,
                 "--out", str(out)]) == 0
    assert set(json.loads(out.read_text())["metrics"]) == {"fid", "accuracy"}
    assert "accuracy" in capsys.readouterr().out


def test_real_vs_real_floor(tmp_path, cache_dir, capsys):
    out = tmp_path / "floor.json"
    assert main(["evaluate", "--real-vs-real", "train", "--split", "test", "--num-samples", "500",
                 "--reference-num-images", "1000", "--metrics", "fid,pr", "--cache-dir", cache_dir, "--no-progress",
                 "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["source"] == "real:fashion_mnist/train" and report["split"] == "test"
    assert report["metrics"]["fid"] < 5 and report["metrics"]["precision"] > 0.6 and report["metrics"]["recall"] > 0.6


@pytest.mark.parametrize("extra, message", [
    (["--metrics", "fid,sharpness"], "unknown metric 'sharpness'"),
    (["--features", "clip"], "unknown --features 'clip'"),
    (["--num-samples", "1"], "--num-samples must be >= 2"),
    (["--dataset", "/nonexistent/images"], "--dataset /nonexistent/images: no such folder"),
    (["--dataset", "org/images"], "needs the FID Inception weights"),  # other data: inception by default
    (["--inception-weights", "x.pth"], "Inception weights file not found: x.pth"),  # weights add inception
    (["--features", "fashion-mnist-reporter", "--inception-weights", "x.pth"],
     "--inception-weights only applies to --features inception"),
    (["--features", "inception", "--inception-weights", "/nonexistent/pt_inception.pth"],
     "Inception weights file not found: /nonexistent/pt_inception.pth"),
])
def test_bad_input_is_one_line(saved_pipeline_dir, tmp_path, capsys, extra, message):
    assert main(["evaluate", str(saved_pipeline_dir), "--out", str(tmp_path / "m.json"), "--no-progress", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hfgan evaluate: error:") and message in err and "\n" not in err


def test_pipeline_and_real_vs_real_exclusive(saved_pipeline_dir, capsys):
    assert main(["evaluate"]) == 2
    assert "give either a PIPELINE" in capsys.readouterr().err
    assert main(["evaluate", str(saved_pipeline_dir), "--real-vs-real", "train"]) == 2
    assert main(["evaluate", "org/some-model", "--update-card"]) == 2
    assert "needs a local pipeline folder" in capsys.readouterr().err
