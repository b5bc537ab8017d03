"""Synthetic people over time on a floor, seen through a known camera with landmark noise
like the pose model's: the per-frame container as perception would deliver it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from etiquette.calibration.camera_file import CameraFile, Floor, Intrinsics
from etiquette.calibration.projection import homography_from_pose, pose_from_extrinsics
from etiquette.service.offline.synthetic.body import (
    Pose,
    TellerPose,
    body,
    hand_points,
    teller_body,
)
from etiquette.service.offline.synthetic.camera import SyntheticCamera
from etiquette.vision.frame import FrameResult, People
from etiquette.vision.joints import HandSide, Joint
from etiquette.vision.placement import ray_rotation


@dataclass
class Actor:
    """A person over time: ``pose_at(t)``, ``position_at(t)`` (floor x, y) and facing."""

    track_id: int
    pose_at: Callable[[float], Pose]
    position_at: Callable[[float], tuple[float, float]]
    facing_deg: float  # floor direction they face, counter-clockwise from +x

    def world(self, t: float) -> np.ndarray:
        return self.to_world(body(self.pose_at(t)), t)

    def hand_world(self, t: float) -> tuple[HandSide, np.ndarray] | None:
        hand = self.pose_at(t).hand
        if hand is None:
            return None
        side = HandSide.LEFT if hand.left else HandSide.RIGHT
        return side, self.to_world(hand_points(hand), t)

    def to_world(self, local: np.ndarray, t: float) -> np.ndarray:
        psi = math.radians(self.facing_deg)
        forward = np.array([math.cos(psi), math.sin(psi), 0.0])
        left = np.array([-math.sin(psi), math.cos(psi), 0.0])
        up = np.array([0.0, 0.0, 1.0])
        x, y = self.position_at(t)
        return np.asarray(
            np.array([x, y, 0.0])
            + local[:, :1] * left
            + local[:, 1:2] * up
            + local[:, 2:3] * forward
        )


@dataclass(frozen=True)
class Noise:
    """Landmark noise like the pose model's: pixels on the image, centimetres in depth, and
    a slow wobble of the whole trunk."""

    pixel_sd: float = 1.5
    world_sd_m: float = 0.012
    wobble_sd_deg: float = 1.0


def camera_file(camera: SyntheticCamera) -> CameraFile:
    rvec, _ = cv2.Rodrigues(camera.rotation)
    pose = pose_from_extrinsics(rvec, camera.tvec)
    intrinsics = camera.intrinsics
    homography = homography_from_pose(intrinsics, rvec, camera.tvec)
    return CameraFile(
        image_size=[camera.width, camera.height],
        intrinsics=Intrinsics(
            fx=intrinsics.fx, fy=intrinsics.fy, cx=intrinsics.cx, cy=intrinsics.cy
        ),
        floor=Floor(homography=homography.tolist(), pose=pose),
    )


def render(
    camera: SyntheticCamera,
    actors: list[Actor],
    duration_s: float,
    fps: float = 15.0,
    noise: Noise | None = None,
    seed: int = 0,
) -> list[FrameResult]:
    """Frames of the per-frame container, as perception would deliver them."""
    noise = noise or Noise()
    rng = np.random.default_rng(seed)
    frames: list[FrameResult] = []
    wobble = {a.track_id: np.zeros(2) for a in actors}
    for index in range(int(duration_s * fps)):
        t = index / fps
        rows = []
        hands = np.zeros((len(actors), 2, 21, 3))
        hand_scores = np.zeros((len(actors), 2))
        for row, actor in enumerate(actors):
            joints = actor.world(t)
            wobble[actor.track_id] = 0.9 * wobble[actor.track_id] + rng.normal(
                0, noise.wobble_sd_deg * math.sqrt(1 - 0.81), 2
            )
            rows.append(_observe(camera, joints, wobble[actor.track_id], noise, rng))
            held = actor.hand_world(t)
            if held is not None:
                side, hand = held
                hands[row, side] = _observe_hand(camera, hand, noise, rng)
                hand_scores[row, side] = 0.99
        people = People(
            boxes=np.array([r[2] for r in rows]),
            scores=np.ones(len(rows)),
            keypoints=np.stack([r[0] for r in rows]),
            world=np.stack([r[1] for r in rows]),
            track_ids=np.array([a.track_id for a in actors], dtype=np.int64),
            hands=hands,
            hand_scores=hand_scores,
        )
        frames.append(FrameResult(index, t, camera.width, camera.height, people))
    return frames


def _observe(
    camera: SyntheticCamera,
    joints: np.ndarray,
    wobble_deg: np.ndarray,
    noise: Noise,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, tuple[float, float, float, float]]:
    pixels = camera.project(joints)
    size = float(np.ptp(pixels[:, 1]))
    keypoints = np.column_stack(
        [pixels + rng.normal(0, noise.pixel_sd * max(size, 50) / 300, pixels.shape), np.ones(33)]
    )
    hips = (joints[Joint.LEFT_HIP] + joints[Joint.RIGHT_HIP]) / 2
    in_camera = (joints - hips) @ camera.rotation.T
    # The pose model answers as if it looked straight at the person: rotate into that view.
    hip_pixel = keypoints[[Joint.LEFT_HIP, Joint.RIGHT_HIP], :2].mean(axis=0)
    ray = np.linalg.inv(camera.intrinsics.matrix()) @ np.array([*hip_pixel, 1.0])
    model_view = in_camera @ ray_rotation(ray)
    wobbled = _wobble(model_view, np.radians(wobble_deg))
    world = wobbled + rng.normal(0, noise.world_sd_m, wobbled.shape)
    box = (
        float(pixels[:, 0].min()),
        float(pixels[:, 1].min()),
        float(pixels[:, 0].max()),
        float(pixels[:, 1].max()),
    )
    return keypoints, world, box


def _observe_hand(
    camera: SyntheticCamera, hand: np.ndarray, noise: Noise, rng: np.random.Generator
) -> np.ndarray:
    """The hand model's output: pixels, and depth relative to the wrist in pixel units."""
    pixels = camera.project(hand)
    depth = (hand @ camera.rotation.T + camera.tvec)[:, 2]
    relative = (depth - depth[0]) * camera.focal_px / depth[0]
    observed = np.column_stack([pixels, relative])
    return np.asarray(observed + rng.normal(0, noise.pixel_sd * 0.3, observed.shape))


def _wobble(points: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Tilt the body slightly about the hips (x and z axes), as the model's estimates drift."""
    ax, az = angles
    cx, sx, cz, sz = math.cos(ax), math.sin(ax), math.cos(az), math.sin(az)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return np.asarray(points @ (rz @ rx).T)


@dataclass
class TellerActor(Actor):
    """An Actor whose body is a TellerPose over time."""

    act_at: Callable[[float], TellerPose] = lambda t: TellerPose()

    def world(self, t: float) -> np.ndarray:
        return self.to_world(teller_body(self.act_at(t)), t)


def counter_camera() -> SyntheticCamera:
    """A counter camera facing the teller's post at seated head height, 1.5 m away (the
    teller at floor (0, 1.5) facing -y): a seated teller from the chest up, a standing one
    from the hips up; legs out of the picture either way (as xiph_bowing's view)."""
    return SyntheticCamera(height_m=1.2, tilt_deg=0.0, focal_px=1000.0)


def teller_at_counter(track_id: int, act_at: Callable[[float], TellerPose]) -> TellerActor:
    return TellerActor(track_id, lambda t: Pose(), lambda t: (0.0, 1.5), -90.0, act_at)
