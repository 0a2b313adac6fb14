"""Feature extractors: the shipped classifier (accuracy, input adaptation), the registry, and no torchvision."""

import os
import sys

import numpy as np
import pytest
import torch

from hfgan.errors import HFGANError
from hfgan.metrics import FashionMNISTClassifier, get_feature_extractor, list_feature_extractors

ASSETS = os.path.join(os.path.dirname(__file__), "..", "..", "hfgan", "metrics", "assets", "fashion-mnist-classifier")


@pytest.mark.fashion_mnist
def test_shipped_classifier_reaches_90_percent_test_accuracy(test_split):
    pixel_values, labels = test_split
    extractor = get_feature_extractor("fashion-mnist-classifier")
    predictions = torch.cat([extractor.features_and_logits(pixel_values[i:i + 2000])[1].argmax(1)
                             for i in range(0, len(pixel_values), 2000)])
    accuracy = (predictions.numpy() == labels).mean()
    assert accuracy >= 0.90
    with open(os.path.join(ASSETS, "README.md"), encoding="utf-8") as f:  # the card states what the weights do
        assert f"**Test accuracy: {accuracy * 100:.2f}%**" in f.read()


def test_shipped_classifier_files_are_safetensors_with_a_card():
    assert sorted(os.listdir(ASSETS)) == ["README.md", "config.json", "diffusion_pytorch_model.safetensors"]
    extractor = get_feature_extractor("fashion-mnist-classifier")
    assert isinstance(extractor.classifier, FashionMNISTClassifier) and not extractor.training
    assert (extractor.num_features, extractor.num_classes, len(extractor.weights_hash)) == (128, 10, 12)


def test_classifier_extractor_adapts_channels_and_size():
    extractor = get_feature_extractor("fashion-mnist-classifier")
    gray = torch.randint(0, 256, (4, 1, 28, 28), generator=torch.Generator().manual_seed(0)) / 127.5 - 1  # 8-bit levels
    features, logits = extractor.features_and_logits(gray)
    assert features.shape == (4, 128) and logits.shape == (4, 10) and features.dtype == torch.float32
    rgb_features, _ = extractor.features_and_logits(gray.expand(-1, 3, -1, -1))  # equal channels: same luma
    torch.testing.assert_close(rgb_features, features, atol=1e-4, rtol=1e-4)
    assert extractor.features_and_logits(torch.zeros(2, 3, 8, 8))[0].shape == (2, 128)  # tiny RGB, resized up
    # quantized to 8 bits like a saved image: less than half a level (1/255) changes nothing
    torch.testing.assert_close(extractor(gray + 0.003), extractor(gray))


def test_extractor_bad_input_and_unknown_names():
    extractor = get_feature_extractor("fashion-mnist-classifier")
    for bad, message in ((torch.zeros(28, 28), r"\[N, 1 or 3, H, W\]"), (torch.zeros(2, 2, 28, 28), r"\[N, 1 or 3, H, W\]"),
                         (torch.zeros(2, 1, 28, 28, dtype=torch.uint8), "floats"), (np.zeros((2, 1, 28, 28)), "torch.Tensor")):
        with pytest.raises(HFGANError, match=message):
            extractor.features_and_logits(bad)
    with pytest.raises(HFGANError, match="unknown feature extractor 'clip'; known: fashion-mnist-classifier, "
                                         "fashion-mnist-reporter, inception"):
        get_feature_extractor("clip")
    assert list_feature_extractors() == ["fashion-mnist-classifier", "fashion-mnist-reporter", "inception"]
    assert get_feature_extractor("fashion-mnist-classifier") is extractor  # loaded once per process
    with pytest.raises(HFGANError, match="holds no classifier"):
        get_feature_extractor("fashion-mnist-classifier", weights="/nonexistent/classifier")


def test_metrics_never_import_torchvision():
    import hfgan.metrics

    assert "torchvision" not in sys.modules
    folder = os.path.dirname(hfgan.metrics.__file__)
    for name in os.listdir(folder):
        if name.endswith(".py"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                assert "import torchvision" not in f.read() and "from torchvision" not in f.read(), name


def test_both_shipped_networks_load_check_and_hash_alike(tmp_path):
    from hfgan.metrics.classifier import load_fashion_mnist_classifier
    from hfgan.metrics.inception import file_hash
    from hfgan.metrics.reporter import load_fashion_mnist_reporter
    from hfgan.metrics.shipped import asset_dir, weights_hash

    for name, load, what in (("fashion-mnist-classifier", load_fashion_mnist_classifier, "classifier"),
                             ("fashion-mnist-reporter", load_fashion_mnist_reporter, "reporting network")):
        network = load()  # the shipped weights: eval mode, no gradients
        assert not network.training and not any(p.requires_grad for p in network.parameters())
        assert network.num_features == 128
        features, logits = network.features_and_logits(torch.zeros(2, 1, 28, 28))
        assert features.shape == (2, 128) and logits.shape == (2, 10)
        with pytest.raises(HFGANError, match=rf"^{type(network).__name__} expects pixel_values \[N, 1, 28, 28\], got \[2, 3, 28, 28\]$"):
            network(torch.zeros(2, 3, 28, 28))
        assert weights_hash(asset_dir(name)) == file_hash(os.path.join(asset_dir(name), "diffusion_pytorch_model.safetensors"))
        with pytest.raises(HFGANError, match=f"holds no {what} .*train one with `python scripts/train_classifier.py"):
            load(str(tmp_path))
