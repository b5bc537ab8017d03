"""The camera file: one YAML per camera with its intrinsics, floor and zones.

Floor coordinates are metres on a map seen from above: x and y in the floor plane with y
90 degrees counter-clockwise from x, z up. Loading refuses unknown keys, NaN, singular
homographies and missing sections with a message naming the key and the fix.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import yaml
from pydantic import (
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from etiquette.calibration.errors import CalibrationError
from etiquette.settings import Settings

FORMAT_VERSION = 1
MIN_DOOR_M = 0.05
FloorPoint = Annotated[list[float], Field(min_length=2, max_length=2)]


def _finite(values: Any, where: str) -> None:
    array = np.asarray(values, dtype=np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{where} contains NaN or infinity; give real numbers")


class Intrinsics(Settings):
    """Pinhole intrinsics and OpenCV distortion, from `etiquette calibrate intrinsics`."""

    fx: float = Field(gt=0, description="Focal length, pixels, along x.")
    fy: float = Field(gt=0, description="Focal length, pixels, along y.")
    cx: float = Field(description="Principal point x, pixels.")
    cy: float = Field(description="Principal point y, pixels.")
    distortion: list[float] = Field(
        default_factory=lambda: [0.0] * 5,
        description="OpenCV distortion coefficients k1, k2, p1, p2, k3 (4, 5, 8, 12 or 14).",
    )
    rms_px: float | None = Field(None, ge=0, description="RMS reprojection error of the fit.")
    views: int | None = Field(None, ge=0, description="Chessboard views used in the fit.")

    @field_validator("distortion")
    @classmethod
    def _distortion_length(cls, value: list[float]) -> list[float]:
        if len(value) not in (4, 5, 8, 12, 14):
            raise ValueError("needs 4, 5, 8, 12 or 14 coefficients (k1, k2, p1, p2[, k3...])")
        _finite(value, "distortion")
        return value

    def matrix(self) -> np.ndarray:
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    def coefficients(self) -> np.ndarray:
        return np.asarray(self.distortion, dtype=np.float64)


class MarkedPoint(Settings):
    """A floor mark seen in the image: pixel (u, v) in the raw image, floor (x, y) metres."""

    u: float = Field(description="Pixel column in the raw image (as the camera gives it).")
    v: float = Field(description="Pixel row in the raw image.")
    x: float = Field(description="Floor x in metres.")
    y: float = Field(description="Floor y in metres.")


class CameraPose(Settings):
    """Where the camera is over the floor (needs intrinsics). rvec/tvec map floor metres to
    camera coordinates (OpenCV convention); the other fields are derived from them."""

    rvec: list[float] = Field(min_length=3, max_length=3, description="Rodrigues rotation.")
    tvec: list[float] = Field(min_length=3, max_length=3, description="Translation, metres.")
    height_m: float = Field(description="Camera height above the floor (derived).")
    tilt_deg: float = Field(description="Optical axis below horizontal, degrees (derived).")
    roll_deg: float = Field(description="Image x axis above horizontal, degrees (derived).")
    gravity_camera: list[float] = Field(
        min_length=3,
        max_length=3,
        description="Unit vector of gravity (down) in camera coordinates (derived).",
    )


class Floor(Settings):
    """The floor plane: how pixels map to floor metres."""

    homography: list[list[float]] = Field(
        description="3x3 matrix from pixels to floor metres: undistorted pixels when the "
        "camera has intrinsics, raw pixels otherwise."
    )
    points: list[MarkedPoint] = Field(
        default_factory=list, description="The marks it was fitted to."
    )
    fit_error_cm: float | None = Field(None, ge=0, description="RMS floor error of the marks, cm.")
    pose: CameraPose | None = Field(None, description="Camera pose; absent without intrinsics.")

    @field_validator("homography")
    @classmethod
    def _homography(cls, value: list[list[float]]) -> list[list[float]]:
        matrix = np.asarray(value, dtype=np.float64)
        if matrix.shape != (3, 3):
            raise ValueError(f"must be 3x3, got shape {matrix.shape}")
        _finite(matrix, "homography")
        scale = float(np.abs(matrix).max())
        if scale == 0 or abs(np.linalg.det(matrix / scale)) < 1e-12:
            raise ValueError(
                "is singular (determinant ~0); refit it with `etiquette calibrate floor`"
            )
        return value


class DoorLine(Settings):
    """The entrance: a line across the doorway and a point inside the branch."""

    a: FloorPoint = Field(description="One end of the door line, floor metres.")
    b: FloorPoint = Field(description="The other end, floor metres.")
    inside: FloorPoint = Field(description="Any floor point inside the branch (sets the side).")

    @model_validator(mode="after")
    def _usable(self) -> DoorLine:
        a, b, inside = (np.asarray(p, dtype=np.float64) for p in (self.a, self.b, self.inside))
        if float(np.linalg.norm(b - a)) < MIN_DOOR_M:
            raise ValueError("the door line's ends are closer than 5 cm; mark both door posts")
        if abs(float(np.cross(np.append(b - a, 0), np.append(inside - a, 0))[2])) < 1e-9:
            raise ValueError(
                "the inside point lies on the door line; give a point inside the branch"
            )
        return self


MAX_ZONES = 50  # posts, and counters, per camera
MAX_CORNERS = 100  # per polygon
# At least 3 corners: checked below, with the zone's name in the message.
Polygon = Annotated[list[FloorPoint], Field(max_length=MAX_CORNERS)]


class Zones(Settings):
    """Areas on the floor, in metres."""

    door: DoorLine | None = Field(None, description="The door line.")
    arrival_distance_m: float = Field(
        1.0,
        gt=0,
        description="A customer within this distance of the door line, inside, has arrived.",
    )
    posts: dict[str, Polygon] = Field(
        default_factory=dict,
        max_length=MAX_ZONES,
        description="Staff posts by name (e.g. door_post), polygons.",
    )
    counters: dict[str, Polygon] = Field(
        default_factory=dict, max_length=MAX_ZONES, description="Counters by name, polygons."
    )
    queue: Polygon | None = Field(None, description="The queue area, a polygon.")
    areas: dict[str, Polygon] = Field(
        default_factory=dict,
        max_length=MAX_ZONES,
        description="Other floor areas by name, polygons: ticket_machine, self_service and "
        "waiting are where a guided customer is led (and self_service where a second "
        "diversion sends queued customers).",
    )

    @field_validator("posts", "counters", "areas")
    @classmethod
    def _polygons(cls, value: dict[str, list[list[float]]]) -> dict[str, list[list[float]]]:
        for name, polygon in value.items():
            if len(polygon) < 3:
                raise ValueError(f"{name} needs at least 3 corners, got {len(polygon)}")
        return value

    @field_validator("queue")
    @classmethod
    def _queue(cls, value: list[list[float]] | None) -> list[list[float]] | None:
        if value is not None and len(value) < 3:
            raise ValueError(f"the queue needs at least 3 corners, got {len(value)}")
        return value


class CameraFile(Settings):
    """One camera: what its pixels mean on the floor."""

    format_version: int = Field(FORMAT_VERSION, description="Version of this file format.")
    name: str = Field("camera", description="A name for people.")
    image_size: list[int] = Field(min_length=2, max_length=2, description="[width, height] pixels.")
    intrinsics: Intrinsics | None = Field(None, description="Lens; absent if not calibrated.")
    floor: Floor | None = Field(None, description="Floor plane; absent until fitted.")
    zones: Zones = Field(default_factory=Zones, description="Door line and zones.")
    faces_post: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description=(
            "For a camera that faces one staff post from the front (e.g. across a counter, "
            "seeing the staff member from the knees up): everyone it tracks is the staff member "
            "at this post, so bows, gestures and the standing posture are judged without a floor."
        ),
    )

    mount_tilt_deg: float | None = Field(
        None,
        ge=-60,
        le=89,
        description=(
            "With no floor fit (a camera that sees no floor, e.g. across a counter): how far the "
            "camera points below level, in degrees, read with an inclinometer on the camera "
            "(0 = straight ahead). It tells the rules which way is up; a floor fit, when there "
            "is one, is used instead."
        ),
    )

    def gravity(self) -> list[float] | None:
        """Gravity in camera axes (x right, y down, z forward): from the floor fit, else from
        the mounting tilt (no roll), else unknown."""
        if self.floor is not None and self.floor.pose is not None:
            return list(self.floor.pose.gravity_camera)
        if self.mount_tilt_deg is not None:
            tilt = math.radians(self.mount_tilt_deg)
            return [0.0, math.cos(tilt), math.sin(tilt)]
        return None

    @field_validator("format_version")
    @classmethod
    def _version(cls, value: int) -> int:
        if value != FORMAT_VERSION:
            raise ValueError(
                f"this program reads camera files of version {FORMAT_VERSION}; refit the camera"
            )
        return value


def _describe(error: ValidationError, path: Path) -> str:
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        fix = "remove it or check its spelling (see the camera file reference in the README)"
        return f"{path}: unknown key '{key}'; {fix}"
    if kind == "missing":
        return f"{path}: missing key '{key}'; add it (see the camera file reference in the README)"
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{path}: '{key}' {message}"


def load_camera(path: Path) -> CameraFile:
    """Read and check a camera file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CalibrationError(f"{path}: no such camera file; check the path") from None
    except UnicodeDecodeError:
        raise CalibrationError(f"{path}: not a text (YAML) camera file") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CalibrationError(f"{path}: not valid YAML ({error}); fix the file") from None
    if not isinstance(data, dict):
        raise CalibrationError(f"{path}: expected a mapping of keys (format_version, ...)")
    _reject_nan(data, path, "")
    try:
        return CameraFile.model_validate(data)
    except ValidationError as error:
        raise CalibrationError(_describe(error, path)) from None


def _reject_nan(value: Any, path: Path, key: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise CalibrationError(f"{path}: '{key}' is NaN or infinite; give a real number")
    if isinstance(value, dict):
        for name, item in value.items():
            _reject_nan(item, path, f"{key}.{name}" if key else str(name))
    if isinstance(value, list):
        for index, item in enumerate(value):
            _reject_nan(item, path, f"{key}.{index}")


def backup_path(path: Path) -> Path:
    """Where ``save_camera(..., keep_previous=True)`` keeps the file it replaces."""
    return path.with_name(f"{path.stem}.previous{path.suffix or '.yaml'}")


def _write_atomically(text: str, path: Path) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    temporary.replace(path)


def save_camera(camera: CameraFile, path: Path, keep_previous: bool = False) -> None:
    """Write a camera file atomically (a crash never leaves half a file), after checking the
    whole file as it will be read back; ``keep_previous`` first keeps the file it replaces
    as ``backup_path(path)``."""
    text = yaml.safe_dump(camera.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    try:
        CameraFile.model_validate(yaml.safe_load(text))
    except ValidationError as error:
        raise CalibrationError(_describe(error, path)) from None
    if keep_previous and path.exists():
        _write_atomically(path.read_text(encoding="utf-8"), backup_path(path))
    _write_atomically(text, path)


def restore_previous(path: Path) -> CameraFile:
    """Put the kept previous file back in place; the replaced one becomes the previous (so
    a restore can be undone). The previous file is checked first."""
    backup = backup_path(path)
    if not backup.exists():
        raise CalibrationError(
            f"{path}: no previous camera file to restore ({backup.name} does not exist)",
            "没有可恢复的上一版标定文件",
        )
    restored = load_camera(backup)
    current = path.read_text(encoding="utf-8") if path.exists() else None
    _write_atomically(backup.read_text(encoding="utf-8"), path)
    if current is not None:
        _write_atomically(current, backup)
    return restored


def require_floor(camera: CameraFile, path: Path | str) -> Floor:
    if camera.floor is None:
        raise CalibrationError(
            f"{path}: has no floor section; fit it first with `etiquette calibrate floor`"
        )
    return camera.floor
