"""FID, KID, Inception Score, precision/recall and class accuracy over pluggable feature extractors.

Offline by default: the feature spaces are two independent Fashion-MNIST networks shipped with hfgan,
``fashion-mnist-classifier`` (selects checkpoints during training, against the train split) and
``fashion-mnist-reporter`` (a different architecture, seed and training half; reports, with the classifier, against
the test split); the FID Inception network is built here (no torchvision) and needs its weights file (``weights=`` /
``--inception-weights``). Reference statistics of a real split are cached per extractor
(:mod:`hfgan.metrics.reference`), for Fashion-MNIST and for any image folder or Hub dataset.

The trainer's entry point is :func:`evaluate_pipeline` (with :func:`is_better` to keep the best checkpoint);
``hfgan evaluate`` is its command line. Image-to-image pipelines are scored on their test data by
:func:`evaluate_translation` (FID / KID, L1 / PSNR / SSIM against paired targets, target-class rate).
"""

from .classifier import CLASSIFIER_DIR, FashionMNISTClassifier, load_fashion_mnist_classifier
from .batch_scoring import evaluate_batches
from .evaluate import compute_fid, evaluate_images, evaluate_pipeline, evaluate_pipeline_features, evaluate_real_vs_real
from .evaluation_report import EvaluationReport, merge_card_metrics
from .scores import (
    DEFAULT_METRICS,
    HIGHER_IS_BETTER,
    METRIC_GROUPS,
    REPORT_FEATURES,
    compute_metrics,
    is_better,
    parse_metrics,
)
from .features import (
    REPORTING_FEATURES,
    SELECTION_FEATURES,
    ClassifierFeatureExtractor,
    FeatureExtractor,
    InceptionFeatureExtractor,
    get_feature_extractor,
    ReporterFeatureExtractor,
    list_feature_extractors,
    register_feature_extractor,
)
from .frechet import feature_statistics, fid_from_features, frechet_distance
from .inception_score import inception_score
from .kernel import kernel_inception_distance
from .precision_recall import precision_recall
from .reporter import REPORTER_DIR, FashionMNISTResNet, load_fashion_mnist_reporter
from .reference import ReferenceStats, get_reference_stats, reference_cache_dir, reference_cache_path
from .translation import (
    PAIRED_METRICS,
    TRANSLATION_HIGHER_IS_BETTER,
    UNPAIRED_METRICS,
    TranslationReport,
    evaluate_translation,
    evaluate_translation_sets,
)
from .translation_data import TranslationSet

__all__ = [
    "CLASSIFIER_DIR", "FashionMNISTClassifier", "load_fashion_mnist_classifier", "DEFAULT_METRICS", "HIGHER_IS_BETTER",
    "METRIC_GROUPS", "EvaluationReport", "compute_fid", "compute_metrics", "evaluate_batches", "evaluate_images",
    "evaluate_pipeline", "evaluate_pipeline_features", "REPORT_FEATURES", "evaluate_real_vs_real", "is_better", "merge_card_metrics", "parse_metrics",
    "SELECTION_FEATURES", "REPORTING_FEATURES", "ReporterFeatureExtractor", "REPORTER_DIR", "FashionMNISTResNet",
    "load_fashion_mnist_reporter", "ClassifierFeatureExtractor", "FeatureExtractor", "InceptionFeatureExtractor", "get_feature_extractor",
    "list_feature_extractors", "register_feature_extractor", "feature_statistics", "fid_from_features",
    "frechet_distance", "inception_score", "kernel_inception_distance", "precision_recall", "ReferenceStats",
    "get_reference_stats", "reference_cache_dir", "reference_cache_path", "PAIRED_METRICS", "TRANSLATION_HIGHER_IS_BETTER",
    "UNPAIRED_METRICS", "TranslationReport", "evaluate_translation", "evaluate_translation_sets", "TranslationSet",
]
