"""The fit gate: a floor fit is refused when a mark is further off than the site allows,
naming the mark and the likely cause (x and y swapped, a typo in one of them, a mark off
the floor plane or clicked at the wrong spot); a poor but usable fit passes with a warning.

The mark to blame is found by leaving each mark out in turn: the other marks, fitted
without it, say where its pixel is on the floor. Least squares spreads one bad mark's error
over all of them, so the mark with the largest residual is not always the bad one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etiquette.calibration.camera_file import Intrinsics, MarkedPoint
from etiquette.calibration.config import FitGate
from etiquette.calibration.errors import CalibrationError, Note
from etiquette.calibration.floor_fit import FloorFit, fit_floor_unchecked
from etiquette.calibration.projection import FloorProjection

CHECKED_MARKS = 6  # fewer marks leave too little redundancy to check the fit
NEAR_M = 0.15  # a coordinate this close to where the other marks put it is taken as right


@dataclass(frozen=True)
class GatedFit:
    fit: FloorFit
    warnings: list[Note]


@dataclass(frozen=True)
class Suspect:
    index: int  # 0-based
    predicted: np.ndarray  # where the other marks put its pixel on the floor (metres)
    others_worst_cm: float


def gated_fit(marks: list[MarkedPoint], intrinsics: Intrinsics | None, gate: FitGate) -> GatedFit:
    """The floor fit of ``marks``, refused (CalibrationError naming the mark and the likely
    cause) when its worst mark is off by more than the gate; warnings when it is poor."""
    fit = fit_floor_unchecked(marks, intrinsics)
    worst = int(np.argmax(fit.residuals_cm))
    worst_cm = float(fit.residuals_cm[worst])
    if not np.isfinite(worst_cm) or worst_cm > gate.max_mark_error_cm:
        raise _refusal(marks, intrinsics, gate, worst, worst_cm)
    warnings = []
    if worst_cm > gate.warn_mark_error_cm:
        mark = worst + 1
        warnings.append(
            Note(
                f"mark {mark} is {worst_cm:.1f} cm from where the fit puts it (over "
                f"{gate.warn_mark_error_cm:g} cm): saved, but re-measure it or click it "
                "more exactly",
                f"标记 {mark} 与拟合位置相差 {worst_cm:.1f} 厘米（超过 "
                f"{gate.warn_mark_error_cm:g} 厘米）：已保存，但请重新测量或更准确地点击它",
                mark,
            )
        )
    if len(marks) < CHECKED_MARKS:
        exact = intrinsics is None and len(marks) == 4
        warnings.append(
            Note(
                f"only {len(marks)} marks"
                + (": four marks always fit exactly, so nothing checks them" if exact else "")
                + f"; add marks up to at least {CHECKED_MARKS}, spread over the floor",
                f"只有 {len(marks)} 个标记"
                + ("：4 个标记总能完全吻合，无法检查对错" if exact else "")
                + f"；请加到至少 {CHECKED_MARKS} 个，分散在地面上",
            )
        )
    return GatedFit(fit, warnings)


def _refusal(
    marks: list[MarkedPoint],
    intrinsics: Intrinsics | None,
    gate: FitGate,
    worst: int,
    worst_cm: float,
) -> CalibrationError:
    suspect = find_suspect(marks, intrinsics, gate)
    limit = f"{gate.max_mark_error_cm:g}"
    if suspect is None:
        mark = worst + 1
        off = (
            "falls off the fitted floor"
            if not np.isfinite(worst_cm)
            else f"is {worst_cm:.0f} cm off"
        )
        off_zh = "落在拟合的地面以外" if not np.isfinite(worst_cm) else f"相差 {worst_cm:.0f} 厘米"
        return CalibrationError(
            f"fit refused: mark {mark} {off} (the limit is {limit} cm); check its x and y "
            "(swapped? a typo?) and that it lies on the floor; with at least "
            f"{CHECKED_MARKS} marks the check can tell which mark is wrong",
            f"拟合被拒绝：标记 {mark} {off_zh}（上限 {limit} 厘米）；请检查它的 x、y"
            f"（是否填反？是否打错？）以及它是否在地面上；"
            f"有至少 {CHECKED_MARKS} 个标记时能准确指出哪个标记有误",
            mark,
        )
    mark, (px, py) = suspect.index + 1, suspect.predicted
    typed = np.array([marks[suspect.index].x, marks[suspect.index].y])
    error_cm = float(np.linalg.norm(typed - suspect.predicted) * 100)
    cause, cause_zh = _cause(typed, suspect.predicted)
    return CalibrationError(
        f"fit refused: mark {mark} is {error_cm:.0f} cm from where the other marks put it "
        f"(x {px:.2f}, y {py:.2f}; the limit is {limit} cm): {cause}",
        f"拟合被拒绝：标记 {mark} 与其他标记推算的位置（x {px:.2f}，y {py:.2f}）相差 "
        f"{error_cm:.0f} 厘米（上限 {limit} 厘米）：{cause_zh}",
        mark,
    )


def _cause(typed: np.ndarray, predicted: np.ndarray) -> tuple[str, str]:
    """The likely cause of a mark typed at ``typed`` that belongs at ``predicted``."""
    near = np.abs(typed - predicted) <= NEAR_M
    if np.linalg.norm(typed[::-1] - predicted) <= NEAR_M * 1.5:
        return (
            "x and y look swapped; type x first, then y",
            "x 和 y 似乎填反了；请先填 x，再填 y",
        )
    for axis, name in ((0, "x"), (1, "y")):
        if near[1 - axis] and not near[axis]:
            return (
                f"its {name} looks like a typo ({typed[axis]:g} typed, about "
                f"{predicted[axis]:.2f} expected); check the digits and the decimal point",
                f"它的 {name} 似乎打错了（填的是 {typed[axis]:g}，应约为 "
                f"{predicted[axis]:.2f}）；请检查数字和小数点",
            )
    return (
        "the mark may not lie on the floor (a table top, a step, a wall) or was clicked at "
        "the wrong spot, or both x and y are mistyped; re-measure it, click it again, or "
        "remove it",
        "这个标记可能不在地面上（桌面、台阶、墙上），或点击的位置不对，或 x、y 都填错了；"
        "请重新测量、重新点击，或删掉它",
    )


def find_suspect(
    marks: list[MarkedPoint], intrinsics: Intrinsics | None, gate: FitGate
) -> Suspect | None:
    """The mark whose removal leaves the others consistent (within the gate), and where
    they put it; None when no single mark explains the bad fit or too few marks are left."""
    candidates = []
    for index in range(len(marks)):
        others = marks[:index] + marks[index + 1 :]
        try:
            fit = fit_floor_unchecked(others, intrinsics)
        except CalibrationError:
            continue
        others_worst = float(np.max(fit.residuals_cm))
        if not np.isfinite(others_worst) or others_worst > gate.max_mark_error_cm:
            continue
        projection = FloorProjection(np.asarray(fit.floor.homography), intrinsics, fit.floor.pose)
        mark = marks[index]
        predicted = projection.to_floor(np.array([[mark.u, mark.v]]))[0]
        if not np.isfinite(predicted).all():
            continue
        error = float(np.linalg.norm(predicted - [mark.x, mark.y]))
        candidates.append((others_worst, -error, Suspect(index, predicted, others_worst)))
    if not candidates:
        return None
    # The most consistent rest wins; when the rest always fits exactly (four marks left
    # without a lens), the mark furthest from where the rest puts it.
    candidates.sort(key=lambda c: (round(c[0], 1), c[1]))
    return candidates[0][2]
