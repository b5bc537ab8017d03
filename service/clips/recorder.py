"""Coaching clips: a few seconds before and after chosen events, with the skeletons, zones,
trunk angles and the verdict drawn, and customers' faces blurred before a frame is kept even
in memory. Used by the camera runners (live) and by `etiquette analyze --clips` (offline).
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import os
import queue
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from etiquette.calibration.overlay import Outline
from etiquette.rules.engine import PersonRules
from etiquette.rules.events import Event, Phase
from etiquette.service.clips.captions import caption, person_labels
from etiquette.service.clips.config import ALL_REASONS, ClipConfig
from etiquette.service.clips.posters import poster_path, write_poster
from etiquette.service.media.drawing import annotate
from etiquette.service.media.privacy import FaceBlurrer
from etiquette.service.media.video import Mp4Writer
from etiquette.service.store.models import ClipReason, NewClip
from etiquette.vision.frame import FrameResult, People
from etiquette.vision.joints import Role

log = logging.getLogger(__name__)
BAD_BOWS = ("too_shallow", "too_deep", "rushed")
NOMINAL_FPS = 10.0  # frames carry their own timestamps; this only seeds the encoder
RECHECK_DISK_S = 30.0
MAX_QUEUED_CLIPS = 4  # clips waiting for the writer; more would pile up memory
ENCODER_THREADS = 1  # the writer shares two cores with perception


# Clips of the processes beyond the door greeting: (to standard, off standard) reasons. The
# queue prompt is filmed to show the queue that called for a diversion. The opening line-up
# has none: it is reported when the salute window closes, long after the line-up it judges.
PROCESS_CLIPS: dict[str, tuple[ClipReason | None, ClipReason | None]] = {
    "guiding": ("good_guiding", "guiding_off_standard"),
    "farewell": (None, "not_escorted"),
    "teller_service": (None, "teller_off_standard"),
    "queue_prompt": ("long_queue", "long_queue"),
}


def wanted(event: Event, reasons: list[ClipReason] | None = None) -> ClipReason | None:
    """Why this event deserves a clip (None: it does not). Bows and posture are coached for
    staff only."""
    reason: ClipReason | None = None
    if event.phase is not Phase.END:
        return None
    if event.type == "greeting_missed":
        reason = "missed_greeting"
    elif event.type == "greeting" and event.verdict == "late":
        reason = "late_greeting"
    elif event.type in PROCESS_CLIPS:
        good, bad = PROCESS_CLIPS[event.type]
        reason = good if event.verdict == "to_standard" else bad
    elif event.role != "staff":
        return None
    elif event.type == "bow" and event.verdict in BAD_BOWS:
        reason = "bow_off_standard"
    elif event.type == "bow" and event.verdict == "to_standard":
        reason = "good_bow"
    elif event.type == "posture":
        reason = "posture_lapse"
    if reason is None or reason not in (ALL_REASONS if reasons is None else reasons):
        return None
    return reason


def describe(event: Event) -> str:
    """One line for the clip, as drawn on it and listed: who, what, the measured value and
    the verdict, in the product's words (see captions.py)."""
    return caption(event)


def with_roles(people: People, rules: dict[int, PersonRules]) -> People:
    """The frame's people with the roles the rules gave them (perception knows none)."""
    if not rules or len(people) == 0:
        return people
    roles = np.array(
        [rules[int(t)].role if int(t) in rules else Role.UNKNOWN for t in people.track_ids],
        dtype=np.int8,
    )
    return dataclasses.replace(people, roles=roles)


@dataclass(frozen=True)
class KeptFrame:
    """A frame in the ring buffer: already blurred, JPEG-compressed, with what to draw."""

    timestamp: float
    jpeg: bytes
    result: FrameResult
    labels: dict[int, str]


@dataclass
class PendingClip:
    event: Event
    reason: ClipReason
    end: float
    frames: list[KeptFrame]


class LowDiskSpaceError(OSError):
    """Less free space than the configured minimum."""


@dataclass
class ClipWriter:
    """Turns a finished pending clip into an MP4 under ``folder``."""

    folder: Path
    outlines: list[Outline]
    min_free_mb: float
    subfolder: Callable[[float], str] = lambda _start: ""
    # The door post's id: a greeting (or a missed one) belongs to it, and trainers filter
    # clips by post.
    greeting_post: str | None = None

    def write(self, clip: PendingClip) -> NewClip:
        """Write the file (via a temporary name, so a half-written clip is never seen)."""
        relative = Path(self.subfolder(clip.event.start)) / _file_name(clip)
        path = self.folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        free_mb = shutil.disk_usage(path.parent).free / 1e6
        if free_mb < self.min_free_mb:
            raise LowDiskSpaceError(
                errno.ENOSPC,
                f"only {free_mb:.0f} MB free in {path.parent}, "
                f"below clips.min_free_mb ({self.min_free_mb:.0f} MB)",
            )
        partial = path.with_suffix(".part.mp4")
        caption = [describe(clip.event)]
        moment = _nearest(clip.frames, clip.event.start)
        try:
            writer = Mp4Writer(partial, NOMINAL_FPS, threads=ENCODER_THREADS)
            try:
                for kept in clip.frames:
                    picture = self._picture(kept, caption)
                    if kept is moment:  # the poster: what the list shows before playing
                        write_poster(picture, poster_path(path))
                    writer.write(picture, kept.timestamp)
            finally:
                writer.close()
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            poster_path(path).unlink(missing_ok=True)
            raise
        event = clip.event
        post = getattr(event.values, "post", None)
        if post is None and event.type in ("greeting", "greeting_missed"):
            post = self.greeting_post
        first, last = clip.frames[0].timestamp, clip.frames[-1].timestamp
        return NewClip(
            reason=clip.reason,
            event_type=event.type,
            track=event.track,
            role=event.role,
            verdict=event.verdict,
            post=post,
            event_start=event.start,
            clip_start=first,
            duration_s=round(last - first, 3),
            file=relative.as_posix(),
            size_bytes=path.stat().st_size,
            summary=caption[0],
        )

    def _picture(self, kept: KeptFrame, lines: list[str]) -> np.ndarray:
        bgr = cv2.imdecode(np.frombuffer(kept.jpeg, np.uint8), cv2.IMREAD_COLOR)
        if bgr is None:  # our own JPEG: cannot happen short of memory corruption
            raise ValueError("a kept frame could not be decoded")
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        return annotate(rgb, kept.result, kept.labels, lines, self.outlines, faces=False).canvas


def _nearest(frames: list[KeptFrame], moment: float) -> KeptFrame | None:
    """The kept frame closest to ``moment`` (the event's start)."""
    return min(frames, key=lambda kept: abs(kept.timestamp - moment), default=None)


def _file_name(clip: PendingClip) -> str:
    stamp = time.strftime("%H%M%S", time.localtime(clip.event.start))
    hundredths = int(clip.event.start * 100) % 100
    return f"{clip.reason}_{stamp}{hundredths:02d}_track{clip.event.track}.mp4"


OnClip = Callable[[NewClip], None]
OnPause = Callable[[str | None], None]  # the reason clip writing is paused; None: resumed


@dataclass
class ClipRecorder:
    """Keeps the last seconds of frames (blurred) and writes a clip around each wanted event.

    With ``background`` the files are written by a thread, so a camera runner keeps up with
    its camera meanwhile. When the disk is (nearly) full, clips are skipped and ``on_pause``
    says why, until enough space is free again; nothing crashes.
    """

    writer: ClipWriter
    blur: FaceBlurrer
    config: ClipConfig = field(default_factory=ClipConfig)
    on_clip: OnClip = lambda _clip: None
    on_pause: OnPause = lambda _reason: None
    background: bool = False
    jpeg_quality: int = 85
    skipped: int = 0
    failures: int = 0  # frames in a row the recorder failed on (see service/runner.py)
    paused: str | None = None
    _recent: deque[KeptFrame] = field(default_factory=deque)
    _open: list[PendingClip] = field(default_factory=list)
    _jobs: queue.Queue[PendingClip | None] = field(
        default_factory=lambda: queue.Queue(MAX_QUEUED_CLIPS)
    )
    _thread: threading.Thread | None = None
    _paused_at: float = 0.0

    def add(
        self,
        image: np.ndarray,
        result: FrameResult,
        people: dict[int, PersonRules],
        events: list[Event],
    ) -> None:
        """One RGB frame with what perception and the rules made of it."""
        blurred = self.blur(image, with_roles(result.people, people))
        ok, jpeg = cv2.imencode(
            ".jpg",
            cv2.cvtColor(blurred, cv2.COLOR_RGB2BGR),
            [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality],
        )
        if not ok:
            return
        kept = KeptFrame(result.timestamp, bytes(jpeg), result, person_labels(people))
        self._recent.append(kept)
        horizon = self.config.pre_s + self.config.max_event_s
        while self._recent and kept.timestamp - self._recent[0].timestamp > horizon:
            self._recent.popleft()
        for clip in list(self._open):
            clip.frames.append(kept)
            if kept.timestamp >= clip.end:
                self._open.remove(clip)
                self._submit(clip)
        self.note(events)

    def buffered(self) -> tuple[int, float]:
        """The ring buffer's size: bytes of JPEG kept, and the seconds they span."""
        if not self._recent:
            return 0, 0.0
        span = self._recent[-1].timestamp - self._recent[0].timestamp
        return sum(len(kept.jpeg) for kept in self._recent), span

    def note(self, events: list[Event]) -> None:
        """Start the clips these events want, from the frames already kept (at the end of a
        recording no frame follows: :meth:`close` writes them)."""
        for event in events:
            reason = wanted(event, self.config.reasons)
            if reason is not None:
                self._start(event, reason)

    def _start(self, event: Event, reason: ClipReason) -> None:
        begin = max(event.start - self.config.pre_s, event.end - self.config.max_event_s)
        frames = [kept for kept in self._recent if kept.timestamp >= begin]
        self._open.append(PendingClip(event, reason, event.end + self.config.post_s, frames))

    def _submit(self, clip: PendingClip) -> None:
        if not clip.frames:
            return
        if not self.background:
            self._write(clip)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, daemon=True, name="clip-writer")
            self._thread.start()
        try:
            self._jobs.put_nowait(clip)
        except queue.Full:
            self.skipped += 1
            log.warning("clip writer behind: a %s clip was skipped", clip.reason)

    def _work(self) -> None:
        while (clip := self._jobs.get()) is not None:
            try:
                self._write(clip)
            except Exception:  # the writer thread must outlive any one clip
                log.exception("the %s clip failed", clip.reason)

    def _write(self, clip: PendingClip) -> None:
        if self.paused is not None and time.monotonic() - self._paused_at < RECHECK_DISK_S:
            self.skipped += 1
            return
        try:
            written = self.writer.write(clip)
        except OSError as error:
            self.skipped += 1
            reason = _disk_problem(error)
            if self.paused is None:
                log.warning("%s", reason)
            self.paused, self._paused_at = reason, time.monotonic()
            self.on_pause(self.paused)
            return
        except Exception:  # a clip must never take the camera down
            log.exception("could not write a %s clip", clip.reason)
            self.skipped += 1
            return
        if self.paused is not None:
            self.paused = None
            self.on_pause(None)
        self.on_clip(written)

    def close(self, timeout_s: float | None = None) -> None:
        """Write the clips still open with the frames they have, and wait for the writer (at
        most ``timeout_s``; a clip cut short leaves only a temporary file, which retention
        sweeps away)."""
        for clip in list(self._open):
            self._open.remove(clip)
            self._submit(clip)
        if self._thread is not None:
            try:
                self._jobs.put(None, timeout=timeout_s)
            except queue.Full:
                return
            self._thread.join(timeout_s)
            self._thread = None


def _disk_problem(error: OSError) -> str:
    if isinstance(error, LowDiskSpaceError):
        return f"clip writing paused: {error.strerror}; free space or lower clips.quota_mb"
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"clip writing paused: the disk is full ({os.strerror(error.errno)}); free space"
    return f"clip writing paused: {error}"
