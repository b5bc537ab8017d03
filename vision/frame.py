"""The per-frame container every stage passes on: one person per row, parallel arrays."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from etiquette.vision.joints import HandSide, Joint, Role

NUM_JOINTS = len(Joint)
NUM_HAND_JOINTS = 21
NUM_HAND_SIDES = len(HandSide)


class ShapeError(ValueError):
    """An array of the per-frame container does not have the shape it must have."""


def _check(name: str, array: np.ndarray, expected: tuple[int, ...], count: int) -> None:
    wanted = (count, *expected)
    if array.shape != wanted:
        shown = "(n, " + ", ".join(str(v) for v in expected) + ")" if expected else "(n,)"
        raise ShapeError(
            f"People.{name} must have shape {shown} with n={count} people "
            f"(the length of boxes); got {array.shape}"
        )


def _filled(shape: tuple[int, ...], value: float) -> np.ndarray:
    return np.full(shape, value, dtype=np.float64)


@dataclass(frozen=True)
class People:
    """Everyone seen in one frame. Row i of every array is person i.

    boxes (n, 4) x1, y1, x2, y2 pixels; scores (n,); keypoints (n, 33, 3) x_px, y_px,
    visibility; world (n, 33, 3) metres (NaN rows where the backend has none); track_ids
    (n,) int; hands (n, 2, 21, 3) x_px, y_px, z, indexed by HandSide, with hand_scores (n, 2)
    (0 where no hand was found); floor (n, 2) metres (NaN where unknown); roles (n,) Role;
    standing_trunk (n, 3) unit hips-to-shoulders vector in camera axes from the picture and the
    calibrated floor (NaN where the person is not seen standing on it).
    """

    boxes: np.ndarray
    scores: np.ndarray
    keypoints: np.ndarray
    world: np.ndarray
    track_ids: np.ndarray
    hands: np.ndarray = field(default_factory=lambda: np.zeros((0, 2, 21, 3)))
    hand_scores: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    floor: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    roles: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    standing_trunk: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))

    def __post_init__(self) -> None:
        count = int(np.asarray(self.boxes).shape[0]) if np.ndim(self.boxes) else -1
        if np.ndim(self.boxes) != 2:
            raise ShapeError(f"People.boxes must have shape (n, 4); got {np.shape(self.boxes)}")
        defaults = {
            "hands": _filled((count, NUM_HAND_SIDES, NUM_HAND_JOINTS, 3), 0.0),
            "hand_scores": _filled((count, NUM_HAND_SIDES), 0.0),
            "floor": _filled((count, 2), np.nan),
            "roles": np.full(count, Role.UNKNOWN, dtype=np.int8),
            "standing_trunk": _filled((count, 3), np.nan),
        }
        for name, default in defaults.items():
            if getattr(self, name).shape[0] == 0 and count > 0:
                object.__setattr__(self, name, default)
        _check("boxes", self.boxes, (4,), count)
        _check("scores", self.scores, (), count)
        _check("keypoints", self.keypoints, (NUM_JOINTS, 3), count)
        _check("world", self.world, (NUM_JOINTS, 3), count)
        _check("track_ids", self.track_ids, (), count)
        _check("hands", self.hands, (NUM_HAND_SIDES, NUM_HAND_JOINTS, 3), count)
        _check("hand_scores", self.hand_scores, (NUM_HAND_SIDES,), count)
        _check("floor", self.floor, (2,), count)
        _check("roles", self.roles, (), count)
        _check("standing_trunk", self.standing_trunk, (3,), count)

    def __len__(self) -> int:
        return int(self.boxes.shape[0])

    @classmethod
    def empty(cls) -> People:
        return cls(
            boxes=np.zeros((0, 4)),
            scores=np.zeros(0),
            keypoints=np.zeros((0, NUM_JOINTS, 3)),
            world=np.zeros((0, NUM_JOINTS, 3)),
            track_ids=np.zeros(0, dtype=np.int64),
        )

    def has_world(self) -> np.ndarray:
        """(n,) True where world landmarks are known."""
        return np.asarray(~np.isnan(self.world).any(axis=(1, 2)))

    def joint(self, joint: Joint) -> np.ndarray:
        """(n, 3) one joint of everyone: x_px, y_px, visibility."""
        return np.asarray(self.keypoints[:, joint])


@dataclass(frozen=True)
class FrameResult:
    """What perception saw in one frame, stamped with the frame's capture time."""

    index: int
    timestamp: float  # seconds, capture time (stream time for files)
    width: int
    height: int
    people: People


STAGES = ("proposals", "landmarks", "hands", "tracking")


@dataclass
class StageTimes:
    """Milliseconds a perception backend spent in each stage on the last frame."""

    ms: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
