"""Reading a camera: a video file replayed as a live camera, and a reader thread that keeps
only the newest frame so that perception never falls behind."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

from etiquette.service.config import CameraConfig
from etiquette.vision.sources import Frame, FrameSource, VideoFileSource, open_source


class ReplaySource:
    """A video file played as if it were a live camera: frames come at their own pace and
    carry the wall-clock time they are "captured"; with ``loop`` it starts over."""

    live = True

    def __init__(self, path: Path, loop: bool, speed: float = 1.0) -> None:
        self.path, self.loop, self.speed = path, loop, speed
        self.description = f"{path} (replayed)"
        self.stopped_early: str | None = None
        VideoFileSource(path).close()  # fail now, with the file's own message

    def frame_count(self) -> int | None:
        return None

    def fps(self) -> float | None:
        return None

    def frames(self) -> Iterator[Frame]:
        index = 0
        start = time.time()
        while True:
            source = VideoFileSource(self.path)
            step = 1.0 / (source.fps() or 25.0)
            length = 0.0
            for frame in source.frames():
                due = start + frame.timestamp / self.speed
                delay = due - time.time()
                if delay > 0:
                    time.sleep(delay)
                yield Frame(index, due, frame.image)
                index += 1
                length = frame.timestamp + step
            source.close()
            if not self.loop:
                return
            # The next round starts one frame after the last, as a camera's frames would.
            start += length / self.speed

    def close(self) -> None:
        return None


def open_camera(camera: CameraConfig) -> FrameSource:
    path = Path(camera.source)
    if not camera.source.isdigit() and "://" not in camera.source and path.is_file():
        return ReplaySource(path, camera.loop, camera.replay_speed)
    return open_source(camera.source)


class LatestFrame:
    """Reads a source in a thread and keeps only the newest frame: the consumer never falls
    behind; frames it had no time for are counted as dropped.

    The thread owns the source and closes it itself once the stream ended or ``stop()`` was
    called: OpenCV crashes the process (SIGSEGV) when a capture is released while another
    thread is inside its ``read()``, which is where a stalled camera's reader sits."""

    def __init__(self, source: FrameSource) -> None:
        self.source = source
        self.dropped = 0
        self.ended = False
        self._frame: Frame | None = None
        self._arrived = time.monotonic()  # when the newest frame arrived (or the start)
        self._gap = 0.0  # the longest wait for a frame since one was last taken
        self._stopping = False
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for frame in self.source.frames():
                with self._ready:
                    if self._stopping:
                        break
                    now = time.monotonic()
                    self._gap = max(self._gap, now - self._arrived)
                    self._arrived = now
                    if self._frame is not None:
                        self.dropped += 1
                    self._frame = frame
                    self._ready.notify()
        except Exception as error:  # a camera that fails mid-stream ends the stream
            self.source.stopped_early = str(error)
        finally:
            self.source.close()
        with self._ready:
            self.ended = True
            self._ready.notify()

    def next(self, stall_s: float) -> Frame | None:
        """The newest frame not yet taken; None when the stream ended or stalled: no frame
        for ``stall_s``, or one that came that late (after each read timeout OpenCV hands out
        one more stale frame from its decoder, which would keep a dead camera "online")."""
        with self._ready:
            deadline = self._arrived + stall_s
            while self._frame is None and not self.ended and time.monotonic() < deadline:
                self._ready.wait(deadline - time.monotonic())
            if self._gap >= stall_s:
                return None
            frame, self._frame, self._gap = self._frame, None, 0.0
            return frame

    def stop(self) -> None:
        """Stop reading; the source is closed when its current read returns."""
        with self._ready:
            self._stopping = True
