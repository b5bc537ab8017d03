"""Shared fixtures: paths to the real test data and one perception pipeline per session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
VIDEO = SHARED_DATA / "video"
PEOPLE = SHARED_DATA / "images" / "people"
HANDS = SHARED_DATA / "images" / "hands"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session", autouse=True)
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the real test data is missing: expected {SHARED_DATA} beside the project")
    return SHARED_DATA
