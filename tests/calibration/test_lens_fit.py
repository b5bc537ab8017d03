"""The lens step's judgement and coverage, with numbers alone (the fits on the real
chessboard photos are in tests/service/api/test_calibration_lens_api.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from etiquette.calibration.camera_file import Intrinsics
from etiquette.calibration.intrinsics import IntrinsicsFit, ViewResult
from etiquette.calibration.lens_fit import coverage, judge
from etiquette.calibration.lens_views import LensView, LensViews


def _view(number: int, corners: list[tuple[float, float]]) -> LensView:
    return LensView(f"v{number:04d}", number, "upload", "x.jpg", (640, 480), np.array(corners))


def _fit(rms: float, views: int, rejected: int | None = None) -> IntrinsicsFit:
    results = [ViewResult(f"v{i + 1:04d}", True, rms_px=rms) for i in range(views)]
    if rejected is not None:
        results[rejected - 1].rejected = "outlier"
    lens = Intrinsics(fx=600, fy=600, cx=320, cy=240, rms_px=rms, views=views)
    return IntrinsicsFit(lens, rms, results, 1.0, (640, 480))


def test_a_fit_over_one_pixel_is_poor_and_says_what_to_do() -> None:
    everywhere = coverage(
        [_view(1, [(x, y) for x in range(5, 640, 50) for y in range(5, 480, 50)])], (640, 480)
    )
    assert everywhere.advice is None and everywhere.missing == []
    verdict, advice = judge(_fit(1.4, 12), everywhere)
    assert verdict == "poor"
    assert advice[0].zh.startswith("拟合误差 1.40 像素，超过 1 像素") and "不能保存" in advice[0].zh
    assert judge(_fit(0.3, 12), everywhere) == ("good", [])
    verdict, advice = judge(_fit(0.3, 6, rejected=4), everywhere)
    assert verdict == "fair"
    assert [note.zh.split("：")[0] for note in advice] == [
        "第 4 张与其他视角不符，已不计入",
        "现在用了 6 个视角；10 到 20 个才可靠",
    ]


def test_coverage_names_the_parts_of_the_picture_still_missing() -> None:
    # One board in the bottom-left corner only.
    covered = coverage([_view(1, [(20, 460), (60, 420), (130, 400)])], (640, 480))
    counts = np.array(covered.counts)
    assert counts.sum() == 3 and counts[3, 0] == 2 and counts[3, 1] == 1
    assert "bottom-left" not in covered.missing and "top-right" in covered.missing
    assert covered.advice is not None and "左下角" not in covered.advice.zh
    assert "右上角" in covered.advice.zh and "the top-right corner" in covered.advice.en


def test_a_damaged_view_file_is_skipped_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "v0001.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "v0002.json").write_text('{"source": "upload"}', encoding="utf-8")
    assert LensViews(tmp_path).views() == []
