"""All the etiquette checks for one camera, frame by frame: people in, events out.

The engine runs every track of the camera (each person's own detectors are in track.py),
ties the door-post staff's bows and welcomes to the greeting timer, forgets lost tracks and
hands everyone to the scene rules (visit.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from etiquette.rules.body import in_picture
from etiquette.rules.bow import BowEnd
from etiquette.rules.config import RulesConfig
from etiquette.rules.events import Event, Phase
from etiquette.rules.gestures import GestureFound
from etiquette.rules.greeting import GreetingMemory, GreetingTimer, StaffAct
from etiquette.rules.posture import posture_faults
from etiquette.rules.scene import PersonOnFloor, SceneContext, SceneFrame
from etiquette.rules.track import TrackState
from etiquette.rules.trunk import SceneBaseline, TrunkReading
from etiquette.rules.visit import VisitRules
from etiquette.vision.frame import FrameResult
from etiquette.vision.joints import Role

FORGET_AFTER_S = 5.0  # a track unseen this long is closed and dropped
STARTUP_S = 1.0  # tracks seen this early were there before the service looked


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
class FrameRules:
    events: list[Event] = field(default_factory=list)
    people: dict[int, PersonRules] = field(default_factory=dict)


class RulesEngine:
    def __init__(
        self, config: RulesConfig, context: SceneContext, greeting: GreetingMemory | None = None
    ) -> None:
        """``greeting``: what this camera's greeting timer had seen before a restart."""
        self.config = config
        self.context = context
        self.scene = SceneBaseline()
        self.tracks: dict[int, TrackState] = {}
        self.greeting = GreetingTimer(config.greeting, greeting)
        self.visit = VisitRules(config, context)
        self.first_frame_time: float | None = None

    def _state(self, track_id: int, timestamp: float) -> TrackState:
        state = self.tracks.get(track_id)
        if self.first_frame_time is None:
            self.first_frame_time = timestamp
        if state is None:
            at_startup = timestamp - self.first_frame_time <= STARTUP_S
            state = TrackState.start(
                track_id, self.config, self.context, self.scene, timestamp, at_startup
            )
            self.tracks[track_id] = state
        return state

    def update(self, frame: FrameResult) -> FrameRules:
        out = FrameRules()
        people, now = frame.people, frame.timestamp
        on_floor: dict[int, PersonOnFloor] = {}
        for row in range(len(people)):
            track_id = int(people.track_ids[row])
            state = self._state(track_id, now)
            dt = max(0.0, now - state.last_time)
            state.motion.update(people.keypoints[row], now)
            state.last_time = now
            floor = people.floor[row]
            zones = self.context.zones
            known_floor = zones is not None and bool(np.isfinite(floor).all())
            state.floor_motion.update(floor if known_floor else None, now)
            state.role.update(
                dt, zones.post_at(floor) if zones is not None and known_floor else None
            )
            if known_floor:
                out.events += self._arrival(track_id, state, floor, now)
            world, keypoints = people.world[row], people.keypoints[row]
            # Which view the trunk is seen in rests on the joints inside the picture.
            in_view = in_picture(keypoints, frame.width, frame.height)
            reading = state.trunk.update(
                now, in_view, world, state.motion.hip_speed, people.standing_trunk[row]
            )
            up = None if reading is None else reading.up
            state.stance = state.stance_meter.update(now, in_view, world, up)
            faults: list[str] | None = None
            if reading is not None:
                state.reference = reading.reference
                # Gestures only need a rough "up"; bows and posture need the true upright.
                found = state.read_hands(people, row, reading.up, now, self.config.gestures)
                out.events += self._gestures(state, found)
            seen = reading is not None and reading.confidence >= self.config.trunk.min_visibility
            if reading is not None and seen:
                # A bow is over the stance just before: it needs no known upright.
                out.events += self._bow(state, reading, keypoints, world, now)
                if reading.ready and reading.torso_seen >= self.config.trunk.min_visibility:
                    faults = posture_faults(world, reading, self.config.posture)
            out.events += state.posture_events(faults, now)
            out.people[track_id] = PersonRules(
                trunk_deg=None if reading is None else round(reading.angle_deg, 2),
                pitch_deg=None if reading is None else round(reading.pitch_deg, 2),
                reference=None if reading is None else reading.reference.value,
                role=state.role.role,
                role_reason=state.role.reason,
                posture_faults=None if faults is None else tuple(faults),
            )
            posture_ok = None if faults is None else not faults
            on_floor[track_id] = state.on_floor(people, row, in_view, reading, posture_ok)
        out.events += self._forget(now)
        out.events += self.greeting.expire(now, self._staff_at_door(), self._pending_since())
        scene = SceneFrame(now, on_floor, tuple(out.events), frame.width, frame.height)
        out.events += self.visit.update(scene)
        return out

    def finish(self, timestamp: float) -> list[Event]:
        """Close what is still open at the end of a recording."""
        events: list[Event] = []
        for track_id in list(self.tracks):
            events += self._close_track(track_id, timestamp)
        events += self.greeting.finish(timestamp, staff_present=False)
        return events + self.visit.finish(timestamp)

    # -- pieces ------------------------------------------------------------------------

    def _arrival(
        self, track_id: int, state: TrackState, floor: np.ndarray, now: float
    ) -> list[Event]:
        zones = self.context.zones
        if zones is None or state.arrived:
            return []
        state.came_from_inside = state.came_from_inside or zones.beyond_arrival_zone(floor)
        inside = zones.in_arrival_zone(floor)
        entered = inside and not state.was_inside_arrival
        state.was_inside_arrival = inside
        if not entered or state.came_from_inside or not state.role.arrived():
            return []
        state.arrived = True
        where = (float(floor[0]), float(floor[1]))
        return self.greeting.arrival(track_id, now, where, self._staff_at_door())

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

    def _pending_since(self) -> float | None:
        """When the door-post staff's unfinished bow or welcome gesture began."""
        starts = []
        for state in self.tracks.values():
            if not self._at_door_post(state):
                continue
            if state.bow.current is not None and not state.bow.current.spoiled:
                starts.append(state.bow.current.start)
            starts += [s for d in state.hands.values() if (s := d.open_since()) is not None]
        return min(starts, default=None)

    def _bow(
        self,
        state: TrackState,
        reading: TrunkReading,
        keypoints: np.ndarray,
        world: np.ndarray,
        now: float,
    ) -> list[Event]:
        """The track's bow events; a bow by the door-post staff is a greeting act."""
        result = state.read_bow(reading, keypoints, world, now)
        events = state.bow_events(result, now)
        if result.started is not None and self._at_door_post(state):
            state.bow_act = StaffAct(state.track, result.started.start, "bow")
            self.greeting.act_started(state.bow_act)
        self._settle_bow_act(
            state,
            result.finished,
            dropped=result.cancelled is not None
            or (state.bow.current is None and result.finished is None),
        )
        return events

    def _settle_bow_act(self, state: TrackState, finished: BowEnd | None, dropped: bool) -> None:
        act = state.bow_act
        if act is None:
            return
        if finished is not None:
            act.finished, act.end = True, finished.end
            act.bow, act.bow_verdict = finished.values, finished.verdict
            state.bow_act = None
        elif dropped:
            self.greeting.act_dropped(act)
            state.bow_act = None

    def _gestures(self, state: TrackState, found: list[GestureFound]) -> list[Event]:
        """The track's gesture events; a welcome by the door-post staff is a greeting act."""
        for gesture in found:
            if gesture.kind == "welcome_gesture" and self._at_door_post(state):
                act = StaffAct(
                    state.track, gesture.start, gesture.kind, finished=True, end=gesture.end
                )
                self.greeting.act_started(act)
        return state.gesture_events(found)

    def _close_track(self, track_id: int, timestamp: float) -> list[Event]:
        """Flush a track's open gestures, posture lapse and bow, and drop it."""
        state = self.tracks.pop(track_id)
        events = self._gestures(state, state.flush_hands())
        events += state.close_posture()
        end = state.bow.flush(min(timestamp, state.last_time), state.reference)
        if end is not None:
            events.append(state.bow_event(Phase.END, end.bow, end.end, end))
        self._settle_bow_act(state, end, dropped=True)
        return events

    def _forget(self, now: float) -> list[Event]:
        stale = [t for t, s in self.tracks.items() if now - s.last_time > FORGET_AFTER_S]
        return [event for track_id in stale for event in self._close_track(track_id, now)]
