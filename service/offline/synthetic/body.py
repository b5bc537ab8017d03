"""Synthetic bodies with known joint angles: the standing joint table, poses (a bow, a nod,
a stride, a hand held out) and a teller's pose at a counter.

Local body frame: x to the person's left, y up, z forward (where they face), metres, origin
on the floor between the feet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from etiquette.vision.joints import Joint

J = Joint


STANDING: dict[Joint, tuple[float, float, float]] = {
    J.NOSE: (0.0, 1.62, 0.10),
    J.LEFT_EYE_INNER: (0.015, 1.66, 0.09),
    J.LEFT_EYE: (0.03, 1.66, 0.085),
    J.LEFT_EYE_OUTER: (0.045, 1.66, 0.075),
    J.RIGHT_EYE_INNER: (-0.015, 1.66, 0.09),
    J.RIGHT_EYE: (-0.03, 1.66, 0.085),
    J.RIGHT_EYE_OUTER: (-0.045, 1.66, 0.075),
    J.LEFT_EAR: (0.075, 1.63, 0.0),
    J.RIGHT_EAR: (-0.075, 1.63, 0.0),
    J.MOUTH_LEFT: (0.025, 1.58, 0.085),
    J.MOUTH_RIGHT: (-0.025, 1.58, 0.085),
    J.LEFT_SHOULDER: (0.19, 1.42, 0.0),
    J.RIGHT_SHOULDER: (-0.19, 1.42, 0.0),
    J.LEFT_ELBOW: (0.22, 1.14, 0.0),
    J.RIGHT_ELBOW: (-0.22, 1.14, 0.0),
    J.LEFT_WRIST: (0.22, 0.88, 0.02),
    J.RIGHT_WRIST: (-0.22, 0.88, 0.02),
    J.LEFT_PINKY: (0.22, 0.80, 0.0),
    J.RIGHT_PINKY: (-0.22, 0.80, 0.0),
    J.LEFT_INDEX: (0.21, 0.79, 0.04),
    J.RIGHT_INDEX: (-0.21, 0.79, 0.04),
    J.LEFT_THUMB: (0.20, 0.83, 0.05),
    J.RIGHT_THUMB: (-0.20, 0.83, 0.05),
    J.LEFT_HIP: (0.10, 0.95, 0.0),
    J.RIGHT_HIP: (-0.10, 0.95, 0.0),
    J.LEFT_KNEE: (0.10, 0.50, 0.02),
    J.RIGHT_KNEE: (-0.10, 0.50, 0.02),
    J.LEFT_ANKLE: (0.09, 0.08, 0.0),
    J.RIGHT_ANKLE: (-0.09, 0.08, 0.0),
    J.LEFT_HEEL: (0.09, 0.03, -0.04),
    J.RIGHT_HEEL: (-0.09, 0.03, -0.04),
    J.LEFT_FOOT_INDEX: (0.10, 0.02, 0.15),
    J.RIGHT_FOOT_INDEX: (-0.10, 0.02, 0.15),
}


UPPER_BODY = [j for j in Joint if STANDING[j][1] > 0.96]


HEAD = [j for j in Joint if j <= Joint.MOUTH_RIGHT]


HIP_HEIGHT = 0.95


NECK_HEIGHT = 1.50


def _rotate_x(points: np.ndarray, pivot: np.ndarray, angle: float) -> np.ndarray:
    """Rotate about the local x axis through ``pivot``: positive tips up-points forward."""
    c, s = math.cos(angle), math.sin(angle)
    rel = points - pivot
    out = rel.copy()
    out[:, 1] = rel[:, 1] * c - rel[:, 2] * s
    out[:, 2] = rel[:, 1] * s + rel[:, 2] * c
    return np.asarray(out + pivot)


@dataclass(frozen=True)
class HandPose:
    """A hand held out: wrist position, where the fingers point, where the palm faces (local
    frame, as for the right hand), whether the fingers are together, and which hand: the
    left hand is the right one's mirror image across the body's middle."""

    wrist: tuple[float, float, float]
    fingers: tuple[float, float, float]
    palm: tuple[float, float, float]
    together: bool = True
    left: bool = False


def _mirrored(point: np.ndarray) -> np.ndarray:
    return np.asarray(point * np.array([-1.0, 1.0, 1.0]))


@dataclass(frozen=True)
class Pose:
    """One instant of a synthetic person."""

    bow_deg: float = 0.0
    nod_deg: float = 0.0
    knee_bend_deg: float = 0.0
    stride: float = 0.0  # -1..1 leg swing phase for walking
    hand: HandPose | None = None


# Finger knuckles across the palm (thumb side first), distances along the fingers.
KNUCKLE_OFFSETS = (0.032, 0.011, -0.011, -0.03)


PHALANGES = (0.045, 0.026, 0.022)


SPREAD_DEG = (-22.0, -7.0, 8.0, 23.0)


def hand_points(hand: HandPose) -> np.ndarray:
    """(21, 3) local positions of the hand's landmarks."""
    if hand.left:
        return _mirrored(_right_hand_points(hand))
    return _right_hand_points(hand)


def _right_hand_points(hand: HandPose) -> np.ndarray:
    forward = np.asarray(hand.fingers, dtype=np.float64)
    forward /= np.linalg.norm(forward)
    palm = np.asarray(hand.palm, dtype=np.float64)
    palm = palm - np.dot(palm, forward) * forward
    palm /= np.linalg.norm(palm)
    # For a right hand with the palm facing us and fingers up, the thumb is on our right.
    thumb_side = np.cross(forward, palm)
    wrist = np.asarray(hand.wrist, dtype=np.float64)
    points = [wrist]
    thumb_dir = forward if hand.together else (forward + 1.2 * thumb_side)
    thumb_dir = thumb_dir / np.linalg.norm(thumb_dir)
    base = wrist + 0.025 * forward + 0.03 * thumb_side
    for length in (0.0, 0.03, 0.03, 0.025):
        base = base + length * thumb_dir
        points.append(base.copy())
    for offset, spread in zip(KNUCKLE_OFFSETS, SPREAD_DEG, strict=True):
        angle = math.radians(spread if not hand.together else 0.0)
        direction = math.cos(angle) * forward - math.sin(angle) * thumb_side
        joint = wrist + 0.09 * forward + offset * thumb_side
        points.append(joint.copy())
        for length in PHALANGES:
            joint = joint + length * direction
            points.append(joint.copy())
    return np.array(points)


def body(pose: Pose) -> np.ndarray:
    """(33, 3) local joint positions for a pose."""
    joints = np.array([STANDING[j] for j in Joint], dtype=np.float64)
    if pose.stride:
        for side, sign in ((("LEFT"), 1.0), (("RIGHT"), -1.0)):
            for name, reach in (
                ("KNEE", 0.12),
                ("ANKLE", 0.25),
                ("HEEL", 0.25),
                ("FOOT_INDEX", 0.25),
            ):
                joints[Joint[f"{side}_{name}"], 2] += sign * pose.stride * reach
            joints[Joint[f"{side}_WRIST"], 2] -= sign * pose.stride * 0.15
    if pose.knee_bend_deg:
        drop = HIP_HEIGHT * (1 - math.cos(math.radians(pose.knee_bend_deg))) * 0.5
        above_knee = joints[:, 1] > 0.5
        joints[above_knee, 1] -= drop
        for knee in (Joint.LEFT_KNEE, Joint.RIGHT_KNEE):
            joints[knee, 2] += 0.5 * math.sin(math.radians(pose.knee_bend_deg))
    if pose.hand is not None:
        side = "LEFT" if pose.hand.left else "RIGHT"
        hand = hand_points(pose.hand)
        wrist = hand[0]
        shoulder = joints[Joint[f"{side}_SHOULDER"]]
        joints[Joint[f"{side}_WRIST"]] = wrist
        joints[Joint[f"{side}_ELBOW"]] = (shoulder + wrist) / 2 + np.array([0.0, -0.08, 0.0])
        joints[Joint[f"{side}_INDEX"]] = hand[6]
        joints[Joint[f"{side}_PINKY"]] = hand[18]
        joints[Joint[f"{side}_THUMB"]] = hand[3]
    hip = np.array([0.0, joints[Joint.LEFT_HIP, 1], 0.0])
    if pose.nod_deg:
        neck = np.array([0.0, NECK_HEIGHT, 0.0])
        joints[HEAD] = _rotate_x(joints[HEAD], neck, math.radians(pose.nod_deg))
    if pose.bow_deg:
        joints[UPPER_BODY] = _rotate_x(joints[UPPER_BODY], hip, math.radians(pose.bow_deg))
    return joints


SEAT_DROP_M = 0.45  # standing hip height 0.95 m to a seated hip at about 0.5 m


FOREARM_M = 0.26


@dataclass(frozen=True)
class TellerPose:
    """A teller at a counter: seated share (0 standing, 1 seated, thighs level), forearms
    forward of hanging (left, right degrees), the wrists' distance when reaching, the face
    turned to the person's left by head_yaw_deg, a bow and a nod."""

    sit: float = 0.0
    reach_deg: tuple[float, float] = (0.0, 0.0)
    hands_apart_m: float = 0.44
    head_yaw_deg: float = 0.0
    bow_deg: float = 0.0
    nod_deg: float = 0.0  # the head tipped down (looking at the desk)


def teller_body(pose: TellerPose) -> np.ndarray:
    """(33, 3) local joint positions for a teller's pose."""
    joints = body(Pose(bow_deg=pose.bow_deg, nod_deg=pose.nod_deg))
    standing_y = np.array([STANDING[j][1] for j in Joint])
    joints[standing_y > 0.6, 1] -= SEAT_DROP_M * pose.sit
    for side in ("LEFT", "RIGHT"):
        for name in ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX"):
            joints[Joint[f"{side}_{name}"], 2] += SEAT_DROP_M * pose.sit
    for side, sign, reach in (("LEFT", 1.0, pose.reach_deg[0]), ("RIGHT", -1.0, pose.reach_deg[1])):
        if reach <= 0:
            continue
        a = math.radians(reach)
        elbow = joints[Joint[f"{side}_ELBOW"]]
        wrist = elbow + FOREARM_M * np.array([0.0, -math.cos(a), math.sin(a)])
        wrist[0] = sign * pose.hands_apart_m / 2
        joints[Joint[f"{side}_WRIST"]] = wrist
        along = (wrist - elbow) / np.linalg.norm(wrist - elbow)
        for name, inward in (("INDEX", 0.0), ("PINKY", 0.02), ("THUMB", -0.02)):
            joints[Joint[f"{side}_{name}"]] = wrist + 0.08 * along - sign * np.array([inward, 0, 0])
    if pose.head_yaw_deg:
        yaw = math.radians(pose.head_yaw_deg)
        c, s = math.cos(yaw), math.sin(yaw)
        head = joints[HEAD].copy()
        joints[HEAD, 0] = head[:, 0] * c + head[:, 2] * s
        joints[HEAD, 2] = -head[:, 0] * s + head[:, 2] * c
    return joints


SHOULDER_HEIGHT = 1.42


TRUNK_M = SHOULDER_HEIGHT - HIP_HEIGHT  # hips to shoulders in the synthetic body
