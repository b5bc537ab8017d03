"""The lens step's work for each camera: the views kept, the picture size they must have,
the fit (cached: it takes seconds with 20 views), and saving the lens into the camera file
with the floor refitted from its marks behind the fit gate."""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from etiquette.calibration.camera_file import CameraFile, backup_path, load_camera, save_camera
from etiquette.calibration.errors import CalibrationError, Note
from etiquette.calibration.fit_gate import gated_fit
from etiquette.calibration.floor_fit import with_floor
from etiquette.calibration.image_size import ImageSizeError, fit_to_frames
from etiquette.calibration.intrinsics import Board
from etiquette.calibration.lens_fit import MIN_FIT_VIEWS, LensFit, coverage, fit_lens
from etiquette.calibration.lens_views import LensViews, Source
from etiquette.service.api.calibration_lens_models import (
    Added,
    BoardOut,
    CameraLens,
    LensSaved,
    LensState,
    coverage_out,
    fit_out,
    view_out,
)
from etiquette.service.api.calibration_models import Message, pose_figures
from etiquette.service.cameras.supervisor import Supervisor
from etiquette.service.config import SiteConfig
from etiquette.service.live.state import LiveState


def _size(width: int, height: int) -> str:
    return f"{width}x{height}"


def _picture_size(encoded: bytes) -> tuple[int, int] | None:
    """A JPEG's or PNG's size from its header, before decoding a picture of unknown size."""
    try:
        with Image.open(io.BytesIO(encoded)) as picture:
            return int(picture.size[0]), int(picture.size[1])
    except (UnidentifiedImageError, OSError, ValueError):
        return None


class LensRequestError(CalibrationError):
    """A refusal answered with another status than 422."""

    def __init__(self, status: int, message: str, zh: str) -> None:
        super().__init__(message, zh)
        self.status = status


def _not_a_photo() -> CalibrationError:
    return CalibrationError(
        "this is not a photo that can be read: send a JPEG or PNG picture",
        "这不是一张能读出的照片：请上传 JPEG 或 PNG 格式的照片",
    )


class LensStep:
    """The lens step's state for every camera of ``site`` (views on disk, fits cached)."""

    def __init__(self, site: SiteConfig, live: LiveState, supervisor: Supervisor) -> None:
        self.site, self.live, self.supervisor = site, live, supervisor
        self.fits: dict[str, tuple[tuple[Any, ...], LensFit]] = {}
        self.stores: dict[str, LensViews] = {}
        self.opening = threading.Lock()
        self.fitting = threading.Lock()  # one fit at a time: the edge box has 2-4 cores

    def camera_path(self, name: str) -> Path:
        camera = next((c for c in self.site.cameras if c.name == name), None)
        if camera is None:
            raise LensRequestError(
                404,
                f"no camera {name!r}: choose one of the site's cameras",
                f"没有名为 {name} 的摄像头：请从列表里选一个摄像头",
            )
        return camera.camera_file or self.site.storage.data_dir / "cameras" / f"{name}.yaml"

    def views(self, name: str) -> LensViews:
        self.camera_path(name)  # a known camera's name: safe as a folder name too
        with self.opening:  # one store (and its lock) per camera, shared by the requests
            return self.stores.setdefault(
                name, LensViews(self.site.storage.data_dir / "lens" / name)
            )

    def expected_size(self, name: str, store: LensViews) -> tuple[int, int] | None:
        """The camera's picture size: its latest frame, else its camera file, else the views'."""
        raw = self.live.raw(name)
        if raw is not None and (size := _picture_size(raw)) is not None:
            return size
        path = self.camera_path(name)
        if path.exists():
            width, height = load_camera(path).image_size
            return width, height
        return store.size()

    def fit(self, name: str, store: LensViews, compute: bool) -> LensFit | None:
        """The fit of the views kept (cached; ``compute``: fit them if not cached)."""
        kept, size = store.views(), store.size()
        board = store.board()
        if board is None or size is None or len(kept) < MIN_FIT_VIEWS:
            return None
        # The corners themselves, not the ids: numbering starts again after a clear.
        corners = hashlib.sha256(b"".join(v.corners.tobytes() for v in kept)).hexdigest()
        key = (board[0].columns, board[0].rows, size, tuple(v.id for v in kept), corners)
        with self.fitting:
            cached = self.fits.get(name)
            if cached is not None and cached[0] == key:
                return cached[1]
            if not compute:
                return None
            lens = fit_lens(kept, board[0], size)
            self.fits[name] = (key, lens)
            return lens

    def state(self, name: str, compute: bool) -> LensState:
        store = self.views(name)
        kept, board, size = store.views(), store.board(), store.size()
        lens = self.fit(name, store, compute)
        camera_lens = None
        path = self.camera_path(name)
        if path.exists():
            try:
                camera = load_camera(path)
            except CalibrationError:
                camera = None  # the calibration step says what is wrong with it
            if camera is not None and camera.intrinsics is not None:
                values = camera.intrinsics
                camera_lens = CameraLens(
                    fx=round(values.fx, 2),
                    fy=round(values.fy, 2),
                    rms_px=values.rms_px,
                    views=values.views,
                    image_size=camera.image_size,
                )
        return LensState(
            board=None
            if board is None
            else BoardOut(columns=board[0].columns, rows=board[0].rows, square_mm=board[1]),
            image_size=None if size is None else list(size),
            views=[view_out(view, lens) for view in kept],
            coverage=coverage_out(coverage(kept, size)),
            fit=None if lens is None else fit_out(lens),
            min_views=MIN_FIT_VIEWS,
            camera_lens=camera_lens,
        )

    def add(
        self,
        name: str,
        encoded: bytes,
        board: Board,
        square_mm: float,
        source: Source,
        label: str,
    ) -> Added:
        store = self.views(name)
        size = _picture_size(encoded)
        if size is None:
            raise _not_a_photo()
        expected = self.expected_size(name, store)
        if source == "upload" and expected is not None and size != expected:
            raise CalibrationError(
                f"this photo is {_size(*size)} but camera {name}'s picture is "
                f"{_size(*expected)}: use photos taken by this camera at its own size, or "
                "capture the views from the camera",
                f"这张照片是 {_size(*size)}，而摄像头 {name} 的画面是 {_size(*expected)}："
                "请用这个摄像头按原大小拍的照片，或直接点「从摄像头拍一张」",
            )
        image = cv2.imdecode(np.frombuffer(encoded, np.uint8), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise _not_a_photo()
        view = store.add(encoded, image, board, square_mm, source, label)
        return Added(view=view_out(view, None), state=self.state(name, compute=False))

    def save(self, name: str) -> LensSaved:
        store = self.views(name)
        lens, size = self.fit(name, store, compute=True), store.size()
        if lens is None or size is None:
            count = len(store.views())
            raise CalibrationError(
                f"{count} chessboard views; at least {MIN_FIT_VIEWS} are needed to fit the "
                "lens (10 to 20 are best): capture more",
                f"只有 {count} 个棋盘格视角；至少需要 {MIN_FIT_VIEWS} 个才能标定镜头"
                "（最好 10 到 20 个）：请再拍几张",
            )
        if lens.verdict == "poor":
            raise CalibrationError(lens.advice[0].en, lens.advice[0].zh)
        path = self.camera_path(name)
        camera = self._camera_for(name, path, size)
        camera = camera.model_copy(update={"intrinsics": lens.fit.intrinsics})
        warnings: list[Note] = []
        floor_refitted, fit_error = False, None
        if camera.floor is not None and camera.floor.points:
            try:
                gated = gated_fit(camera.floor.points, camera.intrinsics, self.site.calibration)
            except CalibrationError as error:
                raise CalibrationError(
                    "the floor marks do not fit with the new lens, so nothing was saved: "
                    f"{error.note.en}",
                    f"换上新的镜头参数后，地面标记拟合不通过，所以没有保存：{error.note.zh}",
                    error.note.mark,
                ) from None
            camera = with_floor(camera, gated.fit)
            warnings += gated.warnings
            floor_refitted, fit_error = True, round(float(gated.fit.floor.fit_error_cm or 0), 2)
        elif camera.floor is not None:
            camera = camera.model_copy(update={"floor": None})
            warnings.append(
                Note(
                    "the camera file's floor has no marks to refit it with the new lens, so "
                    "it was removed: mark the floor again (step 1)",
                    "标定文件里的地面没有保存标记点，无法按新镜头重新拟合，已删除："
                    "请重新做地面标记（第 1 步）",
                )
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        save_camera(camera, path, keep_previous=True)
        config = next(c for c in self.site.cameras if c.name == name)
        self.supervisor.reload(config.model_copy(update={"camera_file": path}))
        height, tilt = pose_figures(camera)
        return LensSaved(
            rms_px=round(lens.fit.rms_px, 4),
            floor_refitted=floor_refitted,
            fit_error_cm=fit_error,
            height_m=height,
            tilt_deg=tilt,
            warnings=[Message.of(note) for note in warnings],
            backup=backup_path(path).exists(),
        )

    def _camera_for(self, name: str, path: Path, size: tuple[int, int]) -> CameraFile:
        """The camera file at the views' picture size (scaled at the same aspect ratio)."""
        if not path.exists():
            return CameraFile(name=name, image_size=list(size))
        camera = load_camera(path)
        try:
            return fit_to_frames(camera, *size, camera_file=str(path), source="the lens views")
        except ImageSizeError as error:
            width, height = camera.image_size
            raise CalibrationError(
                str(error),
                f"标定文件是为 {_size(width, height)} 的画面做的，而棋盘格视角是 {_size(*size)}"
                "（不是同一画面的缩放）：请清空视角，按摄像头现在的画面重新拍",
            ) from None
