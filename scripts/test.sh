#!/usr/bin/env bash
# The default test suite (fast, CPU). Slow end-to-end tests: scripts/test.sh -m slow
set -euo pipefail
cd "$(dirname "$0")/.."
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 TOKENIZERS_PARALLELISM=false
exec python3 -m pytest -q "$@"
