"""What the calibration page shows while an installer works, before anything is saved: each
mark's error in cm, the fit gate's verdict, the floor grid and the zones in the picture, and
pixels <-> floor metres for what is drawn (with the camera's own lens, distortion included)."""

from __future__ import annotations

import numpy as np

from etiquette.calibration.camera_file import CameraFile, Zones
from etiquette.calibration.config import FitGate
from etiquette.calibration.errors import CalibrationError
from etiquette.calibration.fit_gate import gated_fit
from etiquette.calibration.floor_fit import fit_floor_unchecked
from etiquette.calibration.overlay import measured_floor
from etiquette.calibration.picture_lines import grid, pieces, shapes
from etiquette.calibration.projection import FloorProjection
from etiquette.calibration.zones import FloorZones
from etiquette.service.api.calibration_models import (
    Message,
    PreviewRequest,
    PreviewResult,
    ZoneOutline,
)


def _rounded(points: np.ndarray, digits: int) -> list[list[float]]:
    return [[round(float(a), digits), round(float(b), digits)] for a, b in points]


def _pair_or_none(point: np.ndarray, digits: int) -> list[float] | None:
    if not np.isfinite(point).all():
        return None
    return [round(float(point[0]), digits), round(float(point[1]), digits)]


def preview(camera: CameraFile, request: PreviewRequest, gate: FitGate) -> PreviewResult:
    """The fit of ``request``'s marks with ``camera``'s lens, as the page draws it."""
    empty = PreviewResult(
        verdict="refused",
        messages=[],
        residuals_cm=[None] * len(request.points),
        fit_error_cm=None,
        height_m=None,
        tilt_deg=None,
        grid=[],
        zones=[],
        floor=[None] * len(request.to_floor),
        pixels=[None] * len(request.to_pixels),
    )
    try:
        fit = fit_floor_unchecked(request.points, camera.intrinsics)
    except CalibrationError as error:
        return empty.model_copy(update={"messages": [Message.of(error.note)]})
    residuals = [None if not np.isfinite(r) else round(float(r), 1) for r in fit.residuals_cm]
    try:
        gated = gated_fit(request.points, camera.intrinsics, gate)
    except CalibrationError as error:
        return empty.model_copy(
            update={"messages": [Message.of(error.note)], "residuals_cm": residuals}
        )
    floor, size = gated.fit.floor, (camera.image_size[0], camera.image_size[1])
    projection = FloorProjection(np.asarray(floor.homography), camera.intrinsics, floor.pose)
    outlines = [
        ZoneOutline(
            kind=shape.kind,  # type: ignore[arg-type]
            name=shape.name,
            pieces=[_rounded(piece, 1) for piece in pieces(projection, shape.floor, size)],
        )
        for shape in (shapes(request.zones) if request.zones is not None else [])
    ]
    zones = FloorZones(request.zones if request.zones is not None else Zones())
    measured = measured_floor(floor, zones)
    to_floor = projection.to_floor(np.asarray(request.to_floor, dtype=np.float64).reshape(-1, 2))
    wanted = np.asarray(request.to_pixels, dtype=np.float64).reshape(-1, 2)
    in_front = projection.in_front(wanted)
    to_pixels = projection.to_pixels(wanted)
    pose = floor.pose
    return PreviewResult(
        verdict="warn" if gated.warnings else "ok",
        messages=[Message.of(note) for note in gated.warnings],
        residuals_cm=residuals,
        fit_error_cm=round(float(floor.fit_error_cm or 0.0), 2),
        height_m=None if pose is None else round(pose.height_m, 2),
        tilt_deg=None if pose is None else round(pose.tilt_deg, 1),
        grid=[_rounded(line, 1) for line in grid(projection, size, request.grid_m, measured)],
        zones=outlines,
        floor=[_pair_or_none(point, 3) for point in to_floor],
        pixels=[
            _pair_or_none(point, 1) if front else None
            for point, front in zip(to_pixels, in_front, strict=True)
        ],
    )
