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

from etiquette.rules.config import RulesConfig
from etiquette.rules.engine import RulesEngine
from etiquette.rules.events import FINISHED_BOW_VERDICTS, Event, Phase
from etiquette.rules.scene import SceneContext
from etiquette.vision.frame import FrameResult, People
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


# -- A frontal counter camera -----------------------------------------------------------
#
# `bend_forward` moves the picture's landmarks by the x and y of the world displacement
# only (weak perspective). That suits a camera that sees the bow across the picture, and the
# full-body checks, whose depth comes from the world landmarks. Seen from the FRONT a bow
# moves the shoulders mostly toward the camera (trunk * sin(depth), against trunk * (1 - cos)
# down): at a metre or two that motion shifts and enlarges them in the picture as much as the
# drop does, and the upper-body depth is read from the picture alone. So the frontal harness
# projects through a pinhole camera.


@dataclasses.dataclass(frozen=True)
class CounterCamera:
    """A level pinhole camera in front of a person, at about head height, whose picture ends
    above the hips (the counter in front of a teller hides the rest)."""

    distance_m: float = 1.5  # from the camera to the hips, along its axis
    above_nose_m: float = 0.0  # the camera's height over the nose of the stance
    # The picture's bottom: this share of the way down from the shoulders to the hips
    # (xiph_bowing's ends 0.57 of the way down). Cut closer to the hips, the pose model
    # reports them with visibility 0.5-0.8 in many frames (intel_asl_* at 0.6).
    crop_share: float = 0.5


@dataclasses.dataclass(frozen=True)
class FrontView:
    """One track seen through a CounterCamera: what the projection needs, measured on the
    track's full-body run."""

    upright: np.ndarray  # rotation from the world landmarks' axes into the level camera's
    pixels_per_metre: float  # the picture's scale at the hips' distance
    centre: tuple[float, float]  # principal point, px (straight in front, at camera height)
    rows: int  # picture rows kept (the crop line)
    distance_m: float


def _turning(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation that turns unit vector ``a`` onto unit vector ``b``."""
    axis = np.cross(a, b)
    if np.linalg.norm(axis) < 1e-9:
        return np.eye(3)
    return _rotation(axis, float(np.arccos(np.clip(np.dot(a, b), -1.0, 1.0))))


def front_view(frames: list[FrameResult], camera: CounterCamera) -> FrontView:
    """The counter camera's view of a one-person full-body track: the world landmarks turned
    so the median trunk is upright in the camera; the scale from the trunk's length (the pose
    model's world trunk is 1.3-1.5 shoulder widths, its picture's 1.5-1.6 as in motion
    capture: scaled by the width, a bow would sink the shoulders too little); the camera
    straight in front of the hips at ``camera.above_nose_m`` over the nose; the picture cut
    ``crop_share`` of the way from the shoulders to the hips."""
    world = np.stack([f.people.world[0] for f in frames])
    keypoints = np.stack([f.people.keypoints[0] for f in frames])
    shoulders = world[:, [Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER]].mean(axis=1)
    hips = world[:, [Joint.LEFT_HIP, Joint.RIGHT_HIP]].mean(axis=1)
    trunk = np.median(shoulders - hips, axis=0)
    upright = _turning(trunk / np.linalg.norm(trunk), np.array([0.0, -1.0, 0.0]))
    trunk_px = keypoints[:, [Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER], :2].mean(axis=1)
    trunk_px -= keypoints[:, [Joint.LEFT_HIP, Joint.RIGHT_HIP], :2].mean(axis=1)
    scale = float(
        np.median(np.linalg.norm(trunk_px, axis=1) / np.linalg.norm(shoulders - hips, axis=1))
    )
    nose = float(np.median(keypoints[:, Joint.NOSE, 1]))
    hips_px = np.median(keypoints[:, [Joint.LEFT_HIP, Joint.RIGHT_HIP], :2].mean(axis=1), axis=0)
    shoulder_row = float(
        np.median(keypoints[:, [Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER], 1].mean(axis=1))
    )
    rows = int(shoulder_row + camera.crop_share * (float(hips_px[1]) - shoulder_row))
    centre = (float(hips_px[0]), nose - camera.above_nose_m * scale)
    return FrontView(upright, scale, centre, rows, camera.distance_m)


def bend_forward_front(
    truth: np.ndarray,
    world: np.ndarray,
    keypoints: np.ndarray,
    angle_deg: float,
    view: FrontView,
) -> tuple[np.ndarray, np.ndarray]:
    """One person bent forward by ``angle_deg`` about the hips, seen by ``view``'s camera:
    the rotation is that of `bend_forward` on ``truth`` (the full-body run's world landmarks
    of the frame); its displacement is added to ``world`` and ``keypoints`` (what the pose
    model reported in the cropped picture, which keep their noise) through a pinhole
    projection: a landmark at (u, v) px lies at depth Z = distance + its depth from the hips,
    at X = (u - cx) Z / f, Y = (v - cy) Z / f with f = pixels_per_metre * distance; it moves
    by the displacement and is projected back. Returns new (world, keypoints)."""
    if angle_deg == 0:
        return world, keypoints
    bent, _ = bend_forward(truth, keypoints, angle_deg)
    shift = bent - truth
    hips = truth[[Joint.LEFT_HIP, Joint.RIGHT_HIP]].mean(axis=0)
    offset = (truth[UPPER_BODY] - hips) @ view.upright.T
    move = shift[UPPER_BODY] @ view.upright.T
    focal = view.pixels_per_metre * view.distance_m
    centre = np.array(view.centre)
    depth = view.distance_m + offset[:, 2]
    camera = (keypoints[UPPER_BODY, :2] - centre) * depth[:, None] / focal
    moved = keypoints.copy()
    moved[UPPER_BODY, :2] = centre + focal * (camera + move[:, :2]) / (depth + move[:, 2])[:, None]
    return world + shift, moved


def with_front_bow(
    truths: list[FrameResult],
    frames: list[FrameResult],
    profile: Callable[[float], float],
    view: FrontView,
) -> list[FrameResult]:
    """``frames`` (a cropped run, one person) with a bow of ``profile(t)`` degrees at time t,
    its geometry from ``truths`` (the full-body run of the same frames). A frame whose nose
    the bow carries below the picture has nobody in it, as the pose model loses a face that
    left the picture (xiph_bowing, frames 140-148); joints below it that the face keeps in
    view keep the visibility the model gave them (it places shoulders beyond the picture's
    edge with visibility above 0.9 there)."""
    start = frames[0].timestamp
    out = []
    for truth, frame in zip(truths, frames, strict=True):
        people = frame.people
        angle = profile(frame.timestamp - start)
        world, keypoints = bend_forward_front(
            truth.people.world[0], people.world[0], people.keypoints[0], angle, view
        )
        if keypoints[Joint.NOSE, 1] >= frame.height:
            out.append(dataclasses.replace(frame, people=People.empty()))
            continue
        bent = dataclasses.replace(people, world=world[None], keypoints=keypoints[None])
        out.append(dataclasses.replace(frame, people=bent))
    return out


def finished_bows(frames: list[FrameResult]) -> list[Event]:
    """The finished bows the rules report on these frames (no camera file)."""
    engine = RulesEngine(RulesConfig(), SceneContext())
    events: list[Event] = []
    for frame in frames:
        events += engine.update(frame).events
    events += engine.finish(frames[-1].timestamp)
    return [
        e
        for e in events
        if e.type == "bow" and e.phase == Phase.END and e.verdict in FINISHED_BOW_VERDICTS
    ]
