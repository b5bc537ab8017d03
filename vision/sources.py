"""Frame sources: a video file, a folder of images, an RTSP camera or a webcam.

Every frame carries its capture timestamp in seconds: the stream's presentation time for a
file, the file's modification time for an image folder, the wall clock at grab for a live
camera. Problems a user can fix raise ``SourceError`` with one line saying what to do.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import av
import cv2
import numpy as np

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
LIVE_SCHEMES = ("rtsp://", "rtsps://")
OPEN_TIMEOUT_MS = 5000


class SourceError(Exception):
    """A source that cannot be opened or read, with what to do about it."""


@dataclass(frozen=True, slots=True)
class Frame:
    index: int
    timestamp: float
    image: np.ndarray  # RGB uint8 (H, W, 3)


class FrameSource(Protocol):
    description: str
    live: bool
    # Set when a file ended early (truncated or corrupt part): what happened and where.
    stopped_early: str | None

    def frames(self) -> Iterator[Frame]: ...

    def frame_count(self) -> int | None: ...

    def fps(self) -> float | None: ...

    def close(self) -> None: ...


class VideoFileSource:
    """Decodes a video file with PyAV, keeping presentation timestamps."""

    live = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = str(path)
        self.stopped_early: str | None = None
        if not path.exists():
            raise SourceError(f"{path}: no such file; check the path")
        if path.stat().st_size == 0:
            raise SourceError(f"{path}: the file is empty (0 bytes); copy the video again")
        try:
            self.container = av.open(str(path))
        except (av.error.FFmpegError, OSError) as error:
            raise SourceError(
                f"{path}: not a readable video ({error}); give a video file such as .mp4, "
                ".mkv or .avi"
            ) from error
        if not self.container.streams.video:
            self.container.close()
            raise SourceError(f"{path}: the file has no video stream; give a video file")
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"

    def frame_count(self) -> int | None:
        return int(self.stream.frames) or None

    def fps(self) -> float | None:
        rate = self.stream.average_rate or self.stream.guessed_rate
        return float(rate) if rate else None

    def frames(self) -> Iterator[Frame]:
        index = 0
        fallback_step = 1.0 / (self.fps() or 25.0)
        last_time = -fallback_step
        try:
            for decoded in self.container.decode(self.stream):
                if decoded.pts is not None and decoded.time_base is not None:
                    timestamp = float(decoded.pts * decoded.time_base)
                else:
                    timestamp = last_time + fallback_step
                last_time = timestamp
                yield Frame(index, timestamp, _to_rgb(decoded))
                index += 1
        except (av.error.FFmpegError, OSError) as error:
            self.stopped_early = (
                f"{self.path}: decoding stopped at frame {index} (t={last_time:.2f} s): {error}"
            )
        if index == 0:
            raise SourceError(
                f"{self.path}: no frame could be decoded; the video is corrupt or truncated "
                "before its first frame"
            )
        if self.stopped_early is None and self._ended_before_announced(index, last_time):
            self.stopped_early = (
                f"{self.path}: the file ended at frame {index} (t={last_time:.2f} s), before "
                "the length its header announces; it looks truncated"
            )

    def _ended_before_announced(self, frames_read: int, last_time: float) -> bool:
        expected = self.frame_count()
        if expected is not None:
            return frames_read < expected * 0.98
        if self.container.duration:
            announced = self.container.duration / av.time_base
            return last_time < announced * 0.95 - 2.0 / (self.fps() or 25.0)
        return False

    def close(self) -> None:
        self.container.close()


class ImageFolderSource:
    """The images of a folder in name order, timed by their modification times."""

    live = False

    def __init__(self, folder: Path, fps: float = 10.0) -> None:
        self.description = str(folder)
        self.stopped_early: str | None = None
        self.paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not self.paths:
            raise SourceError(
                f"{folder}: no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in this folder"
            )
        mtimes = [p.stat().st_mtime for p in self.paths]
        distinct = len(set(mtimes)) == len(mtimes) and mtimes == sorted(mtimes)
        # Copied folders often share one mtime; then frames are spaced at the nominal rate.
        self.timestamps = (
            [m - mtimes[0] for m in mtimes] if distinct else [i / fps for i in range(len(mtimes))]
        )
        self._fps = fps

    def frame_count(self) -> int | None:
        return len(self.paths)

    def fps(self) -> float | None:
        return self._fps

    def frames(self) -> Iterator[Frame]:
        for index, (path, timestamp) in enumerate(zip(self.paths, self.timestamps, strict=True)):
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                if index == 0:
                    raise SourceError(f"{path}: not a readable image; remove or replace it")
                self.stopped_early = f"{path}: not a readable image; stopped at frame {index}"
                return
            yield Frame(index, timestamp, cv2.cvtColor(image, cv2.COLOR_BGR2RGB))

    def close(self) -> None:
        return None


class LiveCameraSource:
    """An RTSP camera or a local webcam read with OpenCV, stamped with the wall clock."""

    live = True

    def __init__(self, target: str | int) -> None:
        self.description = hide_password(str(target))
        self.stopped_early: str | None = None
        if isinstance(target, int):
            self.capture = cv2.VideoCapture(target)
        else:
            self.capture = cv2.VideoCapture(
                target,
                cv2.CAP_FFMPEG,
                [
                    cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                    OPEN_TIMEOUT_MS,
                    cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                    OPEN_TIMEOUT_MS,
                ],
            )
        if not self.capture.isOpened():
            what = f"webcam {target}" if isinstance(target, int) else f"camera {target}"
            raise SourceError(
                f"{what}: cannot connect; check that it is switched on, the address, port and "
                "credentials, and that this machine can reach it"
            )

    def frame_count(self) -> int | None:
        return None

    def fps(self) -> float | None:
        value = float(self.capture.get(cv2.CAP_PROP_FPS))
        return value if value > 0 else None

    def frames(self) -> Iterator[Frame]:
        # Wall-clock time that never steps back (an NTP correction would otherwise freeze
        # smoothing and timers downstream).
        wall_start, steady_start = time.time(), time.monotonic()
        index = 0
        while True:
            ok, image = self.capture.read()
            timestamp = wall_start + (time.monotonic() - steady_start)
            if not ok or image is None:
                self.stopped_early = f"{self.description}: the stream stopped after {index} frames"
                return
            yield Frame(index, timestamp, cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
            index += 1

    def close(self) -> None:
        self.capture.release()


def _to_rgb(decoded: av.VideoFrame) -> np.ndarray:
    # OpenCV's I420 conversion is several times faster than swscale's for the common case.
    if decoded.format.name == "yuv420p" and decoded.width % 2 == 0 and decoded.height % 2 == 0:
        return np.asarray(cv2.cvtColor(decoded.to_ndarray(), cv2.COLOR_YUV2RGB_I420))
    return np.asarray(decoded.to_ndarray(format="rgb24"))


# scheme://user:password@host...: the password runs to the last @ (an unescaped @ or / in it
# is hidden too; an @ later in the path hides more than needed, never less).
_URL_PASSWORD = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:@/?#]*):.*@")
# ?password=..., &pwd=..., &token=..., &api_key=... in a URL's query.
_SECRET_PARAMETER = re.compile(
    r"([?&;][^=&;#]*(?:pass|pwd|secret|token|key|auth|sig|cred)[^=&;#]*=)[^&;#]*",
    re.IGNORECASE,
)


def hide_password(url: str) -> str:
    """rtsp://user:secret@host/x?password=y -> rtsp://user:***@host/x?password=*** (for
    what people see); paths and webcam indices stay as they are."""
    if "://" not in url:
        return url
    url = _URL_PASSWORD.sub(r"\1:***@", url, count=1)
    return _SECRET_PARAMETER.sub(r"\1***", url)


def open_source(spec: str) -> FrameSource:
    """Open a source from what a user types: a path, a folder, an rtsp:// URL or a webcam
    index."""
    if spec.isdigit():
        return LiveCameraSource(int(spec))
    if spec.startswith(LIVE_SCHEMES):
        return LiveCameraSource(spec)
    if "://" in spec:
        scheme = spec.split("://", 1)[0]
        raise SourceError(
            f"{hide_password(spec)}: unsupported URL scheme '{scheme}://'; give an rtsp:// "
            "camera URL, a video file, a folder of images, or a webcam index such as 0"
        )
    path = Path(spec)
    if path.is_dir():
        return ImageFolderSource(path)
    if not path.exists():
        raise SourceError(f"{spec}: no such file or folder; check the path")
    return VideoFileSource(path)
