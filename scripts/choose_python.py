"""Where scripts/setup.sh installs hfgan, decided by the Python that runs this file; prints one line:

- ``env PATH``: an active virtual environment or conda env (PATH is its interpreter): install there;
- ``venv``: an externally managed Python (PEP 668: Debian's and Ubuntu's own python3): make ``.venv/``;
- ``system PATH``: any other Python (pyenv, python.org, a container's): install into it.
"""

import os
import sys
import sysconfig


def choose() -> str:
    in_venv = sys.prefix != sys.base_prefix
    conda = os.environ.get("CONDA_PREFIX")
    in_conda = bool(conda) and os.path.realpath(sys.prefix) == os.path.realpath(conda)
    if in_venv or in_conda:
        return f"env {sys.executable}"
    if os.path.isfile(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")):
        return "venv"
    return f"system {sys.executable}"


if __name__ == "__main__":
    print(choose())
