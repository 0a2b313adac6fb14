#!/usr/bin/env bash
# The default test suite (fast, CPU). Slow end-to-end tests: scripts/test.sh -m slow
# Runs with the Python that scripts/setup.sh installed hfgan into (scripts/python.sh): nothing to activate.
set -euo pipefail
cd "$(dirname "$0")/.."
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TOKENIZERS_PARALLELISM=false
# scripts/run_module.sh: `python -m pytest` with that Python's console scripts (accelerate, hfgan) first on PATH, and
# without the current folder on sys.path (as the `pytest` command runs; the tests import nothing from it)
exec bash scripts/run_module.sh pytest -q "$@"
