"""Metrics of image-to-image pipelines (``hfgan.metrics.translation``) and ``hfgan evaluate`` on them."""

import json
import math
import shutil

import pytest
import torch
import yaml

import hfgan
from hfgan.cards import read_card_data
from hfgan.cli import main
from hfgan.errors import HFGANError
from hfgan.metrics import (
    InceptionFeatureExtractor,
    TranslationSet,
    evaluate_translation,
    evaluate_translation_sets,
    get_feature_extractor,
)
from hfgan.metrics.inception import INCEPTION_WEIGHTS_ENV
from hfgan.metrics.translation import translation_features
from hfgan.metrics.translation_data import reference_name

CLASSIFIER = "fashion-mnist-classifier"
REPORTER = "fashion-mnist-reporter"
QUICK = dict(num_samples=64, reference_num_images=300, progress=False)
QUICK_ARGS = ["--num-samples", "64", "--reference-num-images", "300", "--batch-size", "32", "--no-progress"]
EDGES_CARD = {"name": "Tiny Pix2Pix", "dataset": "fashion_mnist_edges",
              "training": {"dataset": "fashion_mnist_edges", "source_column": None, "image_column": None,
                           "paired_layout": "columns", "dataset_a": None, "dataset_b": None}}
DOMAINS = {"A": "fashion_mnist:Sneaker", "B": "fashion_mnist:Ankle boot"}


def tiny_pix2pix(card_data=None):
    torch.manual_seed(0)
    generator = hfgan.Pix2PixGenerator(in_channels=1, out_channels=1, sample_size=28, base_channels=4, max_channels=16)
    discriminator = hfgan.PatchGANDiscriminator(in_channels=1, conditioning_channels=1, sample_size=28, base_channels=4,
                                                max_channels=16)
    pipe = hfgan.GANImageToImagePipeline(generator=generator, discriminator=discriminator)
    pipe.card_data = dict(card_data or {})
    return pipe


def tiny_cyclegan(card_data=None):
    torch.manual_seed(0)
    make = lambda: hfgan.CycleGANGenerator(in_channels=1, out_channels=1, sample_size=28, base_channels=4,  # noqa: E731
                                           num_res_blocks=2)
    pipe = hfgan.GANImageToImagePipeline(generator=make(), generator_reverse=make())
    pipe.card_data = dict(card_data or {})
    return pipe


@pytest.fixture(scope="module")
def pix2pix_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("img2img") / "tiny-pix2pix"
    tiny_pix2pix(EDGES_CARD).save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def bare_cyclegan_dir(tmp_path_factory):
    """A saved two-way pipeline whose card records no data."""
    path = tmp_path_factory.mktemp("img2img") / "tiny-cyclegan"
    tiny_cyclegan().save_pretrained(path)
    return path


def card_header(folder) -> dict:
    return yaml.safe_load((folder / "README.md").read_text(encoding="utf-8").split("---")[1])


# -- the scoring path ----------------------------------------------------------------------------------------
@pytest.mark.fashion_mnist
def test_real_targets_against_themselves_score_perfectly(cache_dir):
    """The identity on real images, scored as a paired and as an unpaired translation through the same code."""
    from hfgan.data import load_fashion_mnist_arrays

    images, labels = load_fashion_mnist_arrays("test")
    real = torch.from_numpy(images[:160, None])  # uint8 [160, 1, 28, 28]
    sneakers = torch.from_numpy(images[labels == 7][:160, None])

    def identity(direction, inputs):
        return inputs.float() / 255

    paired = TranslationSet("forward", "real", "real", real, real, "identity-check", lambda: real.numpy())
    report = evaluate_translation_sets([paired], identity, "paired", "real", cache_dir=cache_dir, progress=False)
    classifier, pixels = report.metrics[CLASSIFIER], report.metrics["pixels"]
    # KID's unbiased estimator leaves out the kernel's diagonal within each side but not across: -O(1/N) for a set
    # against itself (about -0.1 at N = 160, where noise scores above 1 and an untrained generator about 5)
    assert abs(classifier["fid"]) < 1e-3 and -0.2 < classifier["kid"] <= 0
    assert pixels["l1"] == 0.0 and math.isinf(pixels["psnr"]) and pixels["ssim"] == pytest.approx(1.0, abs=1e-6)

    unpaired = TranslationSet("forward", "fashion_mnist:Sneaker", "fashion_mnist:Sneaker", sneakers, None,
                              "identity-check-sneakers", lambda: sneakers.numpy(), target_classes=[7])
    report = evaluate_translation_sets([unpaired], identity, "unpaired", "sneakers", cache_dir=cache_dir, progress=False)
    assert abs(report.metrics[CLASSIFIER]["fid"]) < 1e-3 and report.metrics["pixels"]["l1_to_input"] == 0.0
    assert report.metrics[CLASSIFIER]["target_class_rate"] > 0.9  # the classifier's accuracy on real sneakers


@pytest.mark.fashion_mnist
def test_pix2pix_paired_metrics_from_the_card(cache_dir):
    pipe = tiny_pix2pix(EDGES_CARD)
    report = evaluate_translation(pipe, cache_dir=cache_dir, **QUICK)
    assert report.kind == "paired" and report.dataset == "fashion_mnist_edges" and report.split == "test"
    assert report.directions == {"forward": {
        "source": "fashion_mnist_edges:edges", "target": "fashion_mnist_edges:image", "num_samples": 64,
        "reference_num_images": 300, "reference_cached": {CLASSIFIER: report.directions["forward"]["reference_cached"][CLASSIFIER]}}}
    assert set(report.metrics) == {CLASSIFIER, "pixels"}
    assert set(report.metrics[CLASSIFIER]) == {"fid", "kid", "kid_std"} and set(report.metrics["pixels"]) == {"l1", "psnr", "ssim"}

    # the pixel metrics are those of the pipeline's 8-bit outputs against the first 64 test garments
    from hfgan.data import load_paired_tensor_data

    data = load_paired_tensor_data("fashion_mnist_edges", "test", max_samples=64)
    outputs = (pipe(image=data.sources, output_type="pt").images * 255).round() / 255
    targets = data.targets.float() / 255
    mse = float(((outputs - targets) ** 2).mean())
    pixels = report.metrics["pixels"]
    assert pixels["l1"] == pytest.approx(float((outputs - targets).abs().mean()), rel=1e-5)
    assert pixels["psnr"] == pytest.approx(10 * math.log10(1 / mse), rel=1e-4)
    assert 0 < pixels["ssim"] < 0.5 and report.metrics[CLASSIFIER]["fid"] > 10  # an untrained generator

    again = evaluate_translation(pipe, cache_dir=cache_dir, metrics="fid,ssim", **QUICK)
    assert again.directions["forward"]["reference_cached"] == {CLASSIFIER: True}
    assert again.metrics == {CLASSIFIER: {"fid": report.metrics[CLASSIFIER]["fid"]}, "pixels": {"ssim": pixels["ssim"]}}
    entries = {(m["type"], m["features"]): m for m in report.card_metrics()}
    assert set(entries) == {("fid", CLASSIFIER), ("kid", CLASSIFIER), ("l1", "pixels"), ("psnr", "pixels"), ("ssim", "pixels")}
    assert entries[("fid", CLASSIFIER)]["name"] == f"FID ({CLASSIFIER})" and entries[("ssim", "pixels")]["num_samples"] == 64


@pytest.mark.fashion_mnist
def test_cyclegan_both_directions_from_card_domains_or_arguments(cache_dir):
    pipe = tiny_cyclegan({"dataset": "fashion_mnist", "domains": DOMAINS})
    report = evaluate_translation(pipe, cache_dir=cache_dir, **QUICK)
    assert report.kind == "unpaired" and report.card_dataset == "fashion_mnist"
    assert {d: (v["source"], v["target"]) for d, v in report.directions.items()} == {
        "forward": ("fashion_mnist:Sneaker", "fashion_mnist:Ankle boot"),
        "reverse": ("fashion_mnist:Ankle boot", "fashion_mnist:Sneaker")}
    assert set(report.metrics[CLASSIFIER]) == {f"{d}/{m}" for d in ("forward", "reverse")
                                               for m in ("fid", "kid", "kid_std", "target_class_rate")}
    assert set(report.metrics["pixels"]) == {"forward/l1_to_input", "reverse/l1_to_input"}
    for direction in ("forward", "reverse"):
        assert 0.0 <= report.metrics[CLASSIFIER][f"{direction}/target_class_rate"] <= 1.0
        assert 0.0 < report.metrics["pixels"][f"{direction}/l1_to_input"] < 1.0
    assert "reverse/target_class_rate" in report.table()
    assert {m["name"] for m in report.card_metrics()} >= {f"Target-class rate reverse ({CLASSIFIER})", "L1 to input forward (pixels)"}

    # the training config's domains when the card has none, and arguments over both
    from_config = evaluate_translation(tiny_cyclegan({"training": {"dataset_a": DOMAINS["A"], "dataset_b": DOMAINS["B"]}}),
                                       cache_dir=cache_dir, metrics="l1_to_input", **QUICK)
    assert from_config.directions["forward"]["source"] == "fashion_mnist:Sneaker"
    swapped = evaluate_translation(pipe, dataset_a="fashion_mnist:Bag", dataset_b="fashion_mnist:Sneaker",
                                   cache_dir=cache_dir, metrics="target_class_rate", **QUICK)
    assert swapped.directions["reverse"]["source"] == "fashion_mnist:Sneaker"
    assert set(swapped.metrics) == {CLASSIFIER}  # only what was asked for


@pytest.mark.fashion_mnist
def test_every_feature_space_is_reported(cache_dir):
    torch.manual_seed(0)
    inception = InceptionFeatureExtractor(random_init=True, input_size=75)  # the real network, random weights
    # KID rather than FID (a 2048-d Fréchet distance takes seconds on a busy CPU); a one-way pipeline between two
    # domains, as a one-way unpaired evaluation
    report = evaluate_translation(tiny_pix2pix(), dataset_a=DOMAINS["A"], dataset_b=DOMAINS["B"],
                                  features=[CLASSIFIER, inception], metrics="kid,l1_to_input", num_samples=16,
                                  reference_num_images=32, cache_dir=cache_dir, progress=False)
    assert set(report.metrics) == {CLASSIFIER, "inception", "pixels"}
    assert report.extractors == {CLASSIFIER: get_feature_extractor(CLASSIFIER).weights_hash, "inception": "random"}
    assert all(math.isfinite(v) for values in report.metrics.values() for v in values.values())
    assert {(m["type"], m["features"]) for m in report.card_metrics()} == {("kid", CLASSIFIER), ("kid", "inception"),
                                                                         ("l1_to_input", "pixels")}


def test_default_feature_spaces_follow_the_inception_weights(monkeypatch, tmp_path):
    monkeypatch.delenv(INCEPTION_WEIGHTS_ENV, raising=False)
    assert translation_features() == [CLASSIFIER]
    weights = tmp_path / "pt_inception-2015-12-05-6726825d.pth"
    weights.write_bytes(b"")
    assert translation_features(weights=str(weights)) == [CLASSIFIER, "inception"]
    monkeypatch.setenv(INCEPTION_WEIGHTS_ENV, str(tmp_path / "missing.pth"))
    with pytest.raises(HFGANError, match="Inception weights file not found"):  # never a silent fallback
        translation_features()
    assert translation_features("inception, fashion-mnist-classifier") == ["inception", CLASSIFIER]
    with pytest.raises(HFGANError, match="unknown feature extractor 'clip'"):
        translation_features("clip")


def test_reference_cache_names_are_file_safe():
    assert reference_name("fashion_mnist_edges.image", 28, 1) == "fashion_mnist_edges.image-28px-1ch"
    name = reference_name("fashion_mnist:Ankle boot", 28, 1)
    assert name.startswith("fashion_mnist_Ankle_boot-") and name.endswith("-28px-1ch") and " " not in name
    assert reference_name("/data/a b", 64, 3) != reference_name("/data/a_b", 64, 3)


@pytest.mark.fashion_mnist
def test_library_errors_are_one_line(cache_dir):
    for kwargs, message in (
        ({}, "records no training dataset in its model card"),
        ({"dataset_a": DOMAINS["A"]}, "needs both domains"),
        ({"dataset": "fashion_mnist_edges", "dataset_a": "a", "dataset_b": "b"}, "not both"),
        ({"dataset": "fashion_mnist_edges", "metrics": "fid,is"}, "unknown metric 'is' for paired translation"),
        ({"dataset": "fashion_mnist_edges", "num_samples": 1}, "num_samples must be an integer >= 2"),
        ({"dataset_a": DOMAINS["A"], "dataset_b": "fashion_mnist", "metrics": "target_class_rate", "num_samples": 8},
         "target_class_rate needs a target domain that is a class subset"),
    ):
        with pytest.raises(HFGANError, match=message) as err:
            evaluate_translation(tiny_pix2pix(), cache_dir=cache_dir, progress=False, **kwargs)
        assert "\n" not in str(err.value)
    with pytest.raises(HFGANError, match="expected a GANImageToImagePipeline"):
        evaluate_translation(hfgan.GANPipeline(hfgan.DCGANGenerator(latent_dim=8, sample_size=8, base_channels=8)))


# -- the command line -----------------------------------------------------------------------------------------
@pytest.mark.fashion_mnist
def test_cli_evaluates_a_saved_pix2pix_pipeline_and_updates_its_card(pix2pix_dir, tmp_path, cache_dir, capsys):
    folder = shutil.copytree(pix2pix_dir, tmp_path / "pix2pix")
    out = tmp_path / "metrics.json"
    assert main(["evaluate", str(folder), *QUICK_ARGS, "--cache-dir", cache_dir, "--out", str(out), "--update-card"]) == 0
    printed = capsys.readouterr().out
    assert "(paired translation) on fashion_mnist_edges, test split" in printed and "psnr" in printed
    assert "fashion_mnist_edges:edges -> fashion_mnist_edges:image (test)" in printed and f"updated {folder}" in printed

    report = json.loads(out.read_text())
    assert report["kind"] == "paired" and report["directions"]["forward"]["num_samples"] == 64
    assert set(report["metrics"]["pixels"]) == {"l1", "psnr", "ssim"} and "hfgan_version" in report

    header = card_header(folder)
    result = header["model-index"][0]["results"][0]
    assert result["task"]["type"] == "image-to-image" and result["dataset"]["split"] == "test"
    assert {(m["type"], m["name"]) for m in result["metrics"]} == {  # both Fashion-MNIST networks by default
        ("fid", f"FID ({CLASSIFIER})"), ("kid", f"KID ({CLASSIFIER})"), ("fid", f"FID ({REPORTER})"),
        ("kid", f"KID ({REPORTER})"), ("l1", "L1 to target (pixels)"), ("psnr", "PSNR (pixels)"), ("ssim", "SSIM (pixels)")}
    assert header["hfgan"]["name"] == "Tiny Pix2Pix"  # the training config is in the card's body, once
    assert read_card_data(str(folder))["training"]["dataset"] == "fashion_mnist_edges"
    assert header["hfgan"]["metrics_note"].startswith("Measured with `hfgan evaluate` on the test split")
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "| SSIM (pixels) |" in card and "| pixels | test | 64 |" in card
    reloaded = hfgan.load_pipeline(folder)
    assert {m["type"] for m in reloaded.card_data["metrics"]} == {"fid", "kid", "l1", "psnr", "ssim"}
    assert "`fashion-mnist-reporter`" in header["hfgan"]["metrics_note"]


@pytest.mark.fashion_mnist
def test_cli_takes_domains_for_a_pipeline_without_card_data(bare_cyclegan_dir, tmp_path, cache_dir, capsys):
    out = tmp_path / "metrics.json"
    assert main(["evaluate", str(bare_cyclegan_dir), *QUICK_ARGS, "--dataset-a", DOMAINS["A"], "--dataset-b", DOMAINS["B"],
                 "--metrics", "fid,target_class_rate", "--cache-dir", cache_dir, "--out", str(out)]) == 0
    assert "reverse/target_class_rate" in capsys.readouterr().out
    report = json.loads(out.read_text())
    for features in (CLASSIFIER, REPORTER):  # the target-class rate under each Fashion-MNIST network
        assert set(report["metrics"][features]) == {"forward/fid", "reverse/fid", "forward/target_class_rate",
                                                    "reverse/target_class_rate"}


@pytest.mark.parametrize("extra, message", [
    ([], "records no training dataset in its model card"),
    (["--dataset-a", "fashion_mnist:Sneaker"], "needs both domains"),
    (["--dataset", "fashion_mnist_edges", "--dataset-a", "a", "--dataset-b", "b"], "not both"),
    (["--dataset", "fashion_mnist_edges", "--metrics", "fid,is"], "unknown metric 'is' for paired translation"),
    (["--features", "inception", "--inception-weights", "/nonexistent/pt_inception.pth"], "Inception weights file not found"),
    (["--dataset", "fashion_mnist_edges", "--inception-weights", "/nonexistent/pt_inception.pth"],
     "Inception weights file not found"),
    (["--features", "fashion-mnist-classifier", "--inception-weights", "x.pth"], "only applies to --features inception"),
    (["--num-samples", "1"], "--num-samples must be >= 2"),
])
def test_cli_errors_are_one_line(bare_cyclegan_dir, tmp_path, capsys, extra, message):
    assert main(["evaluate", str(bare_cyclegan_dir), "--out", str(tmp_path / "m.json"), "--no-progress", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hfgan evaluate: error:") and message in err and "\n" not in err


def test_cli_translation_flags_are_refused_for_gan_pipelines(saved_pipeline_dir, tmp_path, capsys):
    assert main(["evaluate", str(saved_pipeline_dir), "--dataset-a", "fashion_mnist:Sneaker", "--out",
                 str(tmp_path / "m.json")]) == 2
    assert "--dataset-a applies to image-to-image pipelines only" in capsys.readouterr().err
