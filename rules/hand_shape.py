"""Hand shape from the 21 hand landmarks: five fingers together and straight, palm facing."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from etiquette.rules.body import angle_deg, unit
from etiquette.rules.config import HandShapeConfig
from etiquette.vision.joints import HandJoint, HandSide

FINGERS = (
    (HandJoint.INDEX_MCP, HandJoint.INDEX_PIP, HandJoint.INDEX_TIP),
    (HandJoint.MIDDLE_MCP, HandJoint.MIDDLE_PIP, HandJoint.MIDDLE_TIP),
    (HandJoint.RING_MCP, HandJoint.RING_PIP, HandJoint.RING_TIP),
    (HandJoint.PINKY_MCP, HandJoint.PINKY_PIP, HandJoint.PINKY_TIP),
)


@dataclass(frozen=True)
class HandShape:
    finger_angle_deg: float  # mean angle between neighbouring fingers
    thumb_angle_deg: float  # thumb against the index finger
    bend_deg: float  # mean bend at the middle joints (0 = straight)

    def together(self, config: HandShapeConfig) -> bool:
        return (
            self.finger_angle_deg <= config.max_finger_angle_deg
            and self.thumb_angle_deg <= config.max_thumb_angle_deg
            and self.bend_deg <= config.max_bend_deg
        )


def hand_shape(hand: np.ndarray) -> HandShape:
    """``hand`` is (21, 3): x, y pixels and z (relative depth in pixel units)."""
    directions = [hand[tip] - hand[mcp] for mcp, _, tip in FINGERS]
    neighbours = [angle_deg(a, b) for a, b in itertools.pairwise(directions)]
    bends = [angle_deg(hand[pip] - hand[mcp], hand[tip] - hand[pip]) for mcp, pip, tip in FINGERS]
    thumb = hand[HandJoint.THUMB_TIP] - hand[HandJoint.THUMB_MCP]
    index = hand[HandJoint.INDEX_TIP] - hand[HandJoint.INDEX_MCP]
    return HandShape(float(np.mean(neighbours)), angle_deg(thumb, index), float(np.mean(bends)))


def palm_normal(hand: np.ndarray, side: HandSide) -> np.ndarray:
    """Unit vector out of the palm, in camera axes (x right, y down, z away)."""
    index = hand[HandJoint.INDEX_MCP] - hand[HandJoint.WRIST]
    pinky = hand[HandJoint.PINKY_MCP] - hand[HandJoint.WRIST]
    normal = np.cross(index, pinky) if side == HandSide.RIGHT else np.cross(pinky, index)
    return unit(normal)
