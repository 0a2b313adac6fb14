"""hfgan.metrics.discriminator_gap: a discriminator's logits on train, test and generated images."""

import pytest

from hfgan.errors import HFGANError
from hfgan.metrics.discriminator_gap import measure


@pytest.mark.fashion_mnist
@pytest.mark.parametrize("num_classes", [None, 10])
def test_measure_scores_train_test_and_generated(tmp_path, make_tiny_pipeline, num_classes):
    pipe = make_tiny_pipeline(sample_size=28, num_classes=num_classes)
    pipe.save_pretrained(tmp_path / "pipe")
    result = measure(str(tmp_path / "pipe"), num_images=40, batch_size=16)
    assert result["batch_statistics"] is True  # the tiny DCGAN discriminator has batch norm
    for row in ("train", "test", "generated"):
        stats = result[row]
        assert stats["std"] > 0 and 0.0 <= stats["positive"] <= 1.0
    gap = (result["train"]["mean"] - result["test"]["mean"]) / result["train"]["std"]
    assert result["gap_in_std"] == pytest.approx(gap)


@pytest.mark.fashion_mnist
def test_measure_without_a_discriminator_is_a_clear_error(tmp_path, make_tiny_pipeline):
    make_tiny_pipeline(sample_size=28, discriminator=False).save_pretrained(tmp_path / "pipe")
    with pytest.raises(HFGANError, match="no discriminator"):
        measure(str(tmp_path / "pipe"), num_images=8, batch_size=8)
