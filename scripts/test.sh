#!/usr/bin/env bash
# The default test suite (fast, CPU). Slow end-to-end tests: scripts/test.sh -m slow
# Runs with the Python that scripts/setup.sh installed hfgan into (scripts/python.sh): nothing to activate.
set -euo pipefail
cd "$(dirname "$0")/.."
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TOKENIZERS_PARALLELISM=false
PY="$(bash scripts/python.sh)"
export PATH="$(dirname "$PY"):$PATH"  # its console scripts (accelerate, hfgan) first
exec "$PY" -m pytest -q "$@"
