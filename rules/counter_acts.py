"""What a camera facing a counter post sees its teller do (临柜五部曲): stand up from sitting,
reach across the counter with one or both hands, and look toward the customer's side.

The camera faces the teller across the counter, at about head height: the customer stands
behind or under it, so "toward the counter" and "toward the customer" are toward the camera.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from etiquette.rules.body import CAMERA_UP, EARS, horizontal, midpoint, unit
from etiquette.rules.events import Event, Phase
from etiquette.rules.scene import PersonOnFloor, SceneContext, SceneFrame, Stance
from etiquette.rules.visit_config import TellerConfig
from etiquette.rules.visit_events import (
    AttentionEvent,
    AttentionValues,
    HandoverEvent,
    HandoverValues,
    StoodUpEvent,
    StoodUpValues,
)
from etiquette.vision.joints import Joint

# Toward the camera in camera axes (z points away from it).
TOWARD_CAMERA = np.array([0.0, 0.0, -1.0])
# Joints seen at least this well are read (the pose model's own threshold elsewhere).
MIN_VISIBILITY = 0.5
# A reach or a look interrupted for this long or less goes on (one or two frames of a
# landmark dropping out at 15-30 fps are not the hand coming back).
GAP_S = 0.3
# A face pointing further below level than this looks down at the desk or the counter top,
# not at the customer: a level face reads 5-16 degrees down (the nose sits below the ears;
# xiph_bowing, intel_asl_*), the onset of a bow 22-30, a nod to the desk 30 and more.
LOOK_DOWN_MAX_DEG = 20.0
# Looks shorter than this are glances through noise, not attention.
ATTENTION_MIN_S = 0.2
ARMS = (
    (Joint.LEFT_ELBOW, Joint.LEFT_WRIST),
    (Joint.RIGHT_ELBOW, Joint.RIGHT_WRIST),
)


class Spell:
    """An on/off signal as intervals, bridging gaps up to GAP_S."""

    def __init__(self) -> None:
        self.start: float | None = None
        self.last_on = 0.0

    def update(self, time: float, on: bool) -> tuple[float, float] | None:
        """The interval that closed at ``time``, if one did."""
        if on:
            if self.start is None:
                self.start = time
            self.last_on = time
            return None
        if self.start is not None and time - self.last_on > GAP_S:
            return self.flush()
        return None

    def flush(self) -> tuple[float, float] | None:
        if self.start is None:
            return None
        closed, self.start = (self.start, self.last_on), None
        return closed


def forearm_reach_deg(world: np.ndarray, elbow: Joint, wrist: Joint, up: np.ndarray) -> float:
    """How far the forearm points forward (toward the camera) of hanging straight down."""
    forearm = world[wrist] - world[elbow]
    forward = horizontal(TOWARD_CAMERA, up)
    return math.degrees(math.atan2(float(forearm @ forward), float(forearm @ -up)))


def reaching(person: PersonOnFloor, config: TellerConfig) -> tuple[bool, bool]:
    """(a hand reaching toward the counter, both hands reaching together)."""
    up = unit(CAMERA_UP if person.up is None else person.up)
    seen = person.keypoints[:, 2] >= MIN_VISIBILITY
    reach = [
        bool(seen[elbow] and seen[wrist])
        and forearm_reach_deg(person.world, elbow, wrist, up) >= config.reach_deg
        for elbow, wrist in ARMS
    ]
    apart = float(np.linalg.norm(person.world[Joint.LEFT_WRIST] - person.world[Joint.RIGHT_WRIST]))
    return any(reach), all(reach) and apart <= config.hands_together_m


def face_toward_camera_deg(person: PersonOnFloor) -> float | None:
    """The horizontal angle between where the face points (ears to nose) and the camera;
    None when the nose or both ears are not seen, or the face looks down (LOOK_DOWN_MAX_DEG)."""
    seen = person.keypoints[:, 2] >= MIN_VISIBILITY
    if not seen[Joint.NOSE] or not (seen[Joint.LEFT_EAR] or seen[Joint.RIGHT_EAR]):
        return None
    up = unit(CAMERA_UP if person.up is None else person.up)
    face = unit(person.world[Joint.NOSE] - midpoint(person.world, EARS))
    if math.degrees(math.asin(max(-1.0, min(1.0, float(face @ up))))) < -LOOK_DOWN_MAX_DEG:
        return None
    toward = horizontal(TOWARD_CAMERA, up)
    cosine = max(-1.0, min(1.0, float(horizontal(face, up) @ toward)))
    return math.degrees(math.acos(cosine))


@dataclass
class TellerState:
    first_seen: float | None = None
    stance: str = Stance.UNKNOWN
    sitting_since: float | None = None
    handover: Spell = field(default_factory=Spell)
    both_s: float = 0.0  # both hands together during the open handover
    handover_sitting: bool | None = None
    attention: Spell = field(default_factory=Spell)
    last_time: float | None = None


class CounterActs:
    """Scene rule for a camera facing a post: every person it tracks is that post's staff."""

    def __init__(
        self, config: TellerConfig, context: SceneContext, stance_hold_s: float = 0.0
    ) -> None:
        """``stance_hold_s``: how long a stance must hold before the stance meter believes
        it (config.stance.hold_s): a stand-up is dated that much before it is reported."""
        self.config = config
        self.post = context.faces_post
        self.stance_hold_s = stance_hold_s
        self.tellers: dict[int, TellerState] = {}

    def update(self, frame: SceneFrame) -> list[Event]:
        events: list[Event] = []
        for track, person in frame.people.items():
            state = self.tellers.setdefault(track, TellerState(first_seen=frame.time))
            events += self._stance(track, state, person.stance, frame.time)
            events += self._acts(track, state, person, frame.time)
        for track, state in self.tellers.items():
            if track not in frame.people:
                events += self._closed(track, state, frame.time, handing=False, looking=False)
        return events

    def finish(self, time: float) -> list[Event]:
        events: list[Event] = []
        for track, state in self.tellers.items():
            handover, look = state.handover.flush(), state.attention.flush()
            events += self._emit(track, state, handover, look)
        return events

    def _stance(self, track: int, state: TellerState, stance: str, time: float) -> list[Event]:
        events: list[Event] = []
        began = time - self.stance_hold_s
        if stance == Stance.STANDING and state.stance == Stance.SITTING:
            sat = 0.0 if state.sitting_since is None else max(0.0, began - state.sitting_since)
            values = StoodUpValues(post=self.post, sat_s=round(sat, 3))
            events.append(
                StoodUpEvent(
                    phase=Phase.END,
                    track=track,
                    role="staff",
                    start=began,
                    end=began,
                    values=values,
                )
            )
        if stance == Stance.SITTING and state.stance != Stance.SITTING:
            # First known seated (a rise showed it): no change was seen since the track began.
            unknown = state.stance == Stance.UNKNOWN and state.first_seen is not None
            state.sitting_since = state.first_seen if unknown else began
        if stance != Stance.UNKNOWN:
            state.stance = stance
        return events

    def _acts(
        self, track: int, state: TellerState, person: PersonOnFloor, time: float
    ) -> list[Event]:
        handing, both = reaching(person, self.config)
        if handing and state.handover.start is None:
            state.both_s, state.handover_sitting = 0.0, self._sitting(state)
        if both and state.last_time is not None and state.handover.start is not None:
            state.both_s += time - state.last_time
        state.last_time = time
        angle = face_toward_camera_deg(person)
        looking = angle is not None and angle <= self.config.facing_deg
        return self._closed(track, state, time, handing, looking)

    def _closed(
        self, track: int, state: TellerState, time: float, handing: bool, looking: bool
    ) -> list[Event]:
        handover = state.handover.update(time, handing)
        look = state.attention.update(time, looking)
        return self._emit(track, state, handover, look)

    @staticmethod
    def _sitting(state: TellerState) -> bool | None:
        return None if state.stance == Stance.UNKNOWN else state.stance == Stance.SITTING

    def _emit(
        self,
        track: int,
        state: TellerState,
        handover: tuple[float, float] | None,
        look: tuple[float, float] | None,
    ) -> list[Event]:
        events: list[Event] = []
        if handover is not None and handover[1] - handover[0] >= self.config.handover_min_s:
            start, end = handover
            values = HandoverValues(
                post=self.post,
                both_hands=state.both_s >= self.config.handover_min_s,
                duration_s=round(end - start, 3),
                sitting=state.handover_sitting,
            )
            events.append(
                HandoverEvent(
                    phase=Phase.END, track=track, role="staff", start=start, end=end, values=values
                )
            )
        if look is not None and look[1] - look[0] >= ATTENTION_MIN_S:
            start, end = look
            attention = AttentionValues(
                post=self.post, duration_s=round(end - start, 3), sitting=self._sitting(state)
            )
            events.append(
                AttentionEvent(
                    phase=Phase.END,
                    track=track,
                    role="staff",
                    start=start,
                    end=end,
                    values=attention,
                )
            )
        return events
