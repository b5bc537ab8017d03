"""Synthetic people with known joint angles, on a floor, through a known camera, with
landmark noise like the pose model's: the ground truth the real footage cannot give.

Local body frame: x to the person's left, y up, z forward (where they face), metres, origin
on the floor between the feet.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from etiquette.calibration.camera_file import CameraFile, Floor, Intrinsics
from etiquette.calibration.projection import homography_from_pose, pose_from_extrinsics
from etiquette.vision.frame import FrameResult, People
from etiquette.vision.joints import HandSide, Joint
from etiquette.vision.placement import ray_rotation
from tests.synthetic_camera import SyntheticCamera

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
    """The right hand held out: wrist position, where the fingers point, where the palm
    faces (local frame), and whether the fingers are together."""

    wrist: tuple[float, float, float]
    fingers: tuple[float, float, float]
    palm: tuple[float, float, float]
    together: bool = True


@dataclass(frozen=True)
class Pose:
    """One instant of a synthetic person."""

    bow_deg: float = 0.0
    nod_deg: float = 0.0
    knee_bend_deg: float = 0.0
    stride: float = 0.0  # -1..1 leg swing phase for walking
    right_hand: HandPose | None = None


# Finger knuckles across the palm (thumb side first), distances along the fingers.
KNUCKLE_OFFSETS = (0.032, 0.011, -0.011, -0.03)
PHALANGES = (0.045, 0.026, 0.022)
SPREAD_DEG = (-22.0, -7.0, 8.0, 23.0)


def hand_points(hand: HandPose) -> np.ndarray:
    """(21, 3) local positions of a right hand's landmarks."""
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
    if pose.right_hand is not None:
        wrist = np.asarray(pose.right_hand.wrist)
        shoulder = joints[Joint.RIGHT_SHOULDER]
        joints[Joint.RIGHT_WRIST] = wrist
        joints[Joint.RIGHT_ELBOW] = (shoulder + wrist) / 2 + np.array([0.0, -0.08, 0.0])
        hand = hand_points(pose.right_hand)
        joints[Joint.RIGHT_INDEX] = hand[6]
        joints[Joint.RIGHT_PINKY] = hand[18]
        joints[Joint.RIGHT_THUMB] = hand[3]
    hip = np.array([0.0, joints[Joint.LEFT_HIP, 1], 0.0])
    if pose.nod_deg:
        neck = np.array([0.0, NECK_HEIGHT, 0.0])
        joints[HEAD] = _rotate_x(joints[HEAD], neck, math.radians(pose.nod_deg))
    if pose.bow_deg:
        joints[UPPER_BODY] = _rotate_x(joints[UPPER_BODY], hip, math.radians(pose.bow_deg))
    return joints


@dataclass
class Actor:
    """A person over time: ``pose_at(t)``, ``position_at(t)`` (floor x, y) and facing."""

    track_id: int
    pose_at: Callable[[float], Pose]
    position_at: Callable[[float], tuple[float, float]]
    facing_deg: float  # floor direction they face, counter-clockwise from +x

    def world(self, t: float) -> np.ndarray:
        return self.to_world(body(self.pose_at(t)), t)

    def hand_world(self, t: float) -> np.ndarray | None:
        hand = self.pose_at(t).right_hand
        return None if hand is None else self.to_world(hand_points(hand), t)

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
            hand = actor.hand_world(t)
            if hand is not None:
                hands[row, HandSide.RIGHT] = _observe_hand(camera, hand, noise, rng)
                hand_scores[row, HandSide.RIGHT] = 0.99
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


def bow_profile(
    depth_deg: float, start_s: float, down_s: float, hold_s: float, up_s: float
) -> Callable[[float], Pose]:
    """Upright, smoothly down to ``depth_deg``, hold, and back up."""

    def pose_at(t: float) -> Pose:
        u = t - start_s
        if u <= 0 or u >= down_s + hold_s + up_s:
            return Pose()
        if u < down_s:
            share = 0.5 - 0.5 * math.cos(math.pi * u / down_s)
        elif u < down_s + hold_s:
            share = 1.0
        else:
            share = 0.5 + 0.5 * math.cos(math.pi * (u - down_s - hold_s) / up_s)
        return Pose(bow_deg=depth_deg * share)

    return pose_at


def nod_profile(depth_deg: float, start_s: float, duration_s: float) -> Callable[[float], Pose]:
    def pose_at(t: float) -> Pose:
        u = (t - start_s) / duration_s
        if not 0 < u < 1:
            return Pose()
        return Pose(nod_deg=depth_deg * math.sin(math.pi * u))

    return pose_at


def walking(
    speed_mps: float, start: tuple[float, float], heading_deg: float, lean_deg: float = 3.0
) -> tuple[Callable[[float], Pose], Callable[[float], tuple[float, float]]]:
    psi = math.radians(heading_deg)

    def pose_at(t: float) -> Pose:
        return Pose(bow_deg=lean_deg, stride=math.sin(2 * math.pi * 0.9 * t))

    def position_at(t: float) -> tuple[float, float]:
        return (start[0] + speed_mps * t * math.cos(psi), start[1] + speed_mps * t * math.sin(psi))

    return pose_at, position_at


def welcome_sweep(
    start_s: float, duration_s: float, together: bool = True, height: float = 1.1
) -> Callable[[float], Pose]:
    """The right hand swept out from in front of the waist to the side, palm up-forward,
    fingers pointing the way."""

    def pose_at(t: float) -> Pose:
        u = (t - start_s) / duration_s
        if not 0 <= u <= 1:
            return Pose()
        share = 0.5 - 0.5 * math.cos(math.pi * u)
        wrist = (-0.12 - 0.45 * share, height, 0.28 + 0.05 * share)
        fingers = (-0.8, 0.1, 0.5)
        return Pose(right_hand=HandPose(wrist, fingers, palm=(-0.3, 0.3, 0.9), together=together))

    return pose_at


def guiding_hold(start_s: float, duration_s: float) -> Callable[[float], Pose]:
    """The right arm held out to the side at chest height, palm up, fingers together."""

    def pose_at(t: float) -> Pose:
        if not start_s <= t <= start_s + duration_s:
            return Pose()
        hand = HandPose(wrist=(-0.62, 1.32, 0.25), fingers=(-0.9, 0.0, 0.4), palm=(0.0, 1.0, 0.0))
        return Pose(right_hand=hand)

    return pose_at


# --- Issue 14 helper: door crossings, polite farewell and guiding (rules/door.py,
# rules/farewell.py, rules/guiding.py) ---

Stop = tuple[float, float, float]  # (time s, floor x, floor y)


def route(stops: list[Stop]) -> Callable[[float], tuple[float, float]]:
    """A floor path through timed stops, straight between them; still before the first and
    after the last (a stop repeated at two times is standing there)."""

    def position_at(t: float) -> tuple[float, float]:
        if t <= stops[0][0]:
            return stops[0][1], stops[0][2]
        for index in range(1, len(stops)):
            (t0, x0, y0), (t1, x1, y1) = stops[index - 1], stops[index]
            if t <= t1:
                share = (t - t0) / (t1 - t0) if t1 > t0 else 1.0
                return x0 + share * (x1 - x0), y0 + share * (y1 - y0)
        return stops[-1][1], stops[-1][2]

    return position_at


def route_velocity(stops: list[Stop], t: float) -> tuple[float, float]:
    """The exact floor velocity along a route at ``t`` (m/s)."""
    for index in range(1, len(stops)):
        (t0, x0, y0), (t1, x1, y1) = stops[index - 1], stops[index]
        if t0 <= t < t1:
            return (x1 - x0) / (t1 - t0), (y1 - y0) / (t1 - t0)
    return 0.0, 0.0


def route_pose(
    stops: list[Stop], act: Callable[[float], Pose] | None = None, lean_deg: float = 3.0
) -> Callable[[float], Pose]:
    """Striding while the route moves, standing otherwise; a bow or a hand from ``act``."""

    def pose_at(t: float) -> Pose:
        acted = act(t) if act is not None else Pose()
        vx, vy = route_velocity(stops, t)
        if vx == 0.0 and vy == 0.0:
            return acted
        return Pose(
            bow_deg=acted.bow_deg or lean_deg,
            stride=math.sin(2 * math.pi * 0.9 * t),
            right_hand=acted.right_hand,
        )

    return pose_at


def routed_actor(
    track_id: int, stops: list[Stop], facing_deg: float, act: Callable[[float], Pose] | None = None
) -> Actor:
    return Actor(track_id, route_pose(stops, act), route(stops), facing_deg=facing_deg)


# --- Issue 14 helper: sitting vs standing and the teller's five steps (rules/stance.py,
# rules/counter_acts.py, rules/teller.py) ---

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


@dataclass
class TellerActor(Actor):
    """An Actor whose body is a TellerPose over time."""

    act_at: Callable[[float], TellerPose] = lambda t: TellerPose()

    def world(self, t: float) -> np.ndarray:
        return self.to_world(teller_body(self.act_at(t)), t)


def ease(t: float, start_s: float, duration_s: float) -> float:
    """0 before start_s, 1 after start_s + duration_s, a smooth S between."""
    if duration_s <= 0:
        return 0.0 if t < start_s else 1.0
    u = min(1.0, max(0.0, (t - start_s) / duration_s))
    return 0.5 - 0.5 * math.cos(math.pi * u)


def counter_camera() -> SyntheticCamera:
    """A counter camera facing the teller's post at seated head height, 1.5 m away (the
    teller at floor (0, 1.5) facing -y): a seated teller from the chest up, a standing one
    from the hips up; legs out of the picture either way (as xiph_bowing's view)."""
    return SyntheticCamera(height_m=1.2, tilt_deg=0.0, focal_px=1000.0)


def teller_at_counter(track_id: int, act_at: Callable[[float], TellerPose]) -> TellerActor:
    return TellerActor(track_id, lambda t: Pose(), lambda t: (0.0, 1.5), -90.0, act_at)


# --- Issue 14 helper: the opening line-up and the raised-hand salute (rules/opening.py,
# rules/salute.py) ---

SHOULDER_HEIGHT = 1.42
TRUNK_M = SHOULDER_HEIGHT - HIP_HEIGHT  # hips to shoulders in the synthetic body


def salute(
    start_s: float, duration_s: float, wrist_height: float = 1.78
) -> Callable[[float], Pose]:
    """举手礼: the right hand raised beside the head, fingers together pointing up, palm
    forward, held for ``duration_s``; standing otherwise."""

    def pose_at(t: float) -> Pose:
        if not start_s <= t <= start_s + duration_s:
            return Pose()
        hand = HandPose(
            wrist=(-0.30, wrist_height, 0.08), fingers=(-0.1, 1.0, 0.0), palm=(0.0, 0.0, 1.0)
        )
        return Pose(right_hand=hand)

    return pose_at


def salute_height(wrist_height: float) -> float:
    """The exact wrist height above the shoulder of :func:`salute`, in trunk lengths."""
    return (wrist_height - SHOULDER_HEIGHT) / TRUNK_M
