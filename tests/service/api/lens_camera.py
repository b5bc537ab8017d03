"""A camera that films the 19 real 640x480 chessboard photos (7x7 inner corners; their square
size is unknown, 25 mm is assumed): a real MP4 made from them in the test's folder, each held
for HOLD_S, looped, so `lens/capture` takes real frames of it. The photos are read from
../shared/data at test time, never copied into the repository."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np

from etiquette.calibration.camera_file import CameraFile, Intrinsics, MarkedPoint, save_camera
from etiquette.calibration.floor_fit import fit_floor_unchecked, with_floor
from etiquette.service.config import SiteConfig
from tests.conftest import SHARED_DATA

VIEWS = sorted((SHARED_DATA / "calibration" / "chessboard_7x7").glob("view*.jpg"))
SIZE = (640, 480)
FPS = 10
HOLD_S = 3.0  # longer than the runner's raw-frame period (2 s): captures can differ
# Floor marks in view of a camera 2.6 m up looking 40 degrees down (the lens's principal
# point is left of the middle: the marks are shifted right).
HEIGHT_M, TILT_DEG = 2.6, 40.0
FLOOR = [(x, y) for y in (2.2, 3.0, 3.8, 4.6) for x in (-0.4, 0.4, 1.2)]


def chessboard_video(folder: Path, views: list[Path] = VIEWS) -> Path:
    path = folder / "chessboard.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), FPS, SIZE)
    assert writer.isOpened(), "OpenCV cannot write mp4v here"
    for view in views:
        image = cv2.imread(str(view), cv2.IMREAD_COLOR)
        assert image is not None and image.shape[1::-1] == SIZE, view
        for _ in range(round(HOLD_S * FPS)):
            writer.write(image)
    writer.release()
    return path


def lens_site(data_dir: Path, port: int, video: Path) -> SiteConfig:
    """Camera 'lobby' filming the chessboards; no camera file yet (the page saves it in
    DATA/cameras/lobby.yaml)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return SiteConfig.model_validate(
        {
            "site": "lens-test",
            "cameras": [{"name": "lobby", "source": str(video), "loop": True}],
            "storage": {"data_dir": str(data_dir)},
            "server": {"host": "127.0.0.1", "port": port},
        }
    )


def camera_with_marks(path: Path, lens: Intrinsics, moved: int | None = None) -> CameraFile:
    """A 640x480 camera file without a lens whose floor was fitted to marks made with
    ``lens`` (so the floor is right only once that lens is in); ``moved``: that mark's
    floor x typed 60 cm off (a camera file edited by hand: nothing gates it)."""
    level = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], np.float64)  # looking along y
    a = np.radians(TILT_DEG)
    down = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    rotation = down @ level
    tvec = -rotation @ np.array([0.0, 0.0, HEIGHT_M])
    world = np.array([[x, y, 0.0] for x, y in FLOOR])
    rvec = cv2.Rodrigues(rotation)[0]
    pixels, _ = cv2.projectPoints(world, rvec, tvec, lens.matrix(), lens.coefficients())
    marks = []
    for index, ((u, v), (x, y)) in enumerate(zip(pixels.reshape(-1, 2), FLOOR, strict=True)):
        assert 0 <= u < SIZE[0] and 0 <= v < SIZE[1], (u, v)
        typed_x = x + 0.6 if index == moved else x
        marks.append(MarkedPoint(u=round(float(u), 2), v=round(float(v), 2), x=typed_x, y=y))
    camera = CameraFile(name="lobby", image_size=list(SIZE))
    camera = with_floor(camera, fit_floor_unchecked(marks))
    path.parent.mkdir(parents=True, exist_ok=True)
    save_camera(camera, path)
    return camera


class LensApi:
    """The lens routes of camera 'lobby' with an admin token."""

    def __init__(self, address: str, token: str) -> None:
        self.base = f"http://{address}/api/cameras/lobby/lens"
        self.headers = {"Authorization": f"Bearer {token}"}

    def state(self) -> httpx.Response:
        return httpx.get(self.base, headers=self.headers, timeout=60)

    def upload(
        self, body: bytes, kind: str = "image/jpeg", name: str = "photo.jpg", **query: Any
    ) -> httpx.Response:
        return httpx.post(
            f"{self.base}/views",
            content=body,
            params={"filename": name, **query},
            headers={**self.headers, "Content-Type": kind},
            timeout=30,
        )

    def upload_file(self, path: Path) -> httpx.Response:
        return self.upload(path.read_bytes(), name=path.name)

    def capture(self, **query: Any) -> httpx.Response:
        return httpx.post(f"{self.base}/capture", params=query, headers=self.headers, timeout=30)

    def clear(self) -> None:
        answer = httpx.post(f"{self.base}/clear", headers=self.headers, timeout=30)
        assert answer.status_code == 200, answer.text

    def delete(self, view_id: str) -> httpx.Response:
        return httpx.delete(f"{self.base}/views/{view_id}", headers=self.headers, timeout=30)

    def save(self) -> httpx.Response:
        return httpx.post(f"{self.base}/save", headers=self.headers, timeout=60)
