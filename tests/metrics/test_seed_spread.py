"""``hfgan evaluate A B --seeds ...`` (:mod:`hfgan.metrics.seed_spread`): FID of pipelines over several sample seeds,
and their per-seed differences."""

import json

import pytest

from hfgan.cli import main
from hfgan.errors import HFGANError
from hfgan.metrics.seed_spread import spread


@pytest.mark.fashion_mnist
def test_spread_scores_every_seed_in_both_networks_and_differences(tmp_path, make_tiny_pipeline):
    make_tiny_pipeline(sample_size=28).save_pretrained(tmp_path / "a")
    make_tiny_pipeline(sample_size=28, num_classes=10).save_pretrained(tmp_path / "b")
    result = spread([str(tmp_path / "a"), str(tmp_path / "b")], seeds=[0, 1], num_samples=32, progress=False)
    assert set(result["pipelines"]) == {"a", "b"}
    for name in ("a", "b"):
        for feature in ("fashion-mnist-classifier", "fashion-mnist-reporter"):
            s = result["pipelines"][name][feature]
            assert len(s["fid"]) == 2 and all(v > 0 for v in s["fid"])
            assert s["fid"][0] != s["fid"][1]  # a new seed draws new latents
            assert s["mean"] == pytest.approx(sum(s["fid"]) / 2, abs=1e-3)
    diff = result["difference"]["b - a"]["fashion-mnist-reporter"]["fid"]
    a = result["pipelines"]["a"]["fashion-mnist-reporter"]["fid"]
    b = result["pipelines"]["b"]["fashion-mnist-reporter"]["fid"]
    assert diff == pytest.approx([y - x for x, y in zip(a, b)], abs=1e-3)


def test_spread_rejects_repeated_seeds(tmp_path):
    with pytest.raises(HFGANError, match="distinct"):
        spread([str(tmp_path)], seeds=[0, 0])


@pytest.mark.fashion_mnist
def test_evaluate_seeds_writes_the_spread_of_several_pipelines(tmp_path, make_tiny_pipeline, capsys):
    make_tiny_pipeline(sample_size=28).save_pretrained(tmp_path / "a")
    make_tiny_pipeline(sample_size=28, seed=1).save_pretrained(tmp_path / "b")
    out = tmp_path / "spread.json"
    assert main(["evaluate", str(tmp_path / "a"), str(tmp_path / "b"), "--seeds", "0,1", "--num-samples", "32",
                 "--features", "fashion-mnist-reporter", "--no-progress", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    result = json.loads(out.read_text())
    assert result["seeds"] == [0, 1] and result["num_samples"] == 32 and result["split"] == "test"
    assert list(result["pipelines"]["a"]) == ["fashion-mnist-reporter"] and len(result["difference"]["b - a"]
                                                                               ["fashion-mnist-reporter"]["fid"]) == 2
    assert "b - a" in printed and f"wrote {out}" in printed


@pytest.mark.parametrize("flags, expected", [
    (["--seeds", "0,0"], "--seeds must be distinct"),
    (["--seeds", "0,x"], "--seeds must be comma-separated integers"),
    (["--seeds", ","], "--seeds names no seed"),
    (["--seeds", "0,1", "--update-card"], "--update-card does not apply to --seeds"),
    (["--seeds", "0,1", "--seed", "3"], "--seed does not apply to --seeds"),
    ([], "several PIPELINEs are compared over --seeds"),
])
def test_evaluate_seeds_refuses_bad_input_in_one_line(saved_pipeline_dir, tmp_path, capsys, flags, expected):
    pipelines = [str(saved_pipeline_dir)] * (1 if flags else 2)
    assert main(["evaluate", *pipelines, *flags, "--out", str(tmp_path / "m.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hfgan evaluate: error: ") and expected in err and err.count("\n") == 1
    assert not (tmp_path / "m.json").exists()
