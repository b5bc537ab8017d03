"""Shared fixtures: paths to the real test data and one perception pipeline per session."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
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


def read_grey(path: Path) -> np.ndarray:
    """A greyscale image that must exist."""
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert image is not None, f"cannot read {path}"
    return np.asarray(image)


def read_bgr(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert image is not None, f"cannot read {path}"
    return np.asarray(image)
