"""Bows with an exact truth on real landmark noise: real tracks of people standing (their
pose model output, frame by frame) with a known trunk rotation about the hips added.

The rotation turns every landmark above the hips about the hips' left-right axis, forward
(the way the chest faces) by the profile's angle; the picture's landmarks move by the same
displacement seen through a weak-perspective camera scaled to the person's height in
pixels (world landmarks share the picture's x and y directions). The legs and feet keep
their real noise untouched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from etiquette.vision.frame import FrameResult
from etiquette.vision.joints import Joint

LOWER_BODY = [
    Joint.LEFT_HIP,
    Joint.RIGHT_HIP,
    Joint.LEFT_KNEE,
    Joint.RIGHT_KNEE,
    Joint.LEFT_ANKLE,
    Joint.RIGHT_ANKLE,
    Joint.LEFT_HEEL,
    Joint.RIGHT_HEEL,
    Joint.LEFT_FOOT_INDEX,
    Joint.RIGHT_FOOT_INDEX,
]
UPPER_BODY = [j for j in Joint if j not in LOWER_BODY]
BODY_HEIGHT_M = 1.7


def _rotation(axis: np.ndarray, angle_rad: float) -> np.ndarray:
    axis = axis / np.linalg.norm(axis)
    skew = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rotation: np.ndarray = (
        np.eye(3) + np.sin(angle_rad) * skew + (1 - np.cos(angle_rad)) * skew @ skew
    )
    return rotation


def bend_forward(
    world: np.ndarray, keypoints: np.ndarray, angle_deg: float
) -> tuple[np.ndarray, np.ndarray]:
    """One person's landmarks with the upper body turned forward by ``angle_deg`` about the
    hips; returns new (world, keypoints)."""
    if angle_deg == 0:
        return world, keypoints
    hips = world[[Joint.LEFT_HIP, Joint.RIGHT_HIP]].mean(axis=0)
    lateral = world[Joint.LEFT_HIP] - world[Joint.RIGHT_HIP]
    shoulders = world[[Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER]].mean(axis=0)
    trunk = shoulders - hips
    # The sign that carries the shoulders toward the chest's facing side.
    facing = np.cross(world[Joint.LEFT_SHOULDER] - world[Joint.RIGHT_SHOULDER], trunk)
    rotation = _rotation(lateral, np.radians(angle_deg))
    if np.dot(rotation @ trunk - trunk, facing) < 0:
        rotation = _rotation(lateral, -np.radians(angle_deg))
    bent = world.copy()
    bent[UPPER_BODY] = (world[UPPER_BODY] - hips) @ rotation.T + hips
    feet = max(keypoints[Joint.LEFT_ANKLE, 1], keypoints[Joint.RIGHT_ANKLE, 1])
    pixels_per_metre = max(float(feet - keypoints[Joint.NOSE, 1]), 1.0) / (BODY_HEIGHT_M * 0.93)
    moved = keypoints.copy()
    moved[UPPER_BODY, :2] += (bent[UPPER_BODY] - world[UPPER_BODY])[:, :2] * pixels_per_metre
    return bent, moved


def with_bow(frames: list[FrameResult], profile: Callable[[float], float]) -> list[FrameResult]:
    """The frames with everyone's trunk bent by ``profile(t)`` degrees at time t (seconds
    from the first frame)."""
    start = frames[0].timestamp
    out = []
    for frame in frames:
        people = frame.people
        angle = profile(frame.timestamp - start)
        world, keypoints = people.world.copy(), people.keypoints.copy()
        for row in range(len(people)):
            world[row], keypoints[row] = bend_forward(world[row], keypoints[row], angle)
        bent = dataclasses.replace(people, world=world, keypoints=keypoints)
        out.append(dataclasses.replace(frame, people=bent))
    return out


def extended(frames: list[FrameResult], seconds: float) -> list[FrameResult]:
    """The track played forward, backward, forward... (real noise, time reversed in every
    other pass) until it lasts ``seconds``, with capture times that keep increasing."""
    if len(frames) < 2:
        return frames
    step = (frames[-1].timestamp - frames[0].timestamp) / (len(frames) - 1)
    out: list[FrameResult] = []
    order = list(range(len(frames)))
    forward = True
    while not out or out[-1].timestamp - out[0].timestamp < seconds:
        for index in order if forward else order[::-1][1:]:
            at = frames[0].timestamp + len(out) * step
            out.append(dataclasses.replace(frames[index], index=len(out), timestamp=at))
        forward = not forward
    return out
