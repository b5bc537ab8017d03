"""The calibration page's API: a raw snapshot, the current camera file, and saving a new
floor fit and zones (calibration/'s fitting code and checks), then re-running the camera."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import cv2
import numpy as np
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from etiquette.calibration.camera_file import (
    CameraFile,
    MarkedPoint,
    Zones,
    load_camera,
    save_camera,
)
from etiquette.calibration.errors import CalibrationError
from etiquette.calibration.floor_fit import fit_floor, with_floor
from etiquette.service.api.app import Admin, Problem, UrlAdmin
from etiquette.service.api.pages import page
from etiquette.service.cameras.supervisor import Supervisor
from etiquette.service.config import SiteConfig
from etiquette.service.live.state import LiveState

MAX_MARKS = 200  # far more than a floor fit needs (8-20)


class CalibrationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: Annotated[list[MarkedPoint], Field(min_length=4, max_length=MAX_MARKS)]
    zones: Zones


class CalibrationResult(BaseModel):
    saved_to: str
    fit_error_cm: float
    height_m: float | None
    tilt_deg: float | None
    message: str


def _camera_path(site: SiteConfig, name: str) -> Path:
    camera = next((c for c in site.cameras if c.name == name), None)
    if camera is None:
        raise HTTPException(404, f"no camera {name!r}")
    # The service picks this file up again when it restarts (server.with_saved_calibrations).
    return camera.camera_file or site.storage.data_dir / "cameras" / f"{name}.yaml"


def add_calibration_routes(
    app: FastAPI, site: SiteConfig, live: LiveState, supervisor: Supervisor
) -> None:
    @app.get("/calibrate", response_class=HTMLResponse, tags=["pages"])
    def calibrate_page(_: UrlAdmin) -> HTMLResponse:
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
        "/api/cameras/{name}/calibration", responses={404: {"model": Problem}}, tags=["calibration"]
    )
    def current(name: str, _: Admin) -> dict[str, Any]:
        """The camera file as it is now (null if there is none yet)."""
        path = _camera_path(site, name)
        if not path.exists():
            return {"camera_file": None}
        try:
            return {"camera_file": load_camera(path).model_dump(mode="json")}
        except CalibrationError as error:
            raise HTTPException(422, str(error)) from None

    @app.post(
        "/api/cameras/{name}/calibration",
        response_model=CalibrationResult,
        responses={
            404: {"model": Problem},
            422: {
                "description": "Marks that cannot be fitted (Problem), or a malformed request.",
                "content": {
                    "application/json": {
                        "schema": {
                            "anyOf": [
                                {"$ref": "#/components/schemas/Problem"},
                                {"$ref": "#/components/schemas/HTTPValidationError"},
                            ]
                        }
                    }
                },
            },
        },
        tags=["calibration"],
    )
    def save(name: str, request: CalibrationRequest, _: Admin) -> CalibrationResult:
        """Fit the floor to the marks, keep the zones, save the camera file, re-run the camera."""
        path = _camera_path(site, name)
        try:
            camera = load_camera(path) if path.exists() else _new_camera(name, live)
            fit = fit_floor(request.points, camera.intrinsics)
            saved = with_floor(camera, fit).model_copy(update={"zones": request.zones})
        except CalibrationError as error:
            raise HTTPException(422, str(error)) from None
        path.parent.mkdir(parents=True, exist_ok=True)
        save_camera(saved, path)
        camera_config = next(c for c in site.cameras if c.name == name)
        supervisor.reload(camera_config.model_copy(update={"camera_file": path}))
        live.posts = sorted(set(live.posts) | set(saved.zones.posts))
        pose = saved.floor.pose if saved.floor is not None else None
        return CalibrationResult(
            saved_to=str(path),
            fit_error_cm=round(fit.floor.fit_error_cm or 0.0, 2),
            height_m=None if pose is None else round(pose.height_m, 2),
            tilt_deg=None if pose is None else round(pose.tilt_deg, 1),
            message=" ".join(fit.report()),
        )


def _new_camera(name: str, live: LiveState) -> CameraFile:
    jpeg = live.raw(name)
    if jpeg is None:
        raise CalibrationError(f"no picture from camera {name!r} yet, so its size is unknown")
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise CalibrationError(f"the snapshot of camera {name!r} could not be decoded")
    return CameraFile(name=name, image_size=[int(image.shape[1]), int(image.shape[0])])
