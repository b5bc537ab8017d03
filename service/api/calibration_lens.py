"""The calibration page's lens step: chessboard views captured from the live camera or
uploaded as photos, kept per camera in DATA/lens/NAME (a reload keeps them), the picture's
coverage, the fit (the same as `etiquette calibrate intrinsics`) and saving it into the
camera file: the floor is refitted from its marks with the new lens, behind the fit gate
(the floor's pixels mean other things under another lens), the previous file kept, and the
camera re-runs with it."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any

import cv2
from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from etiquette.calibration.errors import CalibrationError
from etiquette.service.api.app import Admin
from etiquette.service.api.calibration_lens_models import (
    MAX_SQUARE_MM,
    MIN_SQUARE_MM,
    Added,
    LensSaved,
    LensState,
    parse_board,
)
from etiquette.service.api.calibration_lens_step import LensRequestError, LensStep
from etiquette.service.api.calibration_models import CalibrationProblem, problem
from etiquette.service.cameras.supervisor import Supervisor
from etiquette.service.config import SiteConfig
from etiquette.service.live.state import LiveState

MAX_PHOTO_BYTES = 20_000_000
PHOTO_BODY = {
    kind: {"schema": {"type": "string", "format": "binary"}} for kind in ("image/jpeg", "image/png")
}
CORNERS = "([2-9]|[12][0-9]|30)"  # inner corners each way
BoardSize = Annotated[
    str | None,
    Query(
        pattern=rf"^\s*{CORNERS}\s*[xX×*]\s*{CORNERS}\s*$",
        description="Inner corners, COLUMNSxROWS (default 7x7).",
    ),
]
SquareMm = Annotated[
    float | None,
    Query(ge=MIN_SQUARE_MM, le=MAX_SQUARE_MM, description="Square size, mm (default 25)."),
]
THUMBNAIL_WIDTH = 240
REFUSED: dict[int | str, dict[str, Any]] = {
    code: {"model": CalibrationProblem, "description": why}
    for code, why in (
        (404, "No such camera or view."),
        (409, "The camera has no picture yet."),
        (413, "The photo is too large."),
        (415, "The body is not a picture."),
        (422, "Refused: what is wrong and what to do, in English and Chinese."),
    )
}


async def _read_photo(request: Request) -> bytes:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not kind.startswith("image/"):
        raise LensRequestError(
            415,
            f"the upload is {kind or 'without a type'}, not a picture: send the photo itself "
            "(Content-Type image/jpeg or image/png)",
            "上传的不是照片：请直接上传 JPEG 或 PNG 照片文件",
        )
    declared = request.headers.get("content-length", "")
    body = bytearray()
    if not (declared.isdigit() and int(declared) > MAX_PHOTO_BYTES):
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_PHOTO_BYTES:
                break
    if len(body) > MAX_PHOTO_BYTES or (declared.isdigit() and int(declared) > MAX_PHOTO_BYTES):
        raise LensRequestError(
            413,
            f"the photo is larger than {MAX_PHOTO_BYTES // 1_000_000} MB: send the camera's "
            "own picture (JPEG)",
            f"照片超过 {MAX_PHOTO_BYTES // 1_000_000} MB：请上传摄像头原大小的照片（JPEG）",
        )
    if not body:
        raise CalibrationError("no photo was sent", "没有收到照片：请选择照片文件再上传")
    return bytes(body)


def _thumbnail(path: Path) -> bytes:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        return path.read_bytes()
    scale = THUMBNAIL_WIDTH / image.shape[1]
    if scale < 1:
        image = cv2.resize(image, (THUMBNAIL_WIDTH, round(image.shape[0] * scale)))
    return bytes(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])[1])


def add_lens_routes(
    app: FastAPI, site: SiteConfig, live: LiveState, supervisor: Supervisor
) -> None:
    step = LensStep(site, live, supervisor)
    base = "/api/cameras/{name}/lens"

    def refused(error: CalibrationError) -> JSONResponse:
        return problem(error, error.status if isinstance(error, LensRequestError) else 422)

    previous = app.exception_handlers.get(
        RequestValidationError, request_validation_exception_handler
    )

    async def friendly(request: Request, error: Exception) -> Response:
        """A malformed board or square size: the sentence the routes give for it."""
        if not (request.url.path.startswith("/api/cameras/") and "/lens" in request.url.path):
            answer = previous(request, error)
            return await answer if inspect.isawaitable(answer) else answer
        try:
            parse_board(request.query_params.get("board"), request.query_params.get("square_mm"))
        except CalibrationError as refusal:
            return refused(refusal)
        return refused(
            CalibrationError(
                "the request is malformed: reload the page and try again",
                "请求的格式不对：请刷新页面后再试",
            )
        )

    app.add_exception_handler(RequestValidationError, friendly)

    @app.get(base, response_model=LensState, responses=REFUSED, tags=["calibration"])
    def lens_state(name: str, _: Admin) -> Any:
        """The views kept, the picture's coverage and (with enough views) the fit."""
        try:
            return step.state(name, compute=True)
        except CalibrationError as error:
            return refused(error)

    @app.post(f"{base}/capture", response_model=Added, responses=REFUSED, tags=["calibration"])
    def capture(name: str, _: Admin, board: BoardSize = None, square_mm: SquareMm = None) -> Any:
        """Keep the camera's latest picture as a view (?board=7x7&square_mm=25)."""
        try:
            chosen, square = parse_board(board, square_mm)
            step.camera_path(name)
            jpeg = live.raw(name)
            if jpeg is None:
                raise LensRequestError(
                    409,
                    f"no picture from camera {name!r} yet: wait until it is online, or "
                    "upload photos",
                    f"摄像头 {name} 还没有画面：请等它在线后再拍，或上传照片",
                )
            return step.add(name, jpeg, chosen, square, "camera", "camera")
        except CalibrationError as error:
            return refused(error)

    @app.post(
        f"{base}/views",
        response_model=Added,
        responses=REFUSED,
        tags=["calibration"],
        openapi_extra={"requestBody": {"required": True, "content": PHOTO_BODY}},
    )
    async def upload(
        name: str,
        request: Request,
        _: Admin,
        board: BoardSize = None,
        square_mm: SquareMm = None,
        filename: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Any:
        """Keep an uploaded photo as a view: the body is the JPEG or PNG itself
        (Content-Type image/...), of the camera's own picture size."""
        try:
            chosen, square = parse_board(board, square_mm)
            step.camera_path(name)
            encoded = await _read_photo(request)
        except CalibrationError as error:
            return refused(error)
        try:
            label = (filename or "photo")[:80]
            return await run_in_threadpool(step.add, name, encoded, chosen, square, "upload", label)
        except CalibrationError as error:
            return refused(error)

    @app.get(
        base + "/pictures/{view_id}.jpg",
        responses={200: {"content": {"image/jpeg": {}}}, **REFUSED},
        tags=["calibration"],
    )
    def view_picture(name: str, view_id: str, _: Admin) -> Response:
        """A kept view's picture, small (for the page's list)."""
        try:
            path = step.views(name).picture(view_id)
        except CalibrationError as error:
            return refused(error)
        if path is None:
            return refused(
                LensRequestError(
                    404,
                    f"no view {view_id!r}: it was deleted; reload the page",
                    f"没有这个视角（{view_id}）：可能已经删除；请刷新页面",
                )
            )
        return Response(_thumbnail(path), media_type="image/jpeg")

    @app.delete(
        base + "/views/{view_id}", response_model=LensState, responses=REFUSED, tags=["calibration"]
    )
    def delete_view(name: str, view_id: str, _: Admin) -> Any:
        """Delete one view."""
        try:
            if not step.views(name).delete(view_id):
                raise LensRequestError(
                    404,
                    f"no view {view_id!r}: it was deleted already; reload the page",
                    f"没有这个视角（{view_id}）：可能已经删除；请刷新页面",
                )
            return step.state(name, compute=False)
        except CalibrationError as error:
            return refused(error)

    @app.post(f"{base}/clear", response_model=LensState, responses=REFUSED, tags=["calibration"])
    def clear_views(name: str, _: Admin) -> Any:
        """Delete every view (to start again, e.g. with another board)."""
        try:
            step.views(name).clear()
            return step.state(name, compute=False)
        except CalibrationError as error:
            return refused(error)

    @app.post(f"{base}/save", response_model=LensSaved, responses=REFUSED, tags=["calibration"])
    def save_lens(name: str, _: Admin) -> Any:
        """Write the fitted lens into the camera file (the floor refitted from its marks,
        the previous file kept); the camera re-runs with it."""
        try:
            return step.save(name)
        except CalibrationError as error:
            return refused(error)
