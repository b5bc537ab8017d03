"""The core install on a newer Python than the suite's, where the machine has one (Debian
13's python3.13, Ubuntu 24.04's python3.12, or one on PATH)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
OTHERS = ("python3.13", "python3.12")


def _runs(python: str) -> bool:
    # A pyenv shim is on PATH for every version pyenv knows, but runs only the selected ones.
    try:
        done = subprocess.run([python, "--version"], check=False, capture_output=True, timeout=30)
    except OSError:
        return False
    return done.returncode == 0


def _candidates(name: str) -> list[str]:
    found = [path] if (path := shutil.which(name)) else []
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    return found + sorted(glob.glob(f"{pyenv_root}/versions/{name[6:]}*/bin/{name}"))


def _other_python() -> str | None:
    mine = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for name in OTHERS:
        if name == mine:
            continue
        for python in _candidates(name):
            if _runs(python):
                return python
    return None


@pytest.mark.slow
def test_the_core_installs_and_runs_on_another_python(tmp_path: Path) -> None:
    python = _other_python()
    if python is None:
        pytest.skip(f"none of {', '.join(OTHERS)} on this machine (the suite runs on 3.11)")
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run([venv / "bin" / "pip", "install", "-q", str(ROOT)], check=True, timeout=1200)
    done = subprocess.run(
        [venv / "bin" / "etiquette", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("etiquette ")
    imports = "import etiquette.service.reports.render, etiquette.service.server"
    subprocess.run([venv / "bin" / "python", "-c", imports], cwd=tmp_path, check=True)
    # Installed under one name: no generic top-level module beside other distributions.
    for generic in ("service", "models", "vision", "rules", "calibration"):
        clash = subprocess.run(
            [venv / "bin" / "python", "-c", f"import {generic}"], cwd=tmp_path, check=False
        )
        assert clash.returncode != 0, generic
