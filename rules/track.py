"""One tracked person's rule state, what it reads from each frame, and the events it gives.

Split out of engine.py along its seam: everything here is about a single track (its trunk,
stance, hands, bow and posture detectors, floor motion and role) and never looks at anyone
else. The engine (engine.py) owns the tracks of a camera: it creates and forgets them, tells
the door greeting which staff acts began or dropped, and hands every person to the scene rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from etiquette.rules.body import knee_angle_deg, legs_visible
from etiquette.rules.bow import BowDetector, BowEnd, BowInProgress, BowSample, BowUpdate
from etiquette.rules.config import GestureConfig, RulesConfig
from etiquette.rules.events import BowEvent, Event, GestureEvent, Phase, PostureEvent, PostureValues
from etiquette.rules.gestures import GestureDetector, GestureFound, read_hand
from etiquette.rules.greeting import StaffAct
from etiquette.rules.motion import BodyMotion
from etiquette.rules.posture import PostureTracker
from etiquette.rules.roles import ROLE_NAMES, RoleKeeper
from etiquette.rules.scene import FloorMotion, PersonOnFloor, SceneContext, Stance
from etiquette.rules.stance import StanceMeter
from etiquette.rules.trunk import Reference, SceneBaseline, TrunkMeter, TrunkReading
from etiquette.rules.upper_body import ShoulderCue
from etiquette.vision.frame import People
from etiquette.vision.joints import HandSide, Role


@dataclass
class TrackState:
    track: int
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

    @classmethod
    def start(
        cls,
        track_id: int,
        config: RulesConfig,
        context: SceneContext,
        scene: SceneBaseline,
        timestamp: float,
        was_inside_arrival: bool,
    ) -> TrackState:
        """A track first seen at ``timestamp``; ``scene`` is the camera's shared baseline."""
        return cls(
            track=track_id,
            trunk=TrunkMeter(config.trunk, context.gravity, scene),
            bow=BowDetector(config.bow),
            hands={side: GestureDetector(side, config.gestures) for side in HandSide},
            posture=PostureTracker(config.posture),
            role=RoleKeeper(track_id, config.roles, faces_post=context.faces_post),
            last_time=timestamp,
            stance_meter=StanceMeter(config.stance),
            was_inside_arrival=was_inside_arrival,
        )

    @property
    def role_name(self) -> str | None:
        return ROLE_NAMES.get(self.role.role)

    # -- hands -------------------------------------------------------------------------

    def read_hands(
        self,
        people: People,
        row: int,
        up: np.ndarray,
        now: float,
        config: GestureConfig,
    ) -> list[GestureFound]:
        """The gestures each hand finished this frame; ``up`` need only be rough."""
        keypoints, world = people.keypoints[row], people.world[row]
        found: list[GestureFound] = []
        for side, detector in self.hands.items():
            hand = None
            if people.hand_scores[row, side] > 0:
                hand = read_hand(now, keypoints, world, people.hands[row, side], side, up, config)
            found += detector.update(hand, now)
        return found

    def flush_hands(self) -> list[GestureFound]:
        return [gesture for detector in self.hands.values() for gesture in detector.flush()]

    def gesture_events(self, found: list[GestureFound]) -> list[Event]:
        return [
            GestureEvent(
                type=gesture.kind,
                phase=Phase.END,
                track=self.track,
                role=self.role_name,
                start=gesture.start,
                end=gesture.end,
                values=gesture.values,
            )
            for gesture in found
        ]

    # -- bow ---------------------------------------------------------------------------

    def read_bow(
        self, reading: TrunkReading, keypoints: np.ndarray, world: np.ndarray, now: float
    ) -> BowUpdate:
        sample = BowSample(
            direction=reading.direction,
            across=reading.across,
            feet_speed=self.motion.feet_speed,
            knee_deg=knee_angle_deg(world) if legs_visible(keypoints) else 180.0,
            reference=reading.reference,
            view=reading.view,
            shoulders=ShoulderCue.from_keypoints(keypoints),
            world=world,
        )
        return self.bow.update(now, sample)

    def bow_events(self, result: BowUpdate, now: float) -> list[Event]:
        events: list[Event] = []
        if result.started is not None:
            events.append(self.bow_event(Phase.START, result.started, now))
        if result.peaked is not None:
            events.append(self.bow_event(Phase.UPDATE, result.peaked, now))
        ended = result.finished or result.cancelled
        if ended is not None and (result.finished is not None or ended.bow.announced):
            events.append(self.bow_event(Phase.END, ended.bow, now, ended))
        return events

    def bow_event(
        self, phase: Phase, bow: BowInProgress, now: float, end: BowEnd | None = None
    ) -> Event:
        values = end.values if end is not None else bow.values(now, self.reference)
        return BowEvent(
            phase=phase,
            track=self.track,
            role=self.role_name,
            start=bow.start,
            end=now,
            peak=bow.peak_time,
            values=values,
            verdict=None if end is None else end.verdict,
        )

    # -- posture -----------------------------------------------------------------------

    def posture_events(self, faults: list[str] | None, now: float) -> list[Event]:
        """Lapses are judged only for staff at a post; leaving the post ends a lapse."""
        if self.role.role != Role.STAFF:
            return []
        if self.role.post is None or faults is None:
            lapse = self.posture.left_post(self.role.post)
        else:
            lapse = self.posture.update(now, faults, self.role.post)
        return [] if lapse is None else [self._posture_event(*lapse)]

    def close_posture(self) -> list[Event]:
        """End an open posture lapse of a staff member whose track is closing."""
        if self.role.role != Role.STAFF:
            return []
        lapse = self.posture.left_post(self.role.post)
        return [] if lapse is None else [self._posture_event(*lapse)]

    def _posture_event(self, start: float, end: float, values: PostureValues) -> Event:
        return PostureEvent(
            phase=Phase.END, track=self.track, role="staff", start=start, end=end, values=values
        )

    # -- for the scene rules -----------------------------------------------------------

    def on_floor(
        self,
        people: People,
        row: int,
        in_view: np.ndarray,
        reading: TrunkReading | None,
        posture_ok: bool | None,
    ) -> PersonOnFloor:
        motion = self.floor_motion
        return PersonOnFloor(
            track=self.track,
            role=self.role.role,
            post=self.role.post,
            floor=None if motion.position is None else motion.position.copy(),
            velocity=motion.velocity.copy(),
            heading=motion.heading,
            stance=self.stance,
            posture_ok=posture_ok,
            keypoints=in_view,
            world=people.world[row],
            up=None if reading is None else reading.up,
            hands=people.hands[row],
            hand_scores=people.hand_scores[row],
        )
