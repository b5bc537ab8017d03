"""Without ../shared/data the tests that read real footage are skipped, saying why, and the
rest still run; CI (ETIQUETTE_REQUIRE_TEST_DATA=1) makes its absence an error instead."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PURE_AND_REAL = ["tests/vision/test_geometry.py", "tests/vision/test_trunk_h36m.py"]


def _pytest(tmp_path: Path, require: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ETIQUETTE_TEST_DATA": str(tmp_path / "no-such-folder")}
    env.pop("ETIQUETTE_REQUIRE_TEST_DATA", None)
    if require:
        env["ETIQUETTE_REQUIRE_TEST_DATA"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *PURE_AND_REAL],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_unit_tests_run_and_real_data_tests_skip_without_the_data(tmp_path: Path) -> None:
    done = _pytest(tmp_path, require=False)
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout and "1 skipped" in done.stdout
    assert "the real test data is missing" in done.stdout


def test_ci_fails_without_the_data(tmp_path: Path) -> None:
    done = _pytest(tmp_path, require=True)
    assert done.returncode != 0
    assert "the real test data is missing" in done.stdout + done.stderr
