"""The FID Inception extractor up to its weights, which cannot be downloaded here (hfgan is offline)."""

import argparse
import os

import pytest
import torch

from hfgan.errors import HFGANError
from hfgan.metrics import InceptionFeatureExtractor, get_feature_extractor
from hfgan.metrics.inception import INCEPTION_WEIGHTS_ENV, FIDInceptionV3, read_state_dict, resize_bilinear_tf1


@pytest.fixture(scope="module")
def random_inception():
    torch.manual_seed(0)
    return InceptionFeatureExtractor(random_init=True, input_size=75)


def test_builds_and_runs_on_random_weights_at_tiny_input(random_inception):
    pixel_values = torch.rand(2, 1, 28, 28) * 2 - 1  # grayscale: tiled to 3 channels
    features, logits = random_inception.features_and_logits(pixel_values)
    assert features.shape == (2, 2048) and logits.shape == (2, 1008)
    assert torch.isfinite(features).all() and torch.isfinite(logits).all()
    torch.testing.assert_close(random_inception(pixel_values.expand(-1, 3, -1, -1)), features)
    assert random_inception.weights_hash == "random"


def test_missing_weights_are_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv(INCEPTION_WEIGHTS_ENV, raising=False)
    with pytest.raises(HFGANError, match="needs the FID Inception weights.*--inception-weights PATH"):
        get_feature_extractor("inception")
    missing = tmp_path / "pt_inception-2015-12-05-6726825d.pth"
    with pytest.raises(HFGANError, match=f"Inception weights file not found: {missing}"):
        get_feature_extractor("inception", weights=str(missing))
    monkeypatch.setenv(INCEPTION_WEIGHTS_ENV, str(missing))
    with pytest.raises(HFGANError, match="not found"):
        InceptionFeatureExtractor()


def test_weights_load_from_safetensors_and_reject_wrong_files(random_inception, tmp_path):
    from safetensors.torch import save_file

    state = {k: v.contiguous() for k, v in random_inception.network.state_dict().items()}
    path = tmp_path / "inception.safetensors"
    save_file(state, str(path))
    loaded = InceptionFeatureExtractor(weights=str(path), input_size=75)
    pixel_values = torch.rand(1, 3, 20, 20) * 2 - 1
    torch.testing.assert_close(loaded(pixel_values), random_inception(pixel_values))
    assert len(loaded.weights_hash) == 12

    state["fc.weight"] = torch.zeros(1000, 2048)  # torchvision's ImageNet head, not the FID graph
    del state["Mixed_7c.branch_pool.conv.weight"]
    save_file(state, str(tmp_path / "wrong.safetensors"))
    with pytest.raises(HFGANError, match=r"not the FID Inception .*1 missing .*fc.weight: \[1000, 2048\] instead of \[1008, 2048\]"):
        InceptionFeatureExtractor(weights=str(tmp_path / "wrong.safetensors"))
    (tmp_path / "garbage.pth").write_bytes(b"not a torch file")
    with pytest.raises(HFGANError, match="could not read Inception weights"):
        InceptionFeatureExtractor(weights=str(tmp_path / "garbage.pth"))


def test_torch_files_are_read_with_weights_only(tmp_path):
    tensors = {"module.fc.bias": torch.ones(3)}
    torch.save({"state_dict": tensors}, tmp_path / "ok.pth")
    assert list(read_state_dict(str(tmp_path / "ok.pth"))) == ["fc.bias"]  # unwrapped, DataParallel prefix removed
    torch.save({"weights": torch.ones(1), "args": argparse.Namespace(lr=1.0)}, tmp_path / "pickle.pth")  # an object
    with pytest.raises(HFGANError, match="could not read Inception weights"):
        read_state_dict(str(tmp_path / "pickle.pth"))


def test_tf1_bilinear_resize():
    x = torch.tensor([[[[0.0, 10.0]]]])  # [1, 1, 1, 2]
    # TF1 (no half-pixel centers): output i samples input i * 2 / 4 -> 0, 0.5, 1, 1.5 (clamped)
    torch.testing.assert_close(resize_bilinear_tf1(x.expand(1, 1, 2, 2), 4)[0, 0, 0], torch.tensor([0.0, 5.0, 10.0, 10.0]))
    image = torch.rand(2, 3, 5, 5)
    torch.testing.assert_close(resize_bilinear_tf1(image, 5), image)
    torch.testing.assert_close(resize_bilinear_tf1(torch.rand(1, 1, 8, 8).expand(1, 1, 8, 8), 4).shape, torch.Size([1, 1, 4, 4]))


def test_state_dict_names_match_the_published_files():
    names = set(FIDInceptionV3().state_dict())
    for key in ("Conv2d_1a_3x3.conv.weight", "Conv2d_4a_3x3.bn.running_var", "Mixed_5b.branch5x5_2.conv.weight",
                "Mixed_6e.branch7x7dbl_5.bn.bias", "Mixed_7c.branch3x3dbl_3b.conv.weight", "fc.weight", "fc.bias"):
        assert key in names
    weights_total = sum(v.numel() for k, v in FIDInceptionV3().state_dict().items() if "num_batches" not in k and "running" not in k)
    # torchvision's inception_v3: 27,161,264 parameters, of which AuxLogits 3,326,696; the FID graph's 1008-way fc
    # adds 8 x (2048 + 1) = 16,392 to the 1000-way one.
    assert weights_total == 27_161_264 - 3_326_696 + 16_392


@pytest.mark.skipif(not os.environ.get(INCEPTION_WEIGHTS_ENV),
                    reason="the FID Inception weights (pt_inception-2015-12-05-6726825d.pth) cannot be downloaded in this "
                           f"offline environment; set {INCEPTION_WEIGHTS_ENV}=PATH to run this test")
def test_real_inception_weights():
    extractor = get_feature_extractor("inception", weights=os.environ[INCEPTION_WEIGHTS_ENV])
    features, logits = extractor.features_and_logits(torch.rand(2, 1, 28, 28) * 2 - 1)
    assert features.shape == (2, 2048) and logits.shape == (2, 1008) and (features >= 0).all()  # pool3 after ReLU
