"""Browser-playable H.264 MP4 files (PyAV's bundled libx264, index at the front)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


class Mp4Writer:
    """Writes RGB frames with their timestamps; the size is fixed by the first frame."""

    def __init__(
        self, path: Path, fps: float, preset: str = "veryfast", crf: int = 23, threads: int = 0
    ) -> None:
        self.path = path
        self.container = av.open(str(path), mode="w", options={"movflags": "+faststart"})
        self.rate = Fraction(fps).limit_denominator(1000)
        self.preset = preset
        self.crf = crf
        self.threads = threads  # 0: as many as x264 likes
        self.stream: av.video.stream.VideoStream | None = None
        self.time_base = Fraction(1, 1000)
        self.last_pts = -1
        self.first_timestamp: float | None = None

    def _open_stream(self, width: int, height: int) -> av.video.stream.VideoStream:
        stream = self.container.add_stream("libx264", rate=self.rate)
        # yuv420p needs even sizes.
        stream.width = width - width % 2
        stream.height = height - height % 2
        stream.pix_fmt = "yuv420p"
        stream.time_base = self.time_base
        # Frames carry their own capture times: the encoder must count in milliseconds too,
        # not in 1/fps ticks, or frames closer than 1/fps collide (and muxing fails).
        stream.codec_context.time_base = self.time_base
        stream.options = {"preset": self.preset, "crf": str(self.crf)}
        if self.threads:
            stream.codec_context.thread_count = self.threads
        return stream

    def write(self, image: np.ndarray, timestamp: float) -> None:
        if self.stream is None:
            self.stream = self._open_stream(image.shape[1], image.shape[0])
        even = image[: self.stream.height, : self.stream.width]
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(even), format="rgb24")
        if self.first_timestamp is None:
            self.first_timestamp = timestamp  # a camera's wall-clock time starts the file at 0
        elapsed = timestamp - self.first_timestamp
        pts = max(round(elapsed / self.time_base), self.last_pts + 1)
        frame.pts, frame.time_base = pts, self.time_base
        self.last_pts = pts
        for packet in self.stream.encode(frame):
            self.container.mux(packet)

    def close(self) -> None:
        try:
            if self.stream is not None:
                for packet in self.stream.encode():
                    self.container.mux(packet)
        finally:  # a failed flush (disk full) must still release the file
            self.container.close()
