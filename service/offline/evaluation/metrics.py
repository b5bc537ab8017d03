"""Reported people and events against the labels of one clip: pure numbers, no video."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from etiquette.service.offline.evaluation.labels import LabelledClip, LabelledEvent, PeopleRange

# Arrivals and door crossings need the floor and the door line of a camera file.
NEEDS_CAMERA = {"customer_arrived", "door_crossing"}
# Events of one moment (the product reports start == end). Their label's frames bracket that
# moment as well as the eye can tell it (an arrival: from the first foot on the door line until
# both feet are over it, or the person stands still astride it); a reported one matches when
# its start lies inside them, give or take the clip's tolerance, and its start error is how
# far outside them it lies (0 inside). They have no end of their own, so no end error.
INSTANT = {"customer_arrived", "door_crossing"}


@dataclass(frozen=True)
class ReportedEvent:
    """One finished event, in frames of the clip."""

    type: str
    start: int
    end: int
    peak: int | None = None
    depth_deg: float | None = None
    verdict: str | None = None


@dataclass(frozen=True)
class FrameSeen:
    """Who was reported in one frame."""

    index: int
    track_ids: tuple[int, ...]


@dataclass
class TypeScore:
    """Detection and timing of one event type."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    start_errors: list[int] = field(default_factory=list)
    peak_errors: list[int] = field(default_factory=list)
    end_errors: list[int] = field(default_factory=list)
    depth_errors: list[float] = field(default_factory=list)

    def add(self, other: TypeScore) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        self.start_errors += other.start_errors
        self.peak_errors += other.peak_errors
        self.end_errors += other.end_errors
        self.depth_errors += other.depth_errors

    def summary(self) -> dict[str, float | int | None]:
        found, labelled = self.tp + self.fp, self.tp + self.fn
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": _ratio(self.tp, found),
            "recall": _ratio(self.tp, labelled),
            "start_error_frames": _mean(self.start_errors),
            "peak_error_frames": _mean(self.peak_errors),
            "end_error_frames": _mean(self.end_errors),
            "depth_error_deg": _mean(self.depth_errors),
        }


@dataclass
class PeopleScore:
    frames: int = 0
    frames_right: int = 0
    acquisition_delays: list[int] = field(default_factory=list)
    id_switches: int = 0

    def add(self, other: PeopleScore) -> None:
        self.frames += other.frames
        self.frames_right += other.frames_right
        self.acquisition_delays += other.acquisition_delays
        self.id_switches += other.id_switches

    def summary(self) -> dict[str, float | int | None]:
        return {
            "count_accuracy": _ratio(self.frames_right, self.frames),
            "acquisition_delay_frames_max": max(self.acquisition_delays, default=None),
            "acquisition_delay_frames_mean": _mean(self.acquisition_delays),
            "id_switches": self.id_switches,
        }


@dataclass
class ClipScore:
    people: PeopleScore = field(default_factory=PeopleScore)
    events: dict[str, TypeScore] = field(default_factory=dict)
    not_scored: list[str] = field(default_factory=list)

    def add(self, other: ClipScore) -> None:
        self.people.add(other.people)
        for kind, score in other.events.items():
            self.events.setdefault(kind, TypeScore()).add(score)

    def summary(self) -> dict[str, object]:
        return {
            "people": self.people.summary(),
            "events": {kind: s.summary() for kind, s in sorted(self.events.items())},
            "not_scored": sorted(set(self.not_scored)),
        }


def _ratio(a: int, b: int) -> float | None:
    return None if b == 0 else round(a / b, 4)


def _mean(values: list[int] | list[float]) -> float | None:
    return None if not values else round(sum(values) / len(values), 3)


def _outside(value: float, low: float, high: float) -> float:
    """How far ``value`` lies outside [low, high] (0 inside)."""
    return max(low - value, 0.0, value - high)


def score_people(ranges: list[PeopleRange], frames: list[FrameSeen]) -> PeopleScore:
    score = PeopleScore()
    by_index = {f.index: f for f in frames}
    for labelled in ranges:
        first, last = labelled.frames
        seen = [by_index[i] for i in range(first, last + 1) if i in by_index]
        score.frames += len(seen)
        score.frames_right += sum(
            1 for f in seen if labelled.low <= len(f.track_ids) <= labelled.high
        )
        if labelled.acquire and labelled.low > 0:
            found = next(
                (f.index - first for f in seen if len(f.track_ids) >= labelled.low),
                last - first + 1,
            )
            score.acquisition_delays.append(found)
        if labelled.count is not None and labelled.count > 0:
            ids = {t for f in seen for t in f.track_ids}
            score.id_switches += max(0, len(ids) - labelled.count)
    return score


def _overlap(label: LabelledEvent, event: ReportedEvent, tolerance: int) -> int:
    return min(label.end + tolerance, event.end) - max(label.start - tolerance, event.start)


def _fit(label: LabelledEvent, event: ReportedEvent, tolerance: int) -> float:
    """How well ``event`` fits ``label``: negative when it cannot match; larger is better
    (an extended event: the frames they share; an instant one: the closer to the label)."""
    if label.type in INSTANT:
        return tolerance - _outside(event.start, label.start, label.end)
    return _overlap(label, event, tolerance)


def score_events(
    clip: LabelledClip, reported: list[ReportedEvent], has_camera: bool
) -> tuple[dict[str, TypeScore], list[str]]:
    """One-to-one matching per event type, in label order: each label takes the reported
    event that fits it best (extended events: the largest overlap, the labelled frames widened
    by the clip's tolerance; instant events: the start nearest the labelled frames, at most the
    tolerance outside them)."""
    scores: dict[str, TypeScore] = {}
    not_scored: list[str] = []
    kinds = {e.type for e in clip.events} | set(clip.complete)
    for kind in sorted(kinds):
        if kind in NEEDS_CAMERA and not has_camera:
            not_scored.append(kind)
            continue
        score = scores.setdefault(kind, TypeScore())
        labels = sorted((e for e in clip.events if e.type == kind), key=lambda e: e.start)
        candidates = [e for e in reported if e.type == kind]
        for label in labels:
            best = max(
                candidates, key=lambda e: _fit(label, e, clip.tolerance_frames), default=None
            )
            if best is None or _fit(label, best, clip.tolerance_frames) < 0:
                score.fn += 1
                continue
            candidates.remove(best)
            score.tp += 1
            if kind in INSTANT:
                score.start_errors.append(int(_outside(best.start, label.start, label.end)))
                continue
            score.start_errors.append(abs(best.start - label.start))
            score.end_errors.append(abs(best.end - label.end))
            if label.peak is not None and best.peak is not None:
                score.peak_errors.append(int(_outside(best.peak, *label.peak)))
            if label.depth_deg is not None and best.depth_deg is not None:
                score.depth_errors.append(round(_outside(best.depth_deg, *label.depth_deg), 2))
        if kind in clip.complete:
            score.fp += len(candidates)
    return scores, not_scored


def score_clip(
    clip: LabelledClip,
    frames: list[FrameSeen],
    reported: list[ReportedEvent],
    has_camera: bool,
) -> ClipScore:
    events, not_scored = score_events(clip, reported, has_camera)
    return ClipScore(score_people(clip.people, frames), events, not_scored)


def frame_of(timestamp: float, timestamps: list[float]) -> int:
    """The index of the frame captured nearest ``timestamp`` (timestamps ascending)."""
    if not timestamps or not math.isfinite(timestamp):
        return 0
    after = bisect.bisect_left(timestamps, timestamp)
    if after == 0:
        return 0
    if after == len(timestamps):
        return len(timestamps) - 1
    before = after - 1
    closer = timestamp - timestamps[before] <= timestamps[after] - timestamp
    return before if closer else after
