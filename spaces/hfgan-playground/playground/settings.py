"""The Space's limits and defaults (several are read from the environment, see README.md)."""

import os
import re
from pathlib import Path

APP_DIR = Path(__file__).resolve().parents[1]  # the Space folder: app.py, playground/, pipelines/ when deployed

MAX_IMAGES = 64
DEFAULT_IMAGES = 16
MIN_FRAMES, MAX_FRAMES, DEFAULT_FRAMES = 2, 48, 16
MAX_SEED = 2**32 - 1
TRUNCATION_MIN, TRUNCATION_MAX = 0.0, 2.0  # the range GANPipeline accepts
# Generators whose truncation picks standing statistics (BigGAN) take (0, 1]; the slider stops at 0.05.
STANDING_STATS_TRUNCATION_MIN, STANDING_STATS_TRUNCATION_MAX = 0.05, 1.0
MIN_CLASS_STEPS, MAX_CLASS_STEPS, DEFAULT_CLASS_STEPS = 2, 32, 8
MAX_LADDER_ROWS = 8  # the images shown at every resolution of a growing (ProGAN) model
ALL_CLASSES = "All classes (one per image)"
GRID_DISPLAY_WIDTH = 512  # grids are upscaled (nearest) to about this width so 28 px images stay visible
FRAME_DISPLAY_SIZE = 192
CACHE_SIZE = int(os.environ.get("HFGAN_SPACE_CACHE_SIZE", "8"))
CONCURRENCY = int(os.environ.get("HFGAN_SPACE_CONCURRENCY", "2"))
MAX_QUEUE = int(os.environ.get("HFGAN_SPACE_MAX_QUEUE", "64"))
TEMP_MAX_AGE_S = 3600
# The app's files in gradio's cache (outputs, uploads) are kept under this many MB, oldest out first, but
# never one younger than TEMP_MIN_AGE_S (a browser may still be fetching it); swept every TEMP_SWEEP_S.
TEMP_MAX_MB = float(os.environ.get("HFGAN_SPACE_TEMP_MAX_MB", "256"))
TEMP_MIN_AGE_S = float(os.environ.get("HFGAN_SPACE_TEMP_MIN_AGE_S", "60"))
TEMP_SWEEP_S = float(os.environ.get("HFGAN_SPACE_TEMP_SWEEP_S", "5"))
MAX_TEXT_CHARS = 1000  # a model name, class name, seed list or choice; longer text is refused unread
REPO_ID_RE = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
IMAGE_TO_IMAGE = "image-to-image"
# Larger uploads are refused before they are decoded: the limit of `hfgan translate` too.
from hfgan.pipelines.image_processor import MAX_INPUT_PIXELS  # noqa: E402
TRANSLATION_PIPELINE = "GANImageToImagePipeline"  # the model_index.json _class_name of translation pipelines
MAX_MIX_SEEDS = 8  # row seeds and column seeds of the Style mixing tab, each
STYLE_PRESETS = ("coarse", "middle", "fine")  # the thirds of a StyleGAN2 generator's blocks, lowest resolutions first
STYLE_CUSTOM = "custom range"
NOISE_MODES = ("const", "random", "none")
