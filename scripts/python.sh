#!/usr/bin/env bash
# Print the Python that hfgan is installed for: the one scripts/setup.sh recorded in .hfgan-python, else
# .venv/bin/python, else python3. scripts/hfgan and scripts/test.sh run with it, so nothing needs activating.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -f "$root/.hfgan-python" ] && [ -x "$(cat "$root/.hfgan-python")" ]; then
  cat "$root/.hfgan-python"
elif [ -x "$root/.venv/bin/python" ]; then
  echo "$root/.venv/bin/python"
else
  command -v python3
fi
