"""The clips `etiquette bench-site` plays as cameras: real multi-person footage from the
shared test data (never part of the project), turned into 1280x720 at 10 fps in a temporary
folder. Each camera gets its own clip or its own start, so the cameras are not in lock step.

A clip is played forward and then backward (ping-pong): looping it then has no jump where
everybody would vanish and reappear elsewhere, which would make every loop a scene cut."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from etiquette.service.media.video import Mp4Writer
from etiquette.vision.sources import SourceError, VideoFileSource

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_ENV = "ETIQUETTE_TEST_DATA"
WIDTH, HEIGHT, FPS = 1280, 720, 10.0


@dataclass(frozen=True)
class ClipRecipe:
    """How one shared clip becomes a 1280x720, 10 fps camera clip."""

    name: str
    file: str  # under the data folder's video/
    step: int  # keep every step-th frame (50 fps -> 5, 30 fps -> 3)
    people: str  # what is in it, for the report


RECIPES = (
    ClipRecipe("street", "openpose_street_walk.avi", 5, "2-6 people walking in a street"),
    ClipRecipe("hug", "ntu_hug.mp4", 3, "two men standing, approaching, hugging"),
)


@dataclass(frozen=True)
class CameraClip:
    """What one camera of the bench plays."""

    camera: str
    path: Path  # the converted clip, in the temporary folder
    source: str  # the shared file it came from
    offset_s: float  # where in the (ping-pong) loop it starts
    frames: int
    people: str

    def describe(self) -> str:
        return f"{self.source} from {self.offset_s:.1f} s ({self.frames} frames, {self.people})"


def data_folder(given: Path | None = None) -> Path:
    """The shared test data: ``given``, else $ETIQUETTE_TEST_DATA, else ../shared/data beside
    the project."""
    folder = given or Path(os.environ.get(DATA_ENV, PROJECT_ROOT.parent / "shared" / "data"))
    if not (folder / "video").is_dir():
        raise SourceError(
            f"{folder}/video: no such folder; bench-site plays the shared test clips: set "
            f"{DATA_ENV} or pass --data to the folder holding video/"
        )
    return folder


def _frames(path: Path, step: int) -> Iterator[np.ndarray]:
    source = VideoFileSource(path)
    try:
        for frame in source.frames():
            if frame.index % step == 0:
                yield _fit(frame.image)
    finally:
        source.close()


def _fit(image: np.ndarray) -> np.ndarray:
    """1280x720: scaled to fit (the clips are 16:9), padded with black if not."""
    height, width = image.shape[:2]
    scale = min(WIDTH / width, HEIGHT / height)
    size = (round(width * scale), round(height * scale))
    if size != (width, height):
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    canvas = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    top, left = (HEIGHT - size[1]) // 2, (WIDTH - size[0]) // 2
    canvas[top : top + size[1], left : left + size[0]] = image
    return canvas


def ping_pong(frames: list[np.ndarray]) -> list[np.ndarray]:
    """Forward, then backward without repeating either end: a loop with no jump."""
    return frames + frames[-2:0:-1]


def _write(frames: list[np.ndarray], path: Path) -> None:
    writer = Mp4Writer(path, FPS)
    try:
        for index, image in enumerate(frames):
            writer.write(image, index / FPS)
    finally:
        writer.close()


def prepare_clips(cameras: int, data: Path, folder: Path) -> list[CameraClip]:
    """One clip per camera in ``folder``: the recipes in turn, each later use of a recipe
    starting further into its loop."""
    loops = {
        recipe.name: ping_pong(list(_frames(data / "video" / recipe.file, recipe.step)))
        for recipe in RECIPES
    }
    clips = []
    for index in range(cameras):
        recipe = RECIPES[index % len(RECIPES)]
        loop = loops[recipe.name]
        turn = index // len(RECIPES)
        shift = (turn * len(loop) * 3 // 8) % len(loop)  # 3/8 of the loop further each time
        path = folder / f"cam{index + 1}-{recipe.name}.mp4"
        _write(loop[shift:] + loop[:shift], path)
        clips.append(
            CameraClip(f"cam{index + 1}", path, recipe.file, shift / FPS, len(loop), recipe.people)
        )
    return clips
