#!/usr/bin/env bash
# Set up hfgan on a fresh Debian/Ubuntu machine: Debian's Fashion-MNIST and Chromium (browser tests), then
# torch==2.13.0 and hfgan with all extras, into
#   - the active virtual environment or conda env, when there is one;
#   - else a virtual environment in .venv/ here (created once) when python3 is externally managed (PEP 668:
#     Debian's and Ubuntu's own python3);
#   - else python3 itself (pyenv, python.org, a container's Python). PYTHON=... picks another interpreter.
# The interpreter is recorded in .hfgan-python: scripts/hfgan and scripts/test.sh use it, nothing needs
# activating. apt runs only for missing packages, as root or through sudo.
# HFGAN_SETUP_DRY_RUN=1 prints what would be done and does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
BASE=${PYTHON:-python3}
DRY=${HFGAN_SETUP_DRY_RUN:-}
run() { if [ -n "$DRY" ]; then echo "would run: $*"; else "$@"; fi; }

choice=$("$BASE" scripts/choose_python.py)  # "env PATH" | "system PATH" | "venv"
packages=(dataset-fashion-mnist chromium)
if [ "$choice" = venv ] && [ ! -x .venv/bin/python ] && ! "$BASE" -c "import ensurepip" 2>/dev/null; then
  packages+=(python3-venv)
fi
missing=()
for package in "${packages[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=()
  elif command -v sudo >/dev/null 2>&1; then SUDO=(sudo)
  else echo "setup.sh: installing ${missing[*]} needs root or sudo" >&2; exit 1
  fi
  run "${SUDO[@]}" apt-get update -qq
  run "${SUDO[@]}" apt-get install -y -qq "${missing[@]}"
fi
if [ "$choice" = venv ]; then
  [ -x .venv/bin/python ] || run "$BASE" -m venv .venv
  PY="$PWD/.venv/bin/python"
  echo "setup.sh: $BASE is externally managed (PEP 668): installing into $PY"
else
  PY="${choice#* }"
  echo "setup.sh: installing into $PY"
fi
# torch first, pinned: a looser requirement would let pip pick a newer CUDA build.
run "$PY" -m pip install -q --disable-pip-version-check "torch==2.13.0"
run "$PY" -m pip install -q --disable-pip-version-check -e ".[dev]"
if [ -z "$DRY" ]; then echo "$PY" > .hfgan-python; fi
echo "setup.sh: done; run hfgan as scripts/hfgan ... (or activate that Python's environment and run hfgan ...)"
