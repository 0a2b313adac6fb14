#!/usr/bin/env bash
# Install system packages (Fashion-MNIST, Chromium) and hfgan with all extras on a fresh Debian machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! dpkg -s dataset-fashion-mnist chromium >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq dataset-fashion-mnist chromium >/dev/null
fi
PY=${PYTHON:-python3}
# torch first, pinned: a looser requirement would let pip pick a newer CUDA build.
$PY -m pip install -q --disable-pip-version-check "torch==2.13.0"
$PY -m pip install -q --disable-pip-version-check -e ".[dev]"
