"""The second, independent feature extractor (``fashion-mnist-reporter``), reporting in several feature spaces at
once, reference statistics of any image folder, and the one-line refusal of a network that does not fit the data."""

import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

from hfgan import DCGANGenerator, GANPipeline
from hfgan.cli import main
from hfgan.errors import HFGANError
from hfgan.metrics import (
    FashionMNISTClassifier,
    FashionMNISTResNet,
    InceptionFeatureExtractor,
    evaluate_pipeline,
    evaluate_pipeline_features,
    get_feature_extractor,
)

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
ASSETS = os.path.join(ROOT, "hfgan", "metrics", "assets")
CLASSIFIER, REPORTER = "fashion-mnist-classifier", "fashion-mnist-reporter"


def read_card(name: str) -> str:
    with open(os.path.join(ASSETS, name, "README.md"), encoding="utf-8") as f:
        return f.read()


def write_folder(folder, images: np.ndarray) -> str:
    """uint8 ``[N, H, W]`` or ``[N, H, W, 3]`` -> PNG files of an ``imagefolder`` (its one split is ``train``)."""
    os.makedirs(folder, exist_ok=True)
    for i, image in enumerate(images):
        Image.fromarray(image).save(os.path.join(folder, f"{i:03d}.png"))
    return str(folder)


@pytest.fixture(scope="module")
def rgb64_folder(tmp_path_factory):
    """24 random 64x64 RGB images: data that the 28-px grayscale networks do not fit."""
    images = np.random.default_rng(0).integers(0, 256, (24, 64, 64, 3), dtype=np.uint8)
    return write_folder(tmp_path_factory.mktemp("rgb64") / "images", images)


def tiny_pipeline(sample_size=28, channels=1, num_classes=None) -> GANPipeline:
    torch.manual_seed(0)
    return GANPipeline(DCGANGenerator(latent_dim=8, sample_size=sample_size, out_channels=channels, base_channels=8,
                                      max_channels=16, num_classes=num_classes))


# -- the shipped network ---------------------------------------------------------------------------------------
def test_reporter_is_shipped_and_independent_of_the_classifier():
    assert sorted(os.listdir(os.path.join(ASSETS, REPORTER))) == ["README.md", "config.json",
                                                                   "diffusion_pytorch_model.safetensors"]
    reporter, classifier = get_feature_extractor(REPORTER), get_feature_extractor(CLASSIFIER)
    assert isinstance(reporter.classifier, FashionMNISTResNet) and isinstance(classifier.classifier, FashionMNISTClassifier)
    assert not reporter.training and (reporter.num_features, reporter.num_classes) == (128, 10)
    assert reporter.weights_hash != classifier.weights_hash and len(reporter.weights_hash) == 12
    card = read_card(REPORTER)  # the cards say exactly what each network was trained on
    assert "images 30000..59999" in card and "seed 1" in card
    assert "all 60,000 images" in read_card(CLASSIFIER) or "train** split" in read_card(CLASSIFIER)
    gray = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    f_reporter, f_classifier = reporter(gray), classifier(gray)
    assert f_reporter.shape == f_classifier.shape == (8, 128) and not torch.allclose(f_reporter, f_classifier)


@pytest.mark.fashion_mnist
def test_reporter_classifies_held_out_test_images(test_split):
    pixel_values, labels = test_split
    logits = get_feature_extractor(REPORTER).features_and_logits(pixel_values[:1000])[1]
    assert (logits.argmax(1).numpy() == labels[:1000]).mean() >= 0.85


@pytest.mark.slow
@pytest.mark.fashion_mnist
def test_reporter_card_states_its_test_accuracy(test_split):
    pixel_values, labels = test_split
    extractor = get_feature_extractor(REPORTER)
    predictions = torch.cat([extractor.features_and_logits(pixel_values[i:i + 2000])[1].argmax(1)
                             for i in range(0, len(pixel_values), 2000)])
    accuracy = (predictions.numpy() == labels).mean()
    assert accuracy >= 0.88 and f"**Test accuracy: {accuracy * 100:.2f}%**" in read_card(REPORTER)


def test_training_presets_differ_in_network_seed_and_half():
    from hfgan.metrics.extractor_training import EXTRACTORS, ExtractorTraining

    selection, reporting = ExtractorTraining(), ExtractorTraining(extractor=REPORTER)
    assert (selection.seed, selection.train_start, selection.train_end) == (0, 0, 60000)
    assert (reporting.seed, reporting.train_start, reporting.train_end) == (1, 30000, 60000)
    assert reporting.out.endswith(os.path.join("assets", REPORTER))
    assert EXTRACTORS[REPORTER]["model"] is FashionMNISTResNet


# -- fitting the data ------------------------------------------------------------------------------------------
def test_a_28px_grayscale_network_refuses_other_images_naming_inception():
    for name in (CLASSIFIER, REPORTER):
        extractor = get_feature_extractor(name)
        extractor.check_fits(1, 28, "fashion_mnist")  # its own kind of images
        with pytest.raises(HFGANError, match="does not fit 64-px RGB images of my/faces: use --features inception") as err:
            extractor.check_fits(3, 64, "my/faces")
        assert name in str(err.value) and "\n" not in str(err.value)
    InceptionFeatureExtractor(random_init=True, input_size=75).check_fits(3, 64, "my/faces")  # fits any size


def test_cli_refuses_the_classifier_on_64px_rgb_folder(rgb64_folder, tmp_path, capsys):
    tiny_pipeline(64, 3).save_pretrained(tmp_path / "rgb64-dcgan")
    for features in (CLASSIFIER, f"{CLASSIFIER},{REPORTER}"):
        assert main(["evaluate", str(tmp_path / "rgb64-dcgan"), "--dataset", rgb64_folder, "--split", "train",
                     "--features", features, "--num-samples", "8", "--no-progress", "--out", str(tmp_path / "m.json")]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("hfgan evaluate: error: feature extractor 'fashion-mnist-classifier' is a 28-px grayscale")
        assert "use --features inception" in err and "\n" not in err
    assert not (tmp_path / "m.json").exists()


def test_any_image_folder_gets_cached_reference_statistics(rgb64_folder, tmp_path):
    # a random Inception at its smallest input: the numbers mean nothing, the plumbing is tested (KID only: the
    # Frechet distance of 2048-d features takes a matrix square root that is slow on a shared CPU)
    inception = InceptionFeatureExtractor(random_init=True, input_size=75)
    pipe = tiny_pipeline(64, 3)
    cache = str(tmp_path / "cache")
    first = evaluate_pipeline(pipe, dataset=rgb64_folder, split="train", num_samples=8, batch_size=8, metrics="kid",
                              features=inception, cache_dir=cache, progress=False, return_report=True)
    assert first.reference_num_images == 24 and not first.reference_cached and np.isfinite(first.metrics["kid"])
    (name,) = os.listdir(cache)  # keyed by folder, resolution, channels, split and extractor weights
    assert "-64px-3ch-train-inception-random-" in name and name.startswith("images_")
    again = evaluate_pipeline(pipe, dataset=rgb64_folder, split="train", num_samples=8, batch_size=8, metrics="kid",
                              features=inception, cache_dir=cache, progress=False, return_report=True)
    assert again.reference_cached and again.metrics == first.metrics
    gray = evaluate_pipeline(tiny_pipeline(), dataset=rgb64_folder, split="train", num_samples=8, batch_size=8,
                             metrics="kid", features=inception, cache_dir=cache, progress=False, return_report=True)
    assert not gray.reference_cached and len(os.listdir(cache)) == 2  # another resolution: other statistics


@pytest.mark.fashion_mnist
def test_cli_scores_a_28px_folder_with_both_networks(tmp_path, capsys):
    from hfgan.data import load_fashion_mnist_arrays

    images, _ = load_fashion_mnist_arrays("test")
    folder = write_folder(tmp_path / "garments", images[:40])
    tiny_pipeline().save_pretrained(tmp_path / "dcgan")
    args = ["evaluate", str(tmp_path / "dcgan"), "--dataset", folder, "--split", "train", "--num-samples", "16",
            "--metrics", "fid,kid", "--features", f"{CLASSIFIER},{REPORTER}", "--cache-dir", str(tmp_path / "cache"),
            "--no-progress", "--out", str(tmp_path / "m.json"), "--dtype", "float32", "--revision", "main",
            "--token", "unused-for-a-folder"]
    assert main(args) == 0
    report = json.loads((tmp_path / "m.json").read_text())
    assert [r["features"] for r in report["reports"]] == [CLASSIFIER, REPORTER]
    assert all(r["reference_num_images"] == 40 and r["dataset"] == folder for r in report["reports"])
    assert main(args) == 0 and capsys.readouterr().out.count("reference statistics: cached") == 2


# -- one sample, several feature spaces ------------------------------------------------------------------------
@pytest.mark.fashion_mnist
def test_features_share_one_sample_and_match_single_evaluations(cache_dir):
    pipe = tiny_pipeline(num_classes=10)
    kwargs = dict(num_samples=40, batch_size=16, metrics="fid,kid", cache_dir=cache_dir, reference_num_images=1000,
                  progress=False)
    reports = evaluate_pipeline_features(pipe, **kwargs)
    assert [r.features for r in reports] == [CLASSIFIER, REPORTER]
    for report in reports:  # images kept as 8-bit values in between change nothing
        single = evaluate_pipeline(pipe, features=report.features, **kwargs)
        assert report.metrics == pytest.approx(single, rel=1e-6)
        assert set(report.metrics) == {"fid", "kid", "kid_std", "accuracy"}  # accuracy by each network's own logits
    with pytest.raises(HFGANError, match="distinct extractors"):
        evaluate_pipeline_features(pipe, features=[CLASSIFIER, CLASSIFIER], **kwargs)


def test_translation_refuses_a_28px_network_on_other_images(rgb64_folder):
    import hfgan
    from hfgan.metrics import evaluate_translation

    torch.manual_seed(0)
    make = lambda: hfgan.CycleGANGenerator(in_channels=3, out_channels=3, sample_size=64, base_channels=4,  # noqa: E731
                                           num_res_blocks=1)
    pipe = hfgan.GANImageToImagePipeline(generator=make(), generator_reverse=make())
    with pytest.raises(HFGANError, match=f"{REPORTER}' is a 28-px grayscale .* does not fit 64-px RGB images") as err:
        evaluate_translation(pipe, dataset_a=rgb64_folder, dataset_b=rgb64_folder, features=[REPORTER], metrics="fid",
                             split="train", num_samples=4, progress=False)
    assert "use --features inception" in str(err.value) and "\n" not in str(err.value)
