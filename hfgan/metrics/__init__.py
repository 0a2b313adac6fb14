"""FID, KID, Inception Score, precision/recall and class accuracy over pluggable feature extractors.

Offline by default: the feature space is a Fashion-MNIST classifier shipped with hfgan; the FID Inception network
is built here (no torchvision) and needs its weights file (``weights=`` / ``--inception-weights``). Reference
statistics of a real split are cached per extractor (:mod:`hfgan.metrics.reference`).

The trainer's entry point is :func:`evaluate_pipeline` (with :func:`is_better` to keep the best checkpoint);
``hfgan evaluate`` is its command line. Image-to-image pipelines are scored on their test data by
:func:`evaluate_translation` (FID / KID, L1 / PSNR / SSIM against paired targets, target-class rate).
"""

from .classifier import CLASSIFIER_DIR, FashionMNISTClassifier, load_fashion_mnist_classifier
from .evaluate import (
    DEFAULT_METRICS,
    HIGHER_IS_BETTER,
    METRIC_GROUPS,
    EvaluationReport,
    compute_fid,
    compute_metrics,
    evaluate_batches,
    evaluate_images,
    evaluate_pipeline,
    evaluate_real_vs_real,
    is_better,
    merge_card_metrics,
    parse_metrics,
)
from .features import (
    ClassifierFeatureExtractor,
    FeatureExtractor,
    InceptionFeatureExtractor,
    get_feature_extractor,
    list_feature_extractors,
    register_feature_extractor,
)
from .frechet import feature_statistics, fid_from_features, frechet_distance
from .inception_score import inception_score
from .kernel import kernel_inception_distance
from .precision_recall import precision_recall
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
    "evaluate_pipeline", "evaluate_real_vs_real", "is_better", "merge_card_metrics", "parse_metrics",
    "ClassifierFeatureExtractor", "FeatureExtractor", "InceptionFeatureExtractor", "get_feature_extractor",
    "list_feature_extractors", "register_feature_extractor", "feature_statistics", "fid_from_features",
    "frechet_distance", "inception_score", "kernel_inception_distance", "precision_recall", "ReferenceStats",
    "get_reference_stats", "reference_cache_dir", "reference_cache_path", "PAIRED_METRICS", "TRANSLATION_HIGHER_IS_BETTER",
    "UNPAIRED_METRICS", "TranslationReport", "evaluate_translation", "evaluate_translation_sets", "TranslationSet",
]
