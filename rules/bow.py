"""Bows: the trunk pitching forward and back, with depth, timing and a verdict."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from rules.config import BowConfig
from rules.events import BowValues
from rules.trunk import Reference

HOLD_WITHIN_DEG = 2.0


@dataclass
class BowInProgress:
    start: float
    peak_deg: float
    peak_time: float
    last_time: float
    hold_s: float = 0.0
    announced: bool = False
    peak_reported: bool = False
    spoiled: bool = False  # walking or knees bent on the way: not a bow

    def values(self, end: float, reference: Reference) -> BowValues:
        return BowValues(
            peak_deg=round(self.peak_deg, 2),
            time_to_peak_s=round(self.peak_time - self.start, 3),
            hold_s=round(self.hold_s, 3),
            duration_s=round(end - self.start, 3),
            reference=reference.value,
        )


@dataclass(frozen=True)
class BowEnd:
    bow: BowInProgress
    end: float
    values: BowValues
    verdict: str


@dataclass(frozen=True)
class BowUpdate:
    """What one frame did to the bow."""

    started: BowInProgress | None = None  # confirmed as a bow (lasted min_duration_s)
    peaked: BowInProgress | None = None  # the pitch has turned back from its deepest point
    finished: BowEnd | None = None  # a whole bow, with its verdict
    cancelled: BowEnd | None = None  # announced, but turned out not to be a bow


class BowDetector:
    """One track's bows, from its forward trunk pitch measured against the stance it held
    just before (so a slight lean or sway in the stance does not count as depth)."""

    def __init__(self, config: BowConfig) -> None:
        self.config = config
        self.current: BowInProgress | None = None
        self._rest: deque[tuple[float, float]] = deque()
        self._rest_pitch = 0.0

    def verdict(self, peak_deg: float, duration_s: float) -> str:
        config = self.config
        if peak_deg < config.target_deg - config.tolerance_deg:
            return "too_shallow"
        if peak_deg > config.target_deg + config.tolerance_deg:
            return "too_deep"
        if duration_s < config.rushed_s:
            return "rushed"
        return "to_standard"

    def _remember_stance(self, timestamp: float, pitch_deg: float) -> None:
        self._rest.append((timestamp, pitch_deg))
        while self._rest and timestamp - self._rest[0][0] > self.config.rest_window_s:
            self._rest.popleft()
        self._rest_pitch = float(np.median([p for _, p in self._rest]))

    def update(
        self,
        timestamp: float,
        pitch_deg: float,
        reference: Reference,
        speed: float,
        knee_deg: float,
    ) -> BowUpdate:
        config = self.config
        bow = self.current
        if bow is None:
            self._remember_stance(timestamp, pitch_deg)
            depth = pitch_deg - self._rest_pitch
            if depth >= config.start_deg and len(self._rest) > 1:
                self.current = BowInProgress(timestamp, depth, timestamp, timestamp)
                self._spoil_check(self.current, speed, knee_deg)
            return BowUpdate()
        depth = pitch_deg - self._rest_pitch
        dt = timestamp - bow.last_time
        bow.last_time = timestamp
        self._spoil_check(bow, speed, knee_deg)
        if depth > bow.peak_deg:
            bow.peak_deg, bow.peak_time = depth, timestamp
        if depth >= bow.peak_deg - HOLD_WITHIN_DEG:
            bow.hold_s += dt
        started = peaked = None
        if not bow.announced and not bow.spoiled and self._long_enough(bow, timestamp):
            bow.announced, started = True, bow
        if bow.announced and not bow.peak_reported and depth < bow.peak_deg - HOLD_WITHIN_DEG:
            bow.peak_reported, peaked = True, bow
        too_long = timestamp - bow.start > config.max_duration_s
        if depth >= config.end_deg and not too_long:
            return BowUpdate(started=started, peaked=peaked)
        self.current = None
        duration = timestamp - bow.start
        too_short = not self._long_enough(bow, timestamp)
        end = BowEnd(bow, timestamp, bow.values(timestamp, reference), "")
        if bow.spoiled or too_short or too_long:
            cancelled = BowEnd(bow, timestamp, end.values, "cancelled") if bow.announced else None
            return BowUpdate(started=started, peaked=peaked, cancelled=cancelled)
        verdict = self.verdict(bow.peak_deg, duration)
        finished = BowEnd(bow, timestamp, end.values, verdict)
        return BowUpdate(started=started, peaked=peaked, finished=finished)

    def flush(self, timestamp: float, reference: Reference) -> BowEnd | None:
        """The recording (or the track) ended mid-bow."""
        bow, self.current = self.current, None
        if bow is None or not bow.announced:
            return None
        return BowEnd(bow, timestamp, bow.values(timestamp, reference), "unfinished")

    def _long_enough(self, bow: BowInProgress, timestamp: float) -> bool:
        """Long enough to be a bow for its depth (shallow ones must last longer: arm movements
        shift the shoulders by a few degrees for a moment)."""
        duration = timestamp - bow.start
        if bow.peak_deg < self.config.shallow_deg:
            return duration >= self.config.shallow_min_duration_s
        return duration >= self.config.min_duration_s

    def _spoil_check(self, bow: BowInProgress, speed: float, knee_deg: float) -> None:
        if speed > self.config.walking_speed or knee_deg < self.config.min_knee_deg:
            bow.spoiled = True
