"""The calibration page's API: a raw snapshot, the current camera file, a preview of a fit
(each mark's error, the grid and zones in the picture), saving what the page edited (behind
the fit gate, keeping the previous file), restoring the previous file; the camera re-runs
with the saved file (its pending greeting windows kept: see Supervisor.reload)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response

from etiquette.calibration.camera_file import (
    CameraFile,
    backup_path,
    load_camera,
    restore_previous,
    save_camera,
)
from etiquette.calibration.errors import CalibrationError, Note
from etiquette.calibration.fit_gate import gated_fit
from etiquette.calibration.floor_fit import with_floor
from etiquette.calibration.image_size import fit_to_frames, scaled_note
from etiquette.service.api.app import Admin, Problem
from etiquette.service.api.calibration_models import (
    CalibrationProblem,
    CalibrationRequest,
    CalibrationResult,
    Message,
    PreviewRequest,
    PreviewResult,
    pose_figures,
    problem,
    validation_problem,
)
from etiquette.service.api.calibration_preview import preview
from etiquette.service.api.pages import page
from etiquette.service.cameras.supervisor import Supervisor
from etiquette.service.config import SiteConfig
from etiquette.service.live.state import LiveState, PeopleOnFloor

REFUSED: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body is not JSON."},
    404: {"model": Problem},
    422: {
        "model": CalibrationProblem,
        "description": "Refused, or a malformed request: what is wrong, in English and Chinese.",
    },
}


def _camera_path(site: SiteConfig, name: str) -> Path:
    camera = next((c for c in site.cameras if c.name == name), None)
    if camera is None:
        raise HTTPException(404, f"no camera {name!r}")
    # The service picks this file up again when it restarts (server.with_saved_calibrations).
    return camera.camera_file or site.storage.data_dir / "cameras" / f"{name}.yaml"


def _snapshot_size(live: LiveState, name: str) -> tuple[int, int] | None:
    jpeg = live.raw(name)
    if jpeg is None:
        return None
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    return None if image is None else (int(image.shape[1]), int(image.shape[0]))


def _for_snapshot(camera: CameraFile, path: Path, size: tuple[int, int] | None) -> CameraFile:
    """``camera`` for the snapshot's pixels (scaled at the same aspect ratio; refused at
    another picture size, which the page's clicks cannot be made in)."""
    if size is None:
        return camera
    try:
        return fit_to_frames(camera, *size, camera_file=str(path), source="the camera")
    except CalibrationError as error:
        raise CalibrationError(
            str(error),
            f"标定文件是为 {camera.image_size[0]}x{camera.image_size[1]} 的画面做的，"
            f"而摄像头现在的画面是 {size[0]}x{size[1]}（不是同一画面的缩放）；"
            "请用这个摄像头的标定文件，或按现在的画面重新标定（含镜头标定）",
        ) from None


def _size_note(camera: CameraFile, path: Path, size: tuple[int, int] | None) -> Note | None:
    if size is None:
        return None
    text = scaled_note(camera, *size, str(path.name))
    if text is None:
        return None
    return Note(
        text,
        f"标定文件是为 {camera.image_size[0]}x{camera.image_size[1]} 的画面做的，摄像头现在是 "
        f"{size[0]}x{size[1]}（同一比例）：已按比例换算；如果现在的画面只是原画面的一部分，请重新标定",
    )


def _new_camera(name: str, size: tuple[int, int] | None) -> CameraFile:
    if size is None:
        raise CalibrationError(
            f"no picture from camera {name!r} yet, so its size is unknown; wait until it is online",
            "摄像头还没有画面，无法得知画面大小；请等摄像头在线后再保存",
        )
    return CameraFile(name=name, image_size=[size[0], size[1]])


def _marks_in_picture(camera: CameraFile, request: CalibrationRequest | PreviewRequest) -> None:
    width, height = camera.image_size
    for index, mark in enumerate(request.points or []):
        if not (0 <= mark.u < width and 0 <= mark.v < height):
            raise CalibrationError(
                f"mark {index + 1} lies outside the {width}x{height} picture; click it again",
                f"标记 {index + 1} 在 {width}x{height} 的画面以外；请重新点击",
                index + 1,
            )


def add_calibration_routes(
    app: FastAPI, site: SiteConfig, live: LiveState, supervisor: Supervisor
) -> None:
    async def friendly(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        if "/calibration" in request.url.path:
            return validation_problem(error)
        return await request_validation_exception_handler(request, error)

    app.add_exception_handler(RequestValidationError, friendly)

    def camera_now(name: str) -> tuple[Path, CameraFile, list[Note]]:
        """The camera file as the page works on it (for the snapshot's size)."""
        path, size = _camera_path(site, name), _snapshot_size(live, name)
        if not path.exists():
            return path, _new_camera(name, size), []
        camera = load_camera(path)
        note = _size_note(camera, path, size)
        return path, _for_snapshot(camera, path, size), [] if note is None else [note]

    def rerun(name: str, path: Path) -> None:
        camera_config = next(c for c in site.cameras if c.name == name)
        supervisor.reload(camera_config.model_copy(update={"camera_file": path}))

    @app.get("/calibrate", response_class=HTMLResponse, tags=["pages"])
    def calibrate_page() -> HTMLResponse:
        """Click floor marks on a snapshot, type their metres, draw the door and zones."""
        return page("calibrate.html")

    @app.get(
        "/api/cameras/{name}/raw.jpg",
        tags=["calibration"],
        responses={200: {"content": {"image/jpeg": {}}}, 404: {"model": Problem}},
    )
    def raw_snapshot(name: str, _: Admin) -> Response:
        """A recent full-size frame without drawings."""
        jpeg = live.raw(name)
        if jpeg is None:
            raise HTTPException(404, f"no picture from camera {name!r} yet; is it online?")
        return Response(jpeg, media_type="image/jpeg")

    @app.get(
        "/api/cameras/{name}/people",
        response_model=PeopleOnFloor,
        responses={404: {"model": Problem}},
        tags=["calibration"],
    )
    def people_on_floor(name: str, _: Admin) -> PeopleOnFloor:
        """Where the people in the latest live view stand on the floor (raw-picture feet
        pixels, floor metres, distance to the door line), by the camera file it runs with."""
        _camera_path(site, name)
        return live.people_on_floor(name) or PeopleOnFloor(at=0.0, people=[])

    @app.get("/api/cameras/{name}/calibration", responses=REFUSED, tags=["calibration"])
    def current(name: str, _: Admin) -> Any:
        """The camera file as it is now (null if there is none yet), whether a previous
        file is kept, the fit gate, and a note when the picture's size differs."""
        path = _camera_path(site, name)
        size = _snapshot_size(live, name)
        gate = site.calibration.model_dump()
        if not path.exists():
            return {"camera_file": None, "backup": False, "gate": gate, "notes": []}
        try:
            camera = load_camera(path)
        except CalibrationError as error:
            return problem(error)
        note = _size_note(camera, path, size)
        try:
            shown = _for_snapshot(camera, path, size)
        except CalibrationError as error:
            shown, note = camera, error.note
        return {
            "camera_file": shown.model_dump(mode="json"),
            "backup": backup_path(path).exists(),
            "gate": gate,
            "notes": [] if note is None else [Message.of(note).model_dump()],
        }

    @app.post(
        "/api/cameras/{name}/calibration/preview",
        response_model=PreviewResult,
        responses=REFUSED,
        tags=["calibration"],
    )
    def preview_fit(name: str, request: PreviewRequest, _: Admin) -> Any:
        """Fit the marks without saving: each mark's error (cm), the gate's verdict, the
        floor grid and zones as pixel lines, and pixels <-> floor metres."""
        try:
            camera = camera_now(name)[1]
            _marks_in_picture(camera, request)
        except CalibrationError as error:
            return problem(error)
        return preview(camera, request, site.calibration)

    @app.post(
        "/api/cameras/{name}/calibration",
        response_model=CalibrationResult,
        responses=REFUSED,
        tags=["calibration"],
    )
    def save(name: str, request: CalibrationRequest, _: Admin) -> Any:
        """Save what the page edited (marks: a new floor fit, behind the fit gate; zones:
        only those sent), keeping the previous file; the camera re-runs with it."""
        warnings: list[Note] = []
        fit_error = worst = None
        try:
            path, camera, notes = camera_now(name)
            warnings += notes
            if request.points is not None:
                _marks_in_picture(camera, request)
                gated = gated_fit(request.points, camera.intrinsics, site.calibration)
                camera = with_floor(camera, gated.fit)
                warnings += gated.warnings
                fit_error = round(float(gated.fit.floor.fit_error_cm or 0.0), 2)
                worst = round(float(gated.fit.residuals_cm.max()), 2)
            if request.zones is not None:
                sent = {key: getattr(request.zones, key) for key in request.zones.model_fields_set}
                camera = camera.model_copy(update={"zones": camera.zones.model_copy(update=sent)})
            path.parent.mkdir(parents=True, exist_ok=True)
            save_camera(camera, path, keep_previous=True)
        except CalibrationError as error:
            return problem(error)
        rerun(name, path)
        live.posts = sorted(set(live.posts) | set(camera.zones.posts))
        height, tilt = pose_figures(camera)
        return CalibrationResult(
            fit_error_cm=fit_error,
            worst_mark_cm=worst,
            height_m=height,
            tilt_deg=tilt,
            warnings=[Message.of(note) for note in warnings],
            backup=backup_path(path).exists(),
            image_size=camera.image_size,
        )

    @app.post(
        "/api/cameras/{name}/calibration/restore",
        response_model=CalibrationResult,
        responses=REFUSED,
        tags=["calibration"],
    )
    def restore(name: str, _: Admin) -> Any:
        """Put the previous camera file back (the replaced one is kept in its place, so a
        restore can be undone); the camera re-runs with it."""
        path = _camera_path(site, name)
        try:
            camera = restore_previous(path)
        except CalibrationError as error:
            return problem(error)
        rerun(name, path)
        height, tilt = pose_figures(camera)
        return CalibrationResult(
            fit_error_cm=None if camera.floor is None else camera.floor.fit_error_cm,
            worst_mark_cm=None,
            height_m=height,
            tilt_deg=tilt,
            warnings=[],
            backup=True,
            image_size=camera.image_size,
        )
