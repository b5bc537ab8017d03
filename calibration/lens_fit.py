"""What the calibration page's views say about the lens: where in the picture boards are
still missing (the distortion is only measured where corners were seen), and the fit (the
same as `etiquette calibrate intrinsics` on the same pictures) with a verdict and advice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from etiquette.calibration.errors import CalibrationError, Note
from etiquette.calibration.intrinsics import (
    Board,
    IntrinsicsFit,
    ViewResult,
    corner_cells,
    fit_views,
)
from etiquette.calibration.lens_views import LensView

COVERAGE_ROWS, COVERAGE_COLUMNS = 4, 6
MIN_FIT_VIEWS = 5  # fewer views leave the distortion poorly determined
GOOD_VIEWS = 10
POOR_RMS_PX = 1.0  # sub-pixel corners on a flat board fit well under this
# The picture's parts as people name them: rows 0 | 1-2 | 3 and columns 0 | 1-4 | 5.
ROW_PARTS = ("top", "middle", "bottom")
COLUMN_PARTS = ("left", "centre", "right")
PART_NAMES = {
    ("top", "left"): ("the top-left corner", "左上角"),
    ("top", "centre"): ("the top edge", "上边"),
    ("top", "right"): ("the top-right corner", "右上角"),
    ("middle", "left"): ("the left edge", "左边"),
    ("middle", "centre"): ("the middle", "中间"),
    ("middle", "right"): ("the right edge", "右边"),
    ("bottom", "left"): ("the bottom-left corner", "左下角"),
    ("bottom", "centre"): ("the bottom edge", "下边"),
    ("bottom", "right"): ("the bottom-right corner", "右下角"),
}
Verdict = Literal["good", "fair", "poor"]


@dataclass(frozen=True)
class Coverage:
    counts: list[list[int]]  # corners seen per cell, rows top to bottom
    missing: list[str]  # parts of the picture with an empty cell, e.g. "bottom-left"
    advice: Note | None


def _row_part(row: int) -> int:
    return 0 if row == 0 else 2 if row == COVERAGE_ROWS - 1 else 1


def _column_part(column: int) -> int:
    return 0 if column == 0 else 2 if column == COVERAGE_COLUMNS - 1 else 1


def coverage(views: list[LensView], size: tuple[int, int] | None) -> Coverage:
    counts = np.zeros((COVERAGE_ROWS, COVERAGE_COLUMNS), dtype=int)
    if size is not None:
        for view in views:
            cells = corner_cells(view.corners, size, COVERAGE_COLUMNS, COVERAGE_ROWS)
            np.add.at(counts, cells, 1)
    parts: list[tuple[str, str]] = []
    for row, column in zip(*np.nonzero(counts == 0), strict=True):
        part = (ROW_PARTS[_row_part(int(row))], COLUMN_PARTS[_column_part(int(column))])
        if part not in parts:
            parts.append(part)
    parts.sort(key=list(PART_NAMES).index)
    missing = [f"{row}-{column}" for row, column in parts]
    if not views or not parts:
        return Coverage(counts.tolist(), missing, None)
    en = ", ".join(PART_NAMES[p][0] for p in parts)
    zh = "、".join(PART_NAMES[p][1] for p in parts)
    advice = Note(
        f"No chessboard view yet at {en} of the picture: hold the board there (all of it in "
        "the picture) and capture a few more",
        f"画面的{zh}还缺少棋盘格视角：请把棋盘拿到那里（整块都在画面里）再拍几张",
    )
    return Coverage(counts.tolist(), missing, advice)


@dataclass(frozen=True)
class LensFit:
    fit: IntrinsicsFit
    view_ids: list[str]  # in the order of fit.views
    verdict: Verdict
    advice: list[Note]

    def view_error(self, view_id: str) -> tuple[float | None, bool]:
        """A view's RMS error (px) and whether the fit left it out as an outlier."""
        if view_id not in self.view_ids:
            return None, False
        result = self.fit.views[self.view_ids.index(view_id)]
        return result.rms_px, result.rejected is not None


def fit_lens(views: list[LensView], board: Board, size: tuple[int, int]) -> LensFit:
    """The lens fitted to ``views`` (at least MIN_FIT_VIEWS), judged, with advice."""
    results = [ViewResult(view.id, True) for view in views]
    corners = [view.corners.reshape(-1, 1, 2).astype(np.float32) for view in views]
    try:
        fit = fit_views(results, corners, board, size)
    except cv2.error:  # e.g. every board seen square-on: the focal length is undetermined
        raise CalibrationError(
            "the views do not determine the lens: tilt the board more (20 to 40 degrees) and "
            "capture it in more places",
            "这些视角还算不出镜头参数：请把棋盘倾斜得更多（20 到 40 度），在更多位置再拍几张",
        ) from None
    verdict, advice = judge(fit, coverage(views, size))
    return LensFit(fit, [view.id for view in views], verdict, advice)


def judge(fit: IntrinsicsFit, covered: Coverage) -> tuple[Verdict, list[Note]]:
    rms, used = fit.rms_px, fit.intrinsics.views or 0
    advice = []
    if rms > POOR_RMS_PX:
        advice.append(
            Note(
                f"The fit's error is {rms:.2f} px, over {POOR_RMS_PX:g} px: the lens is not "
                "measured well enough to save. Delete the views with the largest error (a "
                "blurred picture, a bent or shiny board) and capture sharper ones, the board "
                "flat and held still",
                f"拟合误差 {rms:.2f} 像素，超过 {POOR_RMS_PX:g} 像素：镜头测得不够准，不能保存。"
                "请删掉误差最大的视角（画面模糊、棋盘弯曲或反光），再拍清楚的：棋盘放平、拿稳",
            )
        )
    rejected = [v for v in fit.views if v.rejected is not None]
    if rejected:
        numbers = [str(int(v.path.removeprefix("v"))) for v in rejected]
        advice.append(
            Note(
                f"view {', '.join(numbers)} did not fit the others and was left out: delete "
                "it and capture another",
                f"第 {'、'.join(numbers)} 张与其他视角不符，已不计入：请删掉它，再拍一张",
            )
        )
    if used < GOOD_VIEWS:
        advice.append(
            Note(
                f"{used} views are used; 10 to 20 give a reliable lens: capture "
                f"{GOOD_VIEWS - used} more, the board in other places and tilted",
                f"现在用了 {used} 个视角；10 到 20 个才可靠：请再拍 {GOOD_VIEWS - used} 个，"
                "棋盘放在不同位置、换不同倾斜角度",
            )
        )
    if covered.advice is not None:
        advice.append(covered.advice)
    if rms > POOR_RMS_PX:
        return "poor", advice
    return ("fair" if advice else "good"), advice
