"""Trunk angles against Human3.6M motion capture (real ground truth)."""

from __future__ import annotations

import pickle
from pathlib import Path

import cv2
import numpy as np
import pytest

from etiquette.calibration.camera_file import Intrinsics
from etiquette.calibration.projection import (
    FloorProjection,
    homography_from_pose,
    pose_from_extrinsics,
)
from etiquette.models.pose_detector import PoseDetector, landmark_roi
from etiquette.models.pose_landmarks import PoseLandmarker
from etiquette.models.runtime import OnnxNetwork
from etiquette.rules.body import angle_deg
from etiquette.rules.config import TrunkConfig
from etiquette.rules.trunk import Reference, SceneBaseline, TrunkMeter
from etiquette.vision.frame import FrameResult, People
from etiquette.vision.placement import Placement
from tests.conftest import SHARED_DATA, read_bgr

pytestmark = pytest.mark.real_data  # reads ../shared/data

H36M = SHARED_DATA / "h36m"
PELVIS, THORAX = 0, 8
STANDING = ("Directions", "Greeting", "WalkDog")


def _pose(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    detector = PoseDetector(OnnxNetwork("pose_detection"))
    landmarker = PoseLandmarker(OnnxNetwork("pose_landmark_full"))
    found = max(detector.detect(image), key=lambda d: d.score)
    first = landmarker.run(image, [landmark_roi(found)])
    result = landmarker.run(image, first.next_rois)
    return result.keypoints[0], result.world[0]


def _cases() -> list[tuple[str, np.ndarray, dict[str, np.ndarray]]]:
    data = np.load(H36M / "test_h36m_body3d.npz")
    with (H36M / "cameras.pkl").open("rb") as handle:
        cameras = pickle.load(handle)
    cases = []
    for name, joints in zip(data["imgname"], data["S"], strict=True):
        subject, rest = Path(str(name)).name.split("_", 1)
        camera_id = rest.split(".")[1].split("_")[0]
        cases.append((Path(str(name)).name, joints[:, :3], cameras[(subject, camera_id)]))
    return cases


def _calibrated(camera: dict[str, np.ndarray]) -> tuple[Intrinsics, FloorProjection]:
    """The mocap camera as a camera file would hold it: intrinsics and its pose over the
    floor (Human3.6M's R maps camera to world axes and T is the camera centre, z up)."""
    f, c = np.asarray(camera["f"]).ravel(), np.asarray(camera["c"]).ravel()
    k, p = np.asarray(camera["k"]).ravel(), np.asarray(camera["p"]).ravel()
    intrinsics = Intrinsics(
        fx=f[0], fy=f[1], cx=c[0], cy=c[1], distortion=[k[0], k[1], p[0], p[1], k[2]]
    )
    rotation = np.asarray(camera["R"], dtype=np.float64).T
    rvec = cv2.Rodrigues(rotation)[0].ravel()
    tvec = -rotation @ np.asarray(camera["T"], dtype=np.float64).ravel()
    pose = pose_from_extrinsics(rvec, tvec)
    floor = FloorProjection(homography_from_pose(intrinsics, rvec, tvec), intrinsics, pose)
    return intrinsics, floor


def test_trunk_angle_matches_motion_capture() -> None:
    rows = []
    for name, joints, camera in _cases():
        up = np.asarray(camera["R"])[2, :]
        truth = angle_deg(joints[THORAX] - joints[PELVIS], up)
        image = read_bgr(H36M / name)[:, :, ::-1].copy()
        keypoints, world = _pose(image)
        intrinsics, floor = _calibrated(camera)
        people = People(
            boxes=np.zeros((1, 4)),
            scores=np.ones(1),
            keypoints=keypoints[None],
            world=world[None],
            track_ids=np.ones(1, dtype=np.int64),
        )
        frame = FrameResult(0, 0.0, image.shape[1], image.shape[0], people)
        gravity = np.asarray(floor.pose.gravity_camera)  # type: ignore[union-attr]
        assert angle_deg(-gravity, up) < 0.01
        placed = Placement(floor, intrinsics).place(frame).people
        readings = {}
        for source, standing in (("model", None), ("picture", placed.standing_trunk[0])):
            meter = TrunkMeter(TrunkConfig(), gravity, SceneBaseline())
            reading = meter.update(
                0.0, placed.keypoints[0], placed.world[0], speed=0.0, standing=standing
            )
            assert reading is not None and reading.reference == Reference.GRAVITY
            readings[source] = reading.angle_deg
        rows.append((name, truth, readings["model"], readings["picture"]))
    print("\nimage                                 mocap  model  error  ours  error (degrees)")
    for name, truth, model, ours in rows:
        print(
            f"{name:38s} {truth:5.1f} {model:6.1f} {model - truth:6.1f}"
            f" {ours:5.1f} {ours - truth:6.1f}"
        )
    standing = [
        abs(ours - truth) for name, truth, _, ours in rows if any(a in name for a in STANDING)
    ]
    assert len(standing) == 3
    # The model alone reads 0.9, 6.7 (Greeting: it leans the trunk toward the camera) and
    # 4.8 degrees off; the picture on the calibrated floor fixes the lean's depth.
    assert float(np.mean(standing)) <= 3.0
    assert max(standing) <= 5.0
    sitting = next(r for r in rows if "SittingDown" in r[0])
    assert sitting[3] > 25.0  # the sitting subject leans far forward (not standing: the model)
