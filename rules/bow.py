"""Bows: the trunk pitching forward and back, with depth, timing and a verdict."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from etiquette.rules.body import arms_held_out, forward_of, forward_pitch_deg, unit, wrist_heights
from etiquette.rules.config import BowConfig
from etiquette.rules.events import BowValues, BowVerdict
from etiquette.rules.trunk import Reference, View
from etiquette.rules.upper_body import ShoulderCue, Stance

HOLD_WITHIN_DEG = 2.0
# A person not seen for longer than this mid-bow (their head left the picture, the pose
# model lost them) was most probably at their deepest meanwhile.
UNSEEN_GAP_S = 0.3
# How far the measured depth may be off, by view, reported with every bow: the 90th
# percentile of the absolute depth error of semi-synthetic bows on real landmark noise,
# rounded up. Full body: 5.2 (mean 2.4; tests/rules/test_bows_real_noise.py). Upper body, a
# frontal counter camera 1.5 m in front at nose height with the hips out of the picture:
# 18.9 over six frontal clips (mean 11.2; tests/rules/test_bows_upper_body_noise.py), reading
# too deep for shallow bows (20-30 degrees: +14.5) as the shoulders come toward the camera,
# more so the nearer the camera.
UNCERTAINTY_DEG = {View.FULL_BODY: 6.0, View.UPPER_BODY: 19.0}


@dataclass(frozen=True)
class BowSample:
    """One frame of what the bow detector needs of a person."""

    direction: np.ndarray  # unit trunk vector (hips to shoulders), any fixed axes
    across: np.ndarray  # unit vector from the right to the left shoulder, same axes
    feet_speed: float  # body heights per second the feet move over the picture
    knee_deg: float  # the more bent knee's angle, 180 when the legs are not seen
    reference: Reference  # the best upright at hand, reported with the bow
    view: View
    shoulders: ShoulderCue  # for upper-body views
    world: np.ndarray | None = None  # the world landmarks, for the arms (same axes)


@dataclass
class BowInProgress:
    start: float
    peak_deg: float
    peak_time: float
    last_time: float
    hold_s: float = 0.0
    announced: bool = False
    peak_reported: bool = False
    spoiled: bool = False  # walking, knees bent or stooping on the way: not a bow
    view: View = View.FULL_BODY
    arm_raised: bool = False  # a hand was raised during it
    left_stance: float = 0.0  # when the trunk last was within end_deg of the stance
    depths: list[tuple[float, float]] = field(default_factory=list)

    def descent_s(self) -> float:
        """From leaving the stance to coming within HOLD_WITHIN_DEG of the deepest point (a
        noisy hold keeps setting new peaks, so the peak's own time says little)."""
        near = next(t for t, depth in self.depths if depth >= self.peak_deg - HOLD_WITHIN_DEG)
        return near - self.left_stance

    def values(self, end: float, reference: Reference) -> BowValues:
        return BowValues(
            peak_deg=round(self.peak_deg, 2),
            time_to_peak_s=round(self.peak_time - self.start, 3),
            hold_s=round(self.hold_s, 3),
            duration_s=round(end - self.start, 3),
            reference=reference.value,
            view=self.view.value,
            uncertainty_deg=UNCERTAINTY_DEG[self.view],
        )


@dataclass(frozen=True)
class BowEnd:
    bow: BowInProgress
    end: float
    values: BowValues
    verdict: BowVerdict


@dataclass(frozen=True)
class BowUpdate:
    """What one frame did to the bow."""

    started: BowInProgress | None = None  # confirmed as a bow (lasted min_duration_s)
    peaked: BowInProgress | None = None  # the pitch has turned back from its deepest point
    finished: BowEnd | None = None  # a whole bow, with its verdict
    cancelled: BowEnd | None = None  # announced, but turned out not to be a bow


class BowDetector:
    """One track's bows: the trunk pitching forward from the stance held just before and
    back. Depth is the angle between the trunk now and that stance, in the sagittal plane,
    so it needs no known upright: a bow is judged from the first frames a person is seen,
    and sway or a slight lean in the stance is not depth."""

    def __init__(self, config: BowConfig) -> None:
        self.config = config
        self.current: BowInProgress | None = None
        self._rest: deque[tuple[float, np.ndarray, ShoulderCue]] = deque()
        self._rest_direction: np.ndarray | None = None
        self._rest_shoulders: Stance | None = None
        self._at_rest_time: float | None = None

    def verdict(self, peak_deg: float, duration_s: float) -> BowVerdict:
        config = self.config
        if peak_deg < config.target_deg - config.tolerance_deg:
            return BowVerdict.TOO_SHALLOW
        if peak_deg > config.target_deg + config.tolerance_deg:
            return BowVerdict.TOO_DEEP
        if duration_s < config.rushed_s:
            return BowVerdict.RUSHED
        return BowVerdict.TO_STANDARD

    def _remember_stance(self, timestamp: float, sample: BowSample) -> None:
        self._rest.append((timestamp, sample.direction, sample.shoulders))
        while self._rest and timestamp - self._rest[0][0] > self.config.rest_window_s:
            self._rest.popleft()
        self._rest_direction = unit(np.median(np.stack([d for _, d, _ in self._rest]), axis=0))
        self._rest_shoulders = Stance.of([c for _, _, c in self._rest])

    def depth_deg(self, sample: BowSample, view: View) -> float | None:
        """Forward pitch of the trunk over the stance (negative leaning back), measured as
        ``view`` needs; None when the frame cannot tell (a broken upper-body skeleton)."""
        stance = self._rest_shoulders
        if view == View.UPPER_BODY and stance is not None and stance.frontal:
            if not stance.readable(sample.shoulders):
                return None
            return stance.depth_deg(sample.shoulders)
        rest = sample.direction if self._rest_direction is None else self._rest_direction
        return forward_pitch_deg(sample.direction, rest, forward_of(sample.across, rest))

    def _starts(self, sample: BowSample, depth: float) -> bool:
        config = self.config
        stance = self._rest_shoulders
        if sample.view == View.UPPER_BODY and stance is not None and stance.frontal:
            return depth >= config.upper_body_start_deg and stance.head_dropped(sample.shoulders)
        if sample.view == View.UPPER_BODY:
            # Seen from the side with the hips hidden: the model's trunk drifts by several
            # degrees, so only a clear bow counts.
            return depth >= config.upper_body_start_deg
        return depth >= config.start_deg

    def update(self, timestamp: float, sample: BowSample) -> BowUpdate:
        config = self.config
        bow = self.current
        # A bow is measured the way it began, whatever the skeleton claims meanwhile (a head
        # leaving the picture can make the guessed hips look visible).
        depth = self.depth_deg(sample, sample.view if bow is None else bow.view)
        if depth is None:
            return BowUpdate()  # as if unseen
        if bow is None:
            self._remember_stance(timestamp, sample)
            if self._stance_known(timestamp) and self._starts(sample, depth):
                left = timestamp if self._at_rest_time is None else self._at_rest_time
                self.current = BowInProgress(
                    timestamp, depth, timestamp, timestamp, view=sample.view, left_stance=left
                )
                self.current.depths.append((timestamp, depth))
                self._spoil_check(self.current, sample, depth)
            elif depth <= self._end_deg(sample.view):
                self._at_rest_time = timestamp
            return BowUpdate()
        dt = timestamp - bow.last_time
        bow.last_time = timestamp
        bow.depths.append((timestamp, depth))
        self._spoil_check(bow, sample, depth)
        if dt > UNSEEN_GAP_S and depth >= bow.peak_deg - HOLD_WITHIN_DEG:
            # Deepest while unseen: the peak lies in the gap.
            bow.hold_s += dt
            if depth >= bow.peak_deg:
                bow.peak_deg, bow.peak_time = depth, timestamp - dt / 2
        elif depth > bow.peak_deg:
            bow.peak_deg, bow.peak_time = depth, timestamp
        if dt <= UNSEEN_GAP_S and depth >= bow.peak_deg - HOLD_WITHIN_DEG:
            bow.hold_s += dt
        started = peaked = None
        if not bow.announced and not bow.spoiled and self._long_enough(bow, timestamp):
            bow.announced, started = True, bow
        if bow.announced and not bow.peak_reported and depth < bow.peak_deg - HOLD_WITHIN_DEG:
            bow.peak_reported, peaked = True, bow
        too_long = timestamp - bow.start > config.max_duration_s
        if depth >= self._end_deg(bow.view) and not too_long and not bow.spoiled:
            return BowUpdate(started=started, peaked=peaked)
        self.current = None
        if bow.spoiled or too_long:
            # They walked off, sat down, stooped or settled into a lean: whatever stance
            # comes next is learned afresh, and the next bow is measured from it.
            self._rest.clear()
            self._rest_direction, self._rest_shoulders = None, None
            self._at_rest_time = None
        duration = timestamp - bow.start
        too_short = not self._long_enough(bow, timestamp)
        too_slow = bow.descent_s() > config.max_descent_s
        values = bow.values(timestamp, sample.reference)
        if bow.spoiled or too_short or too_long or too_slow:
            cancelled = (
                BowEnd(bow, timestamp, values, BowVerdict.CANCELLED) if bow.announced else None
            )
            return BowUpdate(started=started, peaked=peaked, cancelled=cancelled)
        verdict = self.verdict(bow.peak_deg, duration)
        finished = BowEnd(bow, timestamp, values, verdict)
        return BowUpdate(started=started, peaked=peaked, finished=finished)

    def _end_deg(self, view: View) -> float:
        """Back within this of the stance, a bow is over (or has not begun). Upper-body depth
        comes from the shoulders' drop, whose noise near upright reads as several degrees:
        there it is half the start."""
        config = self.config
        return config.end_deg if view == View.FULL_BODY else config.upper_body_start_deg / 2

    def _stance_known(self, timestamp: float) -> bool:
        return bool(self._rest) and timestamp - self._rest[0][0] >= self.config.stance_min_s

    def flush(self, timestamp: float, reference: Reference) -> BowEnd | None:
        """The recording (or the track) ended mid-bow."""
        bow, self.current = self.current, None
        if bow is None or not bow.announced:
            return None
        return BowEnd(bow, timestamp, bow.values(timestamp, reference), BowVerdict.UNFINISHED)

    def _long_enough(self, bow: BowInProgress, timestamp: float) -> bool:
        """Long enough to be a bow for its depth (shallow ones must last longer, and have no
        hand raised: arm movements shift the shoulders by a few degrees)."""
        duration = timestamp - bow.start
        if bow.peak_deg < self.config.shallow_deg:
            # A raised hand shifts the model's shoulders by about as much (ASL signing).
            return not bow.arm_raised and duration >= self.config.shallow_min_duration_s
        return duration >= self.config.min_duration_s

    def _spoil_check(self, bow: BowInProgress, sample: BowSample, depth: float) -> None:
        """Walking (the feet move), sitting or squatting (the knees bend far), stooping
        (bending far deeper than any bow) and leaning in with both arms held out (a hug)
        are not bows. A real bow moves the hips back and may flex the knees a little:
        neither spoils it."""
        config = self.config
        reaching = False
        # Arm heights are measured from the hips: they count only where the hips are seen.
        if sample.world is not None and bow.view == View.FULL_BODY:
            up = sample.direction if self._rest_direction is None else self._rest_direction
            raised = max(wrist_heights(sample.world, sample.direction)) >= config.reach_height
            bow.arm_raised = bow.arm_raised or raised
            reaching = arms_held_out(
                sample.world,
                up,
                config.reach_height,
                config.reach_elbow_deg,
                config.reach_lift_deg,
            )
        if (
            reaching
            or sample.feet_speed > config.walking_speed
            or sample.knee_deg < config.min_knee_deg
            or depth > config.stoop_deg
        ):
            bow.spoiled = True
