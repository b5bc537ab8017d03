"""The raised-hand salute (举手礼): a staff member raises one hand beside the head, the wrist
well above the shoulder, and holds it a moment. Heights are measured along the person's
upright from their own shoulder, in trunk lengths, so they hold for any camera angle."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etiquette.rules.body import HIPS, SHOULDERS, midpoint, unit
from etiquette.rules.events import Event, Phase
from etiquette.rules.scene import PersonOnFloor
from etiquette.rules.visit_config import OpeningConfig
from etiquette.rules.visit_events import Hand, SaluteEvent, SaluteValues
from etiquette.vision.joints import Joint

# The wrist and its shoulder must be seen this well (the pose model's own threshold
# elsewhere in the rules).
MIN_VISIBILITY = 0.5
# A salute raises one hand: with the other wrist above the shoulder too it is a stretch or
# both hands up, not a salute.
OTHER_HAND_MAX_HEIGHT = 0.0
# One or two frames below the height (landmark noise) do not end a held salute.
GAP_S = 0.2
ARMS: dict[Hand, tuple[Joint, Joint]] = {
    "left": (Joint.LEFT_SHOULDER, Joint.LEFT_WRIST),
    "right": (Joint.RIGHT_SHOULDER, Joint.RIGHT_WRIST),
}


def hand_heights(person: PersonOnFloor) -> dict[Hand, float | None]:
    """Each wrist's height above its own shoulder along the person's upright (the trunk's
    direction while the upright is not known yet), in trunk lengths; None where unseen."""
    world = person.world
    trunk = midpoint(world, SHOULDERS) - midpoint(world, HIPS)
    length = float(np.linalg.norm(trunk))
    if length < 1e-6 or not bool(np.isfinite(world).all()):
        return {"left": None, "right": None}
    up = unit(np.asarray(trunk if person.up is None else person.up, dtype=np.float64))
    heights: dict[Hand, float | None] = {}
    for hand, (shoulder, wrist) in ARMS.items():
        seen = min(person.keypoints[shoulder, 2], person.keypoints[wrist, 2]) >= MIN_VISIBILITY
        rise = float(np.dot(world[wrist] - world[shoulder], up)) / length
        heights[hand] = rise if seen else None
    return heights


def raised_hand(heights: dict[Hand, float | None], min_height: float) -> tuple[Hand, float] | None:
    """The one hand raised to a salute's height, and its height (None: none, both, or the
    other hand not seen)."""
    raised = [(h, v) for h, v in heights.items() if v is not None and v >= min_height]
    if len(raised) != 1:
        return None
    hand, height = raised[0]
    other = heights["left" if hand == "right" else "right"]
    # An unseen other hand may be up too (har_wave.mp4: both hands up, one wrist lost).
    return None if other is None or other > OTHER_HAND_MAX_HEIGHT else (hand, height)


@dataclass
class RaisedHand:
    hand: Hand
    start: float
    last: float
    heights: list[float]
    wrists: list[np.ndarray]  # the wrist from its shoulder, in trunk lengths


def wrist_from_shoulder(person: PersonOnFloor, hand: Hand) -> np.ndarray:
    """Where the wrist is from its shoulder, in trunk lengths (for how still it is held)."""
    world = person.world
    length = float(np.linalg.norm(midpoint(world, SHOULDERS) - midpoint(world, HIPS)))
    shoulder, wrist = ARMS[hand]
    return np.asarray((world[wrist] - world[shoulder]) / max(length, 1e-6), dtype=np.float64)


def wrist_motion(wrists: list[np.ndarray]) -> float:
    """How far the wrist strays from where it is held: the root mean square of its distance
    from its median position, in trunk lengths (a wave sweeps it side to side)."""
    points = np.asarray(wrists)
    return float(np.sqrt(np.mean(np.sum((points - np.median(points, axis=0)) ** 2, axis=1))))


class SaluteDetector:
    """One person's salutes: a hand raised to at least salute_min_height for salute_min_s,
    held still (a wave is a raised hand too)."""

    def __init__(self, track: int, config: OpeningConfig) -> None:
        self.track, self.config = track, config
        self.current: RaisedHand | None = None

    def update(self, person: PersonOnFloor, now: float) -> list[Event]:
        found = raised_hand(hand_heights(person), self.config.salute_min_height)
        current = self.current
        if found is not None and current is not None and found[0] == current.hand:
            current.last = now
            current.heights.append(found[1])
            current.wrists.append(wrist_from_shoulder(person, found[0]))
            return []
        ended = self.finish() if current is not None and now - current.last > GAP_S else []
        if found is not None and self.current is None:
            wrist = wrist_from_shoulder(person, found[0])
            self.current = RaisedHand(found[0], now, now, [found[1]], [wrist])
        return ended

    def finish(self) -> list[Event]:
        """End the salute held now (if it lasted long enough, it is reported)."""
        held, self.current = self.current, None
        if held is None or held.last - held.start < self.config.salute_min_s:
            return []
        if wrist_motion(held.wrists) > self.config.salute_max_motion:
            return []  # waved, not held
        duration = round(held.last - held.start, 3)
        # The median: the highest of noisy samples overstates the height.
        height = round(float(np.median(held.heights)), 3)
        values = SaluteValues(hand=held.hand, height=height, duration_s=duration)
        return [
            SaluteEvent(
                phase=Phase.END,
                track=self.track,
                role="staff",
                start=held.start,
                end=held.last,
                values=values,
            )
        ]
