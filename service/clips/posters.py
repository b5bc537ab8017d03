"""A clip's poster: one JPEG at the event moment, beside the MP4 (``name.mp4`` ->
``name.jpg``). The clips page shows it in the list and the timeline before anything is played,
so a trainer sees what a clip is about without loading a video per row. Written with the clip;
made from the MP4 on demand for clips written before posters existed."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import av
import cv2
import numpy as np

log = logging.getLogger(__name__)
POSTER_WIDTH = 480  # a thumbnail and the player's first picture; a few tens of kB
POSTER_QUALITY = 80


def poster_path(video: Path) -> Path:
    return video.with_suffix(".jpg")


def write_poster(rgb: np.ndarray, path: Path) -> None:
    """A scaled-down JPEG of an RGB picture, written via a temporary name (never half seen)."""
    scale = POSTER_WIDTH / rgb.shape[1]
    if scale < 1:
        size = (POSTER_WIDTH, round(rgb.shape[0] * scale))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(
        ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, POSTER_QUALITY]
    )
    if not ok:
        raise ValueError("the poster could not be encoded")
    partial = path.with_suffix(".part.jpg")
    partial.write_bytes(bytes(jpeg))
    os.replace(partial, path)


def poster_for(video: Path, at_s: float) -> Path | None:
    """The clip's poster, made from the video's frame nearest ``at_s`` seconds in if it has
    none yet; None when the video cannot be read (gone, damaged)."""
    path = poster_path(video)
    if path.is_file():
        return path
    try:
        picture = _frame_at(video, at_s)
    except (av.FFmpegError, OSError) as error:
        log.warning("no poster for %s: %s", video, error)
        return None
    if picture is None:
        return None
    write_poster(picture, path)
    return path


def _frame_at(video: Path, at_s: float) -> np.ndarray | None:
    """Decoded from the start: clips are a few seconds long, and seeking to a keyframe
    would land up to a GOP early anyway."""
    best: np.ndarray | None = None
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time > at_s + 1e-3 and best is not None:
                break
            best = frame.to_ndarray(format="rgb24")
    return best
