"""scripts/setup.sh, scripts/hfgan and scripts/test.sh on any Python: which interpreter setup installs into (an
active venv or conda env; .venv/ for an externally managed python3; else python3 itself) and that the launchers
use it. The end-to-end run of the README's first command on Debian's own python3 is slow (``-m slow``)."""

import os
import shutil
import subprocess
import sys
import sysconfig

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEBIAN_PYTHON = "/usr/bin/python3"


def choose(python, **env):
    return subprocess.run([python, os.path.join(ROOT, "scripts", "choose_python.py")], capture_output=True, text=True,
                          check=True, env={**os.environ, **env}).stdout.strip()


def externally_managed(python):
    code = "import os, sysconfig; print(os.path.isfile(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"
    return subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip() == "True"


def test_an_active_venv_or_conda_env_is_used_as_it_is(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CONDA_PREFIX"}
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    venv_python = str(tmp_path / "venv" / "bin" / "python")
    assert choose(venv_python, CONDA_PREFIX="") == f"env {venv_python}"
    # a conda env: CONDA_PREFIX is the running interpreter's prefix
    this = choose(sys.executable, CONDA_PREFIX=sys.prefix)
    assert this == f"env {sys.executable}"
    in_venv = sys.prefix != sys.base_prefix
    plain = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "choose_python.py")], capture_output=True,
                           text=True, check=True, env=env).stdout.strip()
    marker = os.path.isfile(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
    assert plain == (f"env {sys.executable}" if in_venv else "venv" if marker else f"system {sys.executable}")


@pytest.mark.skipif(not (os.path.exists(DEBIAN_PYTHON) and externally_managed(DEBIAN_PYTHON)),
                    reason="no externally managed /usr/bin/python3 here")
def test_an_externally_managed_python_gets_a_venv_here(tmp_path):
    assert choose(DEBIAN_PYTHON, CONDA_PREFIX="") == "venv"
    out = subprocess.run(["bash", os.path.join(ROOT, "scripts", "setup.sh")], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHON": DEBIAN_PYTHON, "HFGAN_SETUP_DRY_RUN": "1", "CONDA_PREFIX": ""}).stdout
    venv_python = os.path.join(ROOT, ".venv", "bin", "python")
    if not os.path.exists(venv_python):
        assert f"would run: {DEBIAN_PYTHON} -m venv .venv" in out
    assert f"would run: {venv_python} -m pip install -q --disable-pip-version-check torch==2.13.0" in out
    assert "externally managed (PEP 668)" in out


def test_setup_dry_run_installs_into_this_python_when_it_is_not_managed():
    if os.path.isfile(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) and sys.prefix == sys.base_prefix:
        pytest.skip("this Python is externally managed")
    out = subprocess.run(["bash", os.path.join(ROOT, "scripts", "setup.sh")], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHON": sys.executable, "HFGAN_SETUP_DRY_RUN": "1"}).stdout
    assert f"setup.sh: installing into {sys.executable}" in out
    assert f"would run: {sys.executable} -m pip install -q --disable-pip-version-check -e .[dev]" in out
    assert "externally managed" not in out and " -m venv " not in out


def _copy_scripts(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(os.path.join(ROOT, "scripts"), root / "scripts", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return root


def test_the_launchers_use_the_recorded_interpreter_then_dot_venv(tmp_path):
    root = _copy_scripts(tmp_path)
    env = {**os.environ, "PYTHONPATH": ROOT}
    (root / ".hfgan-python").write_text(sys.executable + "\n")
    assert subprocess.run(["bash", root / "scripts" / "python.sh"], capture_output=True, text=True).stdout.strip() == sys.executable
    version = subprocess.run([str(root / "scripts" / "hfgan"), "--version"], capture_output=True, text=True, env=env,
                             cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("hfgan "), version.stderr
    os.remove(root / ".hfgan-python")
    (root / ".venv" / "bin").mkdir(parents=True)
    os.symlink(sys.executable, root / ".venv" / "bin" / "python")
    chosen = subprocess.run(["bash", root / "scripts" / "python.sh"], capture_output=True, text=True).stdout.strip()
    assert chosen == str(root / ".venv" / "bin" / "python")


@pytest.mark.slow
@pytest.mark.skipif(not (os.path.exists(DEBIAN_PYTHON) and externally_managed(DEBIAN_PYTHON)),
                    reason="no externally managed /usr/bin/python3 here")
def test_readme_first_command_on_debians_own_python(tmp_path, request):
    """The README's first command, verbatim, where python3 is Debian's (PEP 668): setup makes .venv/ and
    scripts/hfgan uses it. Installs torch and every extra into a fresh venv (tens of minutes on a busy 2-core
    machine), so it runs only when asked for: ``scripts/test.sh -m slow``."""
    if "slow" not in request.config.getoption("markexpr") or "not slow" in request.config.getoption("markexpr"):
        pytest.skip("installs everything into a fresh venv: run with -m slow")
    repo = tmp_path / "repo"
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode == 0:
        for name in filter(None, (f.decode() for f in listed.stdout.split(b"\0"))):
            if os.path.isfile(os.path.join(ROOT, name)):
                os.makedirs(repo / os.path.dirname(name), exist_ok=True)
                shutil.copy2(os.path.join(ROOT, name), repo / name)
    else:  # an unpacked archive
        shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(".venv", ".hfgan-python", "runs", "__pycache__", "*.egg-info"))
    env = {"HOME": os.environ.get("HOME", "/root"), "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "LANG": "C.UTF-8", **{k: v for k, v in os.environ.items() if k.startswith("PIP_")}}
    command = ("bash scripts/setup.sh && scripts/hfgan generate pipelines/stylegan2-fashion-mnist --num-images 64 --seed 0 "
               "--out grid.png")
    done = subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (repo / "grid.png").stat().st_size > 1000
    assert (repo / ".hfgan-python").read_text().strip() == str(repo / ".venv" / "bin" / "python")
