"""Shared fixtures: paths to the real test data and one perception pipeline per session."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
# The real footage and images the tests read (never copied into the repository).
SHARED_DATA = Path(os.environ.get("ETIQUETTE_TEST_DATA", ROOT.parent / "shared" / "data"))
# scripts/test.sh sets this, so that CI fails rather than skips when the data is missing.
REQUIRE_SHARED_DATA = os.environ.get("ETIQUETTE_REQUIRE_TEST_DATA") == "1"
VIDEO = SHARED_DATA / "video"
PEOPLE = SHARED_DATA / "images" / "people"
HANDS = SHARED_DATA / "images" / "hands"
TEST_DATA = Path(__file__).resolve().parent / "data"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without the real data, the tests that read it are skipped (saying why) and the rest
    run; with ETIQUETTE_REQUIRE_TEST_DATA=1 its absence is an error instead."""
    if SHARED_DATA.is_dir():
        return
    where = f"the real test data is missing: expected {SHARED_DATA} (ETIQUETTE_TEST_DATA)"
    if REQUIRE_SHARED_DATA:
        raise pytest.UsageError(where)
    skip = pytest.mark.skip(reason=where)
    for item in items:
        if "real_data" in item.keywords:
            item.add_marker(skip)


def read_grey(path: Path) -> np.ndarray:
    """A greyscale image that must exist."""
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert image is not None, f"cannot read {path}"
    return np.asarray(image)


def read_bgr(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"cannot read {path}"
    return np.asarray(image)
