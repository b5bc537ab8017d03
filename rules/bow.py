"""Bows: the trunk pitching forward and back, with depth, timing and a verdict."""

from __future__ import annotations

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


@dataclass(frozen=True)
class BowUpdate:
    """What one frame did to the bow: started it (confirmed), ended it, or nothing."""

    started: BowInProgress | None = None
    peaked: BowInProgress | None = None  # the pitch has turned back from its deepest point
    finished: tuple[BowInProgress, float, BowValues, str] | None = None


class BowDetector:
    """One track's bows, from its forward trunk pitch measured against the stance it held
    just before (so a slight lean or sway in the stance does not count as depth)."""

    def __init__(self, config: BowConfig) -> None:
        self.config = config
        self.current: BowInProgress | None = None
        self._rest: list[tuple[float, float]] = []

    def rest_pitch(self) -> float:
        return float(np.median([p for _, p in self._rest])) if self._rest else 0.0

    def verdict(self, peak_deg: float, duration_s: float) -> str:
        config = self.config
        if peak_deg < config.target_deg - config.tolerance_deg:
            return "too_shallow"
        if peak_deg > config.target_deg + config.tolerance_deg:
            return "too_deep"
        if duration_s < config.rushed_s:
            return "rushed"
        return "to_standard"

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
            self._rest.append((timestamp, pitch_deg))
            self._rest = [(t, p) for t, p in self._rest if timestamp - t <= config.rest_window_s]
        pitch_deg -= self.rest_pitch()
        if bow is None:
            if pitch_deg >= config.start_deg and len(self._rest) > 1:
                self.current = BowInProgress(timestamp, pitch_deg, timestamp, timestamp)
                self._spoil_check(self.current, speed, knee_deg)
            return BowUpdate()
        dt = timestamp - bow.last_time
        bow.last_time = timestamp
        self._spoil_check(bow, speed, knee_deg)
        if pitch_deg > bow.peak_deg:
            bow.peak_deg, bow.peak_time = pitch_deg, timestamp
        if pitch_deg >= bow.peak_deg - HOLD_WITHIN_DEG:
            bow.hold_s += dt
        started: BowInProgress | None = None
        if not bow.announced and not bow.spoiled and timestamp - bow.start >= config.min_duration_s:
            bow.announced = True
            started = bow
        peaked: BowInProgress | None = None
        if bow.announced and not bow.peak_reported and pitch_deg < bow.peak_deg - HOLD_WITHIN_DEG:
            bow.peak_reported = True
            peaked = bow
        if pitch_deg >= config.end_deg and timestamp - bow.start <= config.max_duration_s:
            return BowUpdate(started=started, peaked=peaked)
        self.current = None
        duration = timestamp - bow.start
        too_short = duration < config.min_duration_s or (
            bow.peak_deg < config.shallow_deg and duration < config.shallow_min_duration_s
        )
        if bow.spoiled or too_short or duration > config.max_duration_s:
            return BowUpdate(started=started)
        values = BowValues(
            peak_deg=round(bow.peak_deg, 2),
            time_to_peak_s=round(bow.peak_time - bow.start, 3),
            hold_s=round(bow.hold_s, 3),
            duration_s=round(duration, 3),
            reference=reference.value,
        )
        return BowUpdate(
            started=started, finished=(bow, timestamp, values, self.verdict(bow.peak_deg, duration))
        )

    def _spoil_check(self, bow: BowInProgress, speed: float, knee_deg: float) -> None:
        if speed > self.config.walking_speed or knee_deg < self.config.min_knee_deg:
            bow.spoiled = True
