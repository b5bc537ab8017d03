"""All the etiquette checks for one camera, frame by frame: per-track state in, events out."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from calibration.zones import FloorZones
from rules.body import body_height_px, knee_angle_deg
from rules.bow import BowDetector, BowInProgress
from rules.config import RulesConfig
from rules.events import BowValues, Event, GestureValues, Phase, PostureValues
from rules.gestures import GestureDetector, read_hand
from rules.greeting import GreetingTimer, StaffAct
from rules.posture import PostureTracker, posture_faults
from rules.roles import ROLE_NAMES, RoleKeeper
from rules.trunk import SceneBaseline, TrunkMeter, TrunkReading
from vision.frame import FrameResult
from vision.joints import HandSide, Joint, Role

SPEED_SMOOTHING = 0.3  # weight of the newest speed sample
FORGET_AFTER_S = 5.0  # state of a track unseen this long is dropped


@dataclass(frozen=True)
class SceneContext:
    """What calibration says about the camera: gravity (camera axes) and the floor zones."""

    gravity: np.ndarray | None = None
    zones: FloorZones | None = None


@dataclass(frozen=True)
class PersonRules:
    """Per-person results of one frame, for tracks.jsonl and live views."""

    trunk_deg: float | None
    pitch_deg: float | None
    reference: str | None
    role: Role
    role_reason: str
    posture_faults: tuple[str, ...] | None


@dataclass
class TrackState:
    trunk: TrunkMeter
    bow: BowDetector
    hands: dict[HandSide, GestureDetector]
    posture: PostureTracker
    role: RoleKeeper
    last_time: float
    last_centre: np.ndarray | None = None
    speed: float = 0.0
    arrived: bool = False
    was_inside_arrival: bool = True  # first seen in the zone: wait until it is entered
    bow_act: StaffAct | None = None


@dataclass
class FrameRules:
    events: list[Event] = field(default_factory=list)
    people: dict[int, PersonRules] = field(default_factory=dict)


class RulesEngine:
    def __init__(self, config: RulesConfig, context: SceneContext) -> None:
        self.config = config
        self.context = context
        self.scene = SceneBaseline()
        self.tracks: dict[int, TrackState] = {}
        self.greeting = GreetingTimer(config.greeting)

    def _state(self, track_id: int, timestamp: float) -> TrackState:
        state = self.tracks.get(track_id)
        if state is None:
            config = self.config
            state = TrackState(
                trunk=TrunkMeter(config.trunk, self.context.gravity, self.scene),
                bow=BowDetector(config.bow),
                hands={side: GestureDetector(side, config.gestures) for side in HandSide},
                posture=PostureTracker(config.posture),
                role=RoleKeeper(track_id, config.roles),
                last_time=timestamp,
            )
            self.tracks[track_id] = state
        return state

    def update(self, frame: FrameResult) -> FrameRules:
        out = FrameRules()
        people, now = frame.people, frame.timestamp
        for row in range(len(people)):
            track_id = int(people.track_ids[row])
            state = self._state(track_id, now)
            dt = max(0.0, now - state.last_time)
            self._update_speed(state, people.keypoints[row], now)
            state.last_time = now
            floor = people.floor[row]
            zones = self.context.zones
            post = zones.post_at(floor) if zones is not None and np.isfinite(floor).all() else None
            state.role.update(dt, post)
            out.events += self._arrival(track_id, state, floor, now)
            reading = state.trunk.update(now, people.keypoints[row], people.world[row], state.speed)
            faults: list[str] | None = None
            world = people.world[row]
            if reading is not None:
                # Gestures only need a rough "up"; bows and posture need the true upright.
                out.events += self._gestures(
                    track_id,
                    state,
                    reading,
                    people.keypoints[row],
                    people.hands[row],
                    people.hand_scores[row],
                    world,
                    now,
                )
            judged = (
                reading is not None
                and reading.ready
                and reading.confidence >= self.config.trunk.min_visibility
            )
            if reading is not None and judged:
                out.events += self._bow(track_id, state, reading, world, now)
                faults = posture_faults(world, reading, self.config.posture)
                out.events += self._posture(track_id, state, faults, now)
            out.people[track_id] = PersonRules(
                trunk_deg=None if reading is None else round(reading.angle_deg, 2),
                pitch_deg=None if reading is None else round(reading.pitch_deg, 2),
                reference=None if reading is None else reading.reference.value,
                role=state.role.role,
                role_reason=state.role.reason,
                posture_faults=None if faults is None else tuple(faults),
            )
        out.events += self.greeting.update(now, self._staff_at_door())
        self._forget(now)
        return out

    def finish(self, timestamp: float) -> list[Event]:
        """Close what is still open at the end of a recording."""
        events: list[Event] = []
        for track_id, state in self.tracks.items():
            for detector in state.hands.values():
                for found in detector.update(None, math.inf):
                    events.append(
                        self._gesture_event(
                            track_id, state, found.kind, found.start, found.end, found.values
                        )
                    )
            lapse = state.posture.flush(timestamp, state.role.post)
            if lapse is not None and state.role.role == Role.STAFF:
                events.append(self._posture_event(track_id, state, *lapse))
        events += self.greeting.update(math.inf, self._staff_at_door())
        return events

    # -- pieces ------------------------------------------------------------------------

    def _update_speed(self, state: TrackState, keypoints: np.ndarray, now: float) -> None:
        centre = keypoints[[Joint.LEFT_HIP, Joint.RIGHT_HIP], :2].mean(axis=0)
        if state.last_centre is not None and now > state.last_time:
            step = float(np.linalg.norm(centre - state.last_centre)) / body_height_px(keypoints)
            sample = step / (now - state.last_time)
            state.speed = SPEED_SMOOTHING * sample + (1 - SPEED_SMOOTHING) * state.speed
        state.last_centre = centre

    def _role_name(self, state: TrackState) -> str | None:
        return ROLE_NAMES.get(state.role.role)

    def _arrival(
        self, track_id: int, state: TrackState, floor: np.ndarray, now: float
    ) -> list[Event]:
        zones = self.context.zones
        if zones is None or state.arrived or not np.isfinite(floor).all():
            return []
        inside = zones.in_arrival_zone(floor)
        entered = inside and not state.was_inside_arrival
        state.was_inside_arrival = inside
        if not entered or not state.role.arrived():
            return []
        state.arrived = True
        return self.greeting.arrival(track_id, now, (float(floor[0]), float(floor[1])))

    def _at_door_post(self, state: TrackState) -> bool:
        if state.role.role != Role.STAFF:
            return False
        zones = self.context.zones
        door_post = self.config.greeting.door_post
        if zones is None or door_post not in zones.posts:
            return True  # no door post drawn: any staff member greets
        return state.role.post == door_post

    def _staff_at_door(self) -> bool:
        return any(self._at_door_post(s) for s in self.tracks.values())

    def _bow(
        self,
        track_id: int,
        state: TrackState,
        reading: TrunkReading,
        world: np.ndarray,
        now: float,
    ) -> list[Event]:
        result = state.bow.update(
            now, reading.pitch_deg, reading.reference, state.speed, knee_angle_deg(world)
        )
        events: list[Event] = []
        role = self._role_name(state)
        if result.started is not None:
            bow = result.started
            events.append(
                Event(
                    type="bow",
                    phase=Phase.START,
                    track=track_id,
                    role=role,
                    start=bow.start,
                    end=now,
                    peak=bow.peak_time,
                    values=self._bow_values_so_far(bow, reading),
                )
            )
            if self._at_door_post(state):
                state.bow_act = StaffAct(track_id, bow.start, "bow")
                self.greeting.act_started(state.bow_act)
        if result.peaked is not None:
            bow = result.peaked
            events.append(
                Event(
                    type="bow",
                    phase=Phase.UPDATE,
                    track=track_id,
                    role=role,
                    start=bow.start,
                    end=now,
                    peak=bow.peak_time,
                    values=self._bow_values_so_far(bow, reading),
                )
            )
        if result.finished is not None:
            bow, end, values, verdict = result.finished
            events.append(
                Event(
                    type="bow",
                    phase=Phase.END,
                    track=track_id,
                    role=role,
                    start=bow.start,
                    end=end,
                    peak=bow.peak_time,
                    values=values,
                    verdict=verdict,
                )
            )
            if state.bow_act is not None:
                act, state.bow_act = state.bow_act, None
                act.finished, act.end, act.bow, act.bow_verdict = True, end, values, verdict
        elif state.bow.current is None and state.bow_act is not None:
            self.greeting.act_dropped(state.bow_act)
            state.bow_act = None
        return events

    @staticmethod
    def _bow_values_so_far(bow: BowInProgress, reading: TrunkReading) -> BowValues:
        return BowValues(
            peak_deg=round(bow.peak_deg, 2),
            time_to_peak_s=round(bow.peak_time - bow.start, 3),
            hold_s=round(bow.hold_s, 3),
            duration_s=round(bow.last_time - bow.start, 3),
            reference=reading.reference.value,
        )

    def _gestures(
        self,
        track_id: int,
        state: TrackState,
        reading: TrunkReading,
        keypoints: np.ndarray,
        hands: np.ndarray,
        scores: np.ndarray,
        world: np.ndarray,
        now: float,
    ) -> list[Event]:
        events: list[Event] = []
        for side, detector in state.hands.items():
            frame = None
            if scores[side] > 0:
                frame = read_hand(
                    now, keypoints, world, hands[side], side, reading.up, self.config.gestures
                )
            for found in detector.update(frame, now):
                events.append(
                    self._gesture_event(
                        track_id, state, found.kind, found.start, found.end, found.values
                    )
                )
        return events

    def _gesture_event(
        self,
        track_id: int,
        state: TrackState,
        kind: str,
        start: float,
        end: float,
        values: GestureValues,
    ) -> Event:
        if kind == "welcome_gesture" and self._at_door_post(state):
            act = StaffAct(track_id, start, kind, finished=True, end=end)
            self.greeting.act_started(act)
        return Event(
            type=kind,
            phase=Phase.END,
            track=track_id,  # type: ignore[arg-type]
            role=self._role_name(state),
            start=start,
            end=end,
            values=values,
        )

    def _posture(
        self, track_id: int, state: TrackState, faults: list[str], now: float
    ) -> list[Event]:
        if state.role.role != Role.STAFF or state.role.post is None:
            return []
        lapse = state.posture.update(now, faults, state.role.post)
        return [] if lapse is None else [self._posture_event(track_id, state, *lapse)]

    def _posture_event(
        self, track_id: int, state: TrackState, start: float, end: float, values: PostureValues
    ) -> Event:
        return Event(
            type="posture",
            phase=Phase.END,
            track=track_id,
            role="staff",
            start=start,
            end=end,
            values=values,
            verdict="off_standard",
        )

    def _forget(self, now: float) -> None:
        stale = [t for t, s in self.tracks.items() if now - s.last_time > FORGET_AFTER_S]
        for track_id in stale:
            del self.tracks[track_id]
