"""All the etiquette checks for one camera, frame by frame: per-track state in, events out."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from etiquette.rules.body import in_picture, knee_angle_deg, legs_visible
from etiquette.rules.bow import BowDetector, BowEnd, BowInProgress, BowSample
from etiquette.rules.config import RulesConfig
from etiquette.rules.events import BowEvent, Event, GestureEvent, Phase, PostureEvent, PostureValues
from etiquette.rules.gestures import GestureDetector, GestureFound, read_hand
from etiquette.rules.greeting import GreetingMemory, GreetingTimer, StaffAct
from etiquette.rules.motion import BodyMotion
from etiquette.rules.posture import PostureTracker, posture_faults
from etiquette.rules.roles import ROLE_NAMES, RoleKeeper
from etiquette.rules.scene import FloorMotion, PersonOnFloor, SceneContext, SceneFrame, Stance
from etiquette.rules.stance import StanceMeter
from etiquette.rules.trunk import Reference, SceneBaseline, TrunkMeter, TrunkReading
from etiquette.rules.upper_body import ShoulderCue
from etiquette.rules.visit import VisitRules
from etiquette.vision.frame import FrameResult
from etiquette.vision.joints import HandSide, Role

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
class TrackState:
    trunk: TrunkMeter
    bow: BowDetector
    hands: dict[HandSide, GestureDetector]
    posture: PostureTracker
    role: RoleKeeper
    last_time: float
    stance_meter: StanceMeter
    motion: BodyMotion = field(default_factory=BodyMotion)
    arrived: bool = False
    # Someone already in the arrival zone when the service starts did not just arrive; a
    # person appearing there later did (their feet often come into view past the door line).
    was_inside_arrival: bool = False
    # Someone seen deeper inside than the arrival zone who then walks into it is leaving.
    came_from_inside: bool = False
    bow_act: StaffAct | None = None
    reference: Reference = Reference.CAMERA
    floor_motion: FloorMotion = field(default_factory=FloorMotion)
    stance: str = Stance.UNKNOWN


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
            config = self.config
            state = TrackState(
                trunk=TrunkMeter(config.trunk, self.context.gravity, self.scene),
                bow=BowDetector(config.bow),
                hands={side: GestureDetector(side, config.gestures) for side in HandSide},
                posture=PostureTracker(config.posture),
                role=RoleKeeper(track_id, config.roles, faces_post=self.context.faces_post),
                last_time=timestamp,
                stance_meter=StanceMeter(config.stance),
                was_inside_arrival=timestamp - self.first_frame_time <= STARTUP_S,
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
                for side, detector in state.hands.items():
                    hand = None
                    if people.hand_scores[row, side] > 0:
                        hand = read_hand(
                            now,
                            keypoints,
                            world,
                            people.hands[row, side],
                            side,
                            reading.up,
                            self.config.gestures,
                        )
                    out.events += self._gestures(track_id, state, detector.update(hand, now))
            seen = reading is not None and reading.confidence >= self.config.trunk.min_visibility
            if reading is not None and seen:
                # A bow is over the stance just before: it needs no known upright.
                out.events += self._bow(track_id, state, reading, keypoints, world, now)
                if reading.ready and reading.torso_seen >= self.config.trunk.min_visibility:
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
            posture_ok = None if faults is None else not faults
            on_floor[track_id] = self._on_floor(
                track_id, state, row, frame, in_view, reading, posture_ok
            )
        out.events += self._forget(now)
        out.events += self.greeting.expire(now, self._staff_at_door(), self._pending_since())
        scene = SceneFrame(now, on_floor, tuple(out.events), frame.width, frame.height)
        out.events += self.visit.update(scene)
        return out

    def _on_floor(
        self,
        track_id: int,
        state: TrackState,
        row: int,
        frame: FrameResult,
        in_view: np.ndarray,
        reading: TrunkReading | None,
        posture_ok: bool | None,
    ) -> PersonOnFloor:
        people, motion = frame.people, state.floor_motion
        return PersonOnFloor(
            track=track_id,
            role=state.role.role,
            post=state.role.post,
            floor=None if motion.position is None else motion.position.copy(),
            velocity=motion.velocity.copy(),
            heading=motion.heading,
            stance=state.stance,
            posture_ok=posture_ok,
            keypoints=in_view,
            world=people.world[row],
            up=None if reading is None else reading.up,
            hands=people.hands[row],
            hand_scores=people.hand_scores[row],
        )

    def finish(self, timestamp: float) -> list[Event]:
        """Close what is still open at the end of a recording."""
        events: list[Event] = []
        for track_id in list(self.tracks):
            events += self._close_track(track_id, timestamp)
        events += self.greeting.finish(timestamp, staff_present=False)
        return events + self.visit.finish(timestamp)

    # -- pieces ------------------------------------------------------------------------

    def _role_name(self, state: TrackState) -> str | None:
        return ROLE_NAMES.get(state.role.role)

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

    def _bow_event(
        self,
        track_id: int,
        state: TrackState,
        phase: Phase,
        bow: BowInProgress,
        now: float,
        end: BowEnd | None = None,
    ) -> Event:
        values = end.values if end is not None else bow.values(now, state.reference)
        return BowEvent(
            phase=phase,
            track=track_id,
            role=self._role_name(state),
            start=bow.start,
            end=now,
            peak=bow.peak_time,
            values=values,
            verdict=None if end is None else end.verdict,
        )

    def _bow(
        self,
        track_id: int,
        state: TrackState,
        reading: TrunkReading,
        keypoints: np.ndarray,
        world: np.ndarray,
        now: float,
    ) -> list[Event]:
        sample = BowSample(
            direction=reading.direction,
            across=reading.across,
            feet_speed=state.motion.feet_speed,
            knee_deg=knee_angle_deg(world) if legs_visible(keypoints) else 180.0,
            reference=reading.reference,
            view=reading.view,
            shoulders=ShoulderCue.from_keypoints(keypoints),
            world=world,
        )
        result = state.bow.update(now, sample)
        events: list[Event] = []
        if result.started is not None:
            events.append(self._bow_event(track_id, state, Phase.START, result.started, now))
            if self._at_door_post(state):
                state.bow_act = StaffAct(track_id, result.started.start, "bow")
                self.greeting.act_started(state.bow_act)
        if result.peaked is not None:
            events.append(self._bow_event(track_id, state, Phase.UPDATE, result.peaked, now))
        ended = result.finished or result.cancelled
        if ended is not None and (result.finished is not None or ended.bow.announced):
            events.append(self._bow_event(track_id, state, Phase.END, ended.bow, now, ended))
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

    def _gestures(self, track_id: int, state: TrackState, found: list[GestureFound]) -> list[Event]:
        events: list[Event] = []
        for gesture in found:
            if gesture.kind == "welcome_gesture" and self._at_door_post(state):
                act = StaffAct(
                    track_id, gesture.start, gesture.kind, finished=True, end=gesture.end
                )
                self.greeting.act_started(act)
            events.append(
                GestureEvent(
                    type=gesture.kind,
                    phase=Phase.END,
                    track=track_id,
                    role=self._role_name(state),
                    start=gesture.start,
                    end=gesture.end,
                    values=gesture.values,
                )
            )
        return events

    def _posture(
        self, track_id: int, state: TrackState, faults: list[str] | None, now: float
    ) -> list[Event]:
        """Lapses are judged only for staff at a post; leaving the post ends a lapse."""
        if state.role.role != Role.STAFF:
            return []
        if state.role.post is None or faults is None:
            lapse = state.posture.left_post(state.role.post)
        else:
            lapse = state.posture.update(now, faults, state.role.post)
        return [] if lapse is None else [self._posture_event(track_id, *lapse)]

    @staticmethod
    def _posture_event(track_id: int, start: float, end: float, values: PostureValues) -> Event:
        return PostureEvent(
            phase=Phase.END, track=track_id, role="staff", start=start, end=end, values=values
        )

    def _close_track(self, track_id: int, timestamp: float) -> list[Event]:
        """Flush a track's open gestures, posture lapse and bow, and drop it."""
        state = self.tracks.pop(track_id)
        events: list[Event] = []
        for detector in state.hands.values():
            events += self._gestures(track_id, state, detector.flush())
        if state.role.role == Role.STAFF:
            lapse = state.posture.left_post(state.role.post)
            if lapse is not None:
                events.append(self._posture_event(track_id, *lapse))
        end = state.bow.flush(min(timestamp, state.last_time), state.reference)
        if end is not None:
            events.append(self._bow_event(track_id, state, Phase.END, end.bow, end.end, end))
        self._settle_bow_act(state, end, dropped=True)
        return events

    def _forget(self, now: float) -> list[Event]:
        stale = [t for t, s in self.tracks.items() if now - s.last_time > FORGET_AFTER_S]
        return [event for track_id in stale for event in self._close_track(track_id, now)]
