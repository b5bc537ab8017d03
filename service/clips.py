"""Coaching clips written offline: a few seconds before and after chosen events, with the
skeletons and verdict drawn and customers' faces blurred before anything is kept."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from rules.events import Event
from service.drawing import draw_people
from service.privacy import FaceBlurrer
from service.video_writer import Mp4Writer
from vision.frame import FrameResult

BAD_BOWS = ("too_shallow", "too_deep", "rushed")


class ClipConfig(BaseModel):
    """Which events get a clip, and how much around them."""

    model_config = ConfigDict(extra="forbid")

    pre_s: float = Field(3.0, ge=0, le=30, description="Seconds kept before the event.")
    post_s: float = Field(3.0, ge=0, le=30, description="Seconds kept after the event.")
    max_event_s: float = Field(
        20.0, gt=0, description="Longer events are cut to their last seconds."
    )
    blur_staff: bool = Field(False, description="Also blur staff faces (customers' always are).")


def wanted(event: Event) -> str | None:
    """Why this event deserves a clip (None: it does not). Bows and posture are coached for
    staff only."""
    if event.type == "greeting_missed":
        return "missed_greeting"
    if event.role != "staff":
        return None
    if event.type == "bow" and event.verdict in BAD_BOWS:
        return "bow_off_standard"
    if event.type == "bow" and event.verdict == "to_standard":
        return "good_bow"
    if event.type == "posture":
        return "posture_lapse"
    return None


@dataclass
class _Clip:
    writer: Mp4Writer
    path: Path
    end: float
    record: dict[str, object]


@dataclass
class ClipRecorder:
    """Keeps recent frames (already blurred and drawn, as JPEG) and writes clips."""

    folder: Path
    fps: float
    blur: FaceBlurrer
    config: ClipConfig = field(default_factory=ClipConfig)
    written: list[dict[str, object]] = field(default_factory=list)
    _recent: deque[tuple[float, bytes]] = field(default_factory=deque)
    _open: list[_Clip] = field(default_factory=list)

    def add(self, image: np.ndarray, result: FrameResult, events: list[Event]) -> None:
        """One frame (RGB) with what perception and the rules made of it."""
        picture = draw_people(self.blur(image, result.people), result)
        frame = cv2.imencode(".jpg", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))[1].tobytes()
        now = result.timestamp
        self._recent.append((now, frame))
        keep = self.config.pre_s + self.config.max_event_s
        while self._recent and now - self._recent[0][0] > keep:
            self._recent.popleft()
        for clip in list(self._open):
            clip.writer.write(picture, now)
            if now >= clip.end:
                self._finish(clip)
        for event in events:
            reason = wanted(event)
            if reason is not None:
                self._start(event, reason)

    def _start(self, event: Event, reason: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        begin = max(event.start - self.config.pre_s, event.end - self.config.max_event_s)
        path = self.folder / f"{reason}_{event.start:010.2f}_track{event.track}.mp4"
        writer = Mp4Writer(path, self.fps)
        for timestamp, jpeg in self._recent:
            bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
            if timestamp >= begin and bgr is not None:
                writer.write(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), timestamp)
        record: dict[str, object] = {"file": path.name, "reason": reason, **event.record()}
        self._open.append(_Clip(writer, path, event.end + self.config.post_s, record))

    def _finish(self, clip: _Clip) -> None:
        clip.writer.close()
        self._open.remove(clip)
        self.written.append(clip.record)
        with (self.folder / "clips.jsonl").open("a", encoding="utf-8") as index:
            index.write(json.dumps(clip.record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        for clip in list(self._open):
            self._finish(clip)
