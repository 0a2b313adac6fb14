#!/usr/bin/env bash
# `python -m MODULE ARGS...` with the Python of scripts/python.sh (its console scripts first on PATH), without the
# current folder on sys.path: what `python -P -m` does on Python >= 3.11, here on any Python. A tqdm.py, torch.py
# or hfgan.py in the folder you run from (a downloaded model's, say) is never imported. scripts/hfgan and
# scripts/test.sh run through it.
set -euo pipefail
PY="$(bash "$(dirname "${BASH_SOURCE[0]}")/python.sh")"
export PATH="$(dirname "$PY"):$PATH"
# `python -c` puts "" (the current folder) first on sys.path (unless PYTHONSAFEPATH is set): drop it before importing
# anything that is not built in.
exec "$PY" -c 'import sys
if sys.path[:1] == [""]:
    del sys.path[0]
import runpy
runpy.run_module(sys.argv.pop(1), run_name="__main__", alter_sys=True)' "$@"
