"""Trunk angles against Human3.6M motion capture (real ground truth)."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from calibration.camera_file import Intrinsics
from models.pose_detector import PoseDetector, landmark_roi
from models.pose_landmarks import PoseLandmarker
from models.runtime import OnnxNetwork
from rules.body import angle_deg
from rules.config import TrunkConfig
from rules.trunk import Reference, SceneBaseline, TrunkMeter
from tests.conftest import SHARED_DATA, read_bgr
from vision.frame import FrameResult, People
from vision.placement import Placement

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


def test_trunk_angle_matches_motion_capture() -> None:
    rows = []
    for name, joints, camera in _cases():
        up = np.asarray(camera["R"])[2, :]
        truth = angle_deg(joints[THORAX] - joints[PELVIS], up)
        image = read_bgr(H36M / name)[:, :, ::-1].copy()
        keypoints, world = _pose(image)
        f, c = np.asarray(camera["f"]).ravel(), np.asarray(camera["c"]).ravel()
        intrinsics = Intrinsics(fx=f[0], fy=f[1], cx=c[0], cy=c[1])
        people = People(
            boxes=np.zeros((1, 4)),
            scores=np.ones(1),
            keypoints=keypoints[None],
            world=world[None],
            track_ids=np.ones(1, dtype=np.int64),
        )
        frame = FrameResult(0, 0.0, image.shape[1], image.shape[0], people)
        placed = Placement(None, intrinsics).place(frame).people
        meter = TrunkMeter(TrunkConfig(), -up, SceneBaseline())
        reading = meter.update(0.0, placed.keypoints[0], placed.world[0], speed=0.0)
        assert reading is not None and reading.reference == Reference.GRAVITY
        rows.append((name, truth, reading.angle_deg))
    print("\nimage                                 mocap   ours  error (degrees)")
    for name, truth, ours in rows:
        print(f"{name:38s} {truth:5.1f} {ours:6.1f} {ours - truth:6.1f}")
    standing = [abs(ours - truth) for name, truth, ours in rows if any(a in name for a in STANDING)]
    assert len(standing) == 3
    # Measured: 0.9, 6.7 (Greeting) and 4.8 degrees; the pose model itself reads the Greeting
    # subject 6-7 degrees too far forward whatever the crop.
    assert float(np.mean(standing)) <= 5.0
    assert max(standing) <= 7.0
    sitting = next(r for r in rows if "SittingDown" in r[0])
    assert sitting[2] > 25.0  # the sitting subject leans far forward
