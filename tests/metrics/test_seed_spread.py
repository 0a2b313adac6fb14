"""scripts/seed_spread.py: FID of pipelines over several sample seeds, and their per-seed differences."""

import pytest


@pytest.mark.fashion_mnist
def test_spread_scores_every_seed_in_both_networks_and_differences(tmp_path, make_tiny_pipeline, load_script):
    make_tiny_pipeline(sample_size=28).save_pretrained(tmp_path / "a")
    make_tiny_pipeline(sample_size=28, num_classes=10).save_pretrained(tmp_path / "b")
    spread = load_script("seed_spread").spread
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


def test_spread_rejects_repeated_seeds(tmp_path, load_script):
    with pytest.raises(SystemExit, match="distinct"):
        load_script("seed_spread").spread([str(tmp_path)], seeds=[0, 0])
