"""The lens step's answers (views, coverage, fit) and its request values read by hand: the
board and square size come as query strings so that a wrong one gets a sentence naming it,
in Chinese and English, never pydantic's raw list."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, Field

from etiquette.calibration.errors import CalibrationError
from etiquette.calibration.intrinsics import Board
from etiquette.calibration.lens_fit import Coverage, LensFit
from etiquette.calibration.lens_views import LensView
from etiquette.service.api.calibration_models import Message

MAX_CORNERS = 30  # per side: far more than printable boards have
MIN_SQUARE_MM, MAX_SQUARE_MM = 5.0, 500.0


class BoardOut(BaseModel):
    columns: int = Field(description="Inner corners along a row.")
    rows: int = Field(description="Inner corners along a column.")
    square_mm: float = Field(
        description="Square size, mm (kept for the record; the lens does not depend on it)."
    )


class ViewOut(BaseModel):
    id: str
    number: int = Field(description="The view's number for people (kept when others go).")
    source: Literal["camera", "upload"]
    label: str = Field(description="The uploaded file's name, or 'camera'.")
    version: str = Field(
        description="Changes with the view's picture (ids start again "
        "after a clear): for caching its picture."
    )
    error_px: float | None = Field(
        description="RMS reprojection error in the fit; null before a fit."
    )
    left_out: bool = Field(description="The fit left the view out as an outlier.")


class CoverageOut(BaseModel):
    rows: int
    columns: int
    counts: list[list[int]] = Field(description="Board corners seen per cell, top row first.")
    missing: list[str] = Field(
        description="Parts of the picture with an empty cell (top-left, middle-right, ...)."
    )
    advice: Message | None


class FitOut(BaseModel):
    rms_px: float
    fx: float
    fy: float
    cx: float
    cy: float
    distortion: list[float]
    views_used: int
    undistortion_shift_px: float = Field(
        description="How far undistortion moves the picture's corners."
    )
    verdict: Literal["good", "fair", "poor"] = Field(
        description="poor: RMS over 1 px (not saved); fair: usable, see advice."
    )
    advice: list[Message]


class CameraLens(BaseModel):
    """The lens in the camera file now."""

    fx: float
    fy: float
    rms_px: float | None
    views: int | None
    image_size: list[int]


class LensState(BaseModel):
    board: BoardOut | None = Field(description="The board the kept views show.")
    image_size: list[int] | None = Field(description="The views' picture size.")
    views: list[ViewOut]
    coverage: CoverageOut
    fit: FitOut | None = Field(description="With at least min_views views, when asked for.")
    min_views: int
    camera_lens: CameraLens | None


class Added(BaseModel):
    view: ViewOut
    state: LensState


class LensSaved(BaseModel):
    rms_px: float
    floor_refitted: bool
    fit_error_cm: float | None
    height_m: float | None
    tilt_deg: float | None
    warnings: list[Message]
    backup: bool


def parse_board(board: str | None, square_mm: str | float | None) -> tuple[Board, float]:
    """The page's board size ("7x7", inner corners) and square size (mm), or a sentence."""
    text = (board or "7x7").strip().lower().replace("×", "x").replace("*", "x")
    parts = text.split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise CalibrationError(
            f"the board size {text[:20]!r} is not COLUMNSxROWS of inner corners: type it like 7x7",
            f"棋盘格大小 “{text[:20]}” 的格式不对：请按“列x行”填写内角点数，例如 7x7",
        )
    columns, rows = (int(p) for p in parts)
    if not (2 <= columns <= MAX_CORNERS and 2 <= rows <= MAX_CORNERS):
        raise CalibrationError(
            f"a board of {columns}x{rows} inner corners cannot be right: count the points "
            f"where four squares meet, 2 to {MAX_CORNERS} each way (a board of 8x8 squares "
            "has 7x7)",
            f"{columns}x{rows} 个内角点不对：请数四个方格相交的点，每个方向 2 到 {MAX_CORNERS} 个"
            "（8x8 个方格的棋盘是 7x7 个内角点）",
        )
    try:
        square = float(str(25 if square_mm is None else square_mm).strip())
    except ValueError:
        square = float("nan")
    if not MIN_SQUARE_MM <= square <= MAX_SQUARE_MM:
        raise CalibrationError(
            f"the square size {str(square_mm)[:20]!r} is not a number of millimetres "
            f"between {MIN_SQUARE_MM:g} and {MAX_SQUARE_MM:g}: measure one square with a "
            "ruler, e.g. 25",
            f"方格边长 “{str(square_mm)[:20]}” 不是 {MIN_SQUARE_MM:g} 到 {MAX_SQUARE_MM:g} "
            "之间的毫米数：请用尺子量一个方格，例如 25",
        )
    return Board(columns, rows, square / 1000), square


def view_out(view: LensView, fit: LensFit | None) -> ViewOut:
    error, left_out = fit.view_error(view.id) if fit is not None else (None, False)
    return ViewOut(
        id=view.id,
        number=view.number,
        source=view.source,
        label=view.label,
        version=hashlib.sha256(view.corners.tobytes()).hexdigest()[:12],
        error_px=None if error is None else round(error, 3),
        left_out=left_out,
    )


def coverage_out(covered: Coverage) -> CoverageOut:
    return CoverageOut(
        rows=len(covered.counts),
        columns=len(covered.counts[0]),
        counts=covered.counts,
        missing=covered.missing,
        advice=None if covered.advice is None else Message.of(covered.advice),
    )


def fit_out(lens: LensFit) -> FitOut:
    fit = lens.fit
    lens_values = fit.intrinsics
    return FitOut(
        rms_px=round(fit.rms_px, 4),
        fx=round(lens_values.fx, 2),
        fy=round(lens_values.fy, 2),
        cx=round(lens_values.cx, 2),
        cy=round(lens_values.cy, 2),
        distortion=[round(c, 5) for c in lens_values.distortion],
        views_used=lens_values.views or 0,
        undistortion_shift_px=round(fit.undistorted_corners_max_shift_px, 1),
        verdict=lens.verdict,
        advice=[Message.of(note) for note in lens.advice],
    )
