"""Customers' faces blurred before a frame is kept anywhere (coaching clips): the head region
from the body pose, widened to every face the face detector finds in it."""

from __future__ import annotations

import cv2
import numpy as np

from etiquette.models.face_detector import FaceDetector
from etiquette.models.roi import Roi, square_roi_around
from etiquette.models.runtime import OnnxNetwork
from etiquette.vision.frame import People
from etiquette.vision.joints import Joint, Role

HEAD_JOINTS = [
    Joint.NOSE,
    Joint.LEFT_EYE,
    Joint.RIGHT_EYE,
    Joint.LEFT_EAR,
    Joint.RIGHT_EAR,
    Joint.MOUTH_LEFT,
    Joint.MOUTH_RIGHT,
]
STAFF_FACE_JOINTS = [Joint.NOSE, Joint.LEFT_EYE, Joint.RIGHT_EYE]
HEAD_MARGIN = 1.8  # head box grown around the face landmarks (hair, chin, turned heads)
MIN_HEAD_PX = 12
BLUR_CELLS = 4  # pixelation: the face is reduced to this many cells across, then smoothed


def head_box(keypoints: np.ndarray, width: int, height: int) -> tuple[int, int, int, int]:
    """A square around the head from the face landmarks and the shoulders' width."""
    points = keypoints[HEAD_JOINTS, :2]
    centre = points.mean(axis=0)
    shoulders = float(
        np.linalg.norm(keypoints[Joint.LEFT_SHOULDER, :2] - keypoints[Joint.RIGHT_SHOULDER, :2])
    )
    spread = float(np.ptp(points, axis=0).max())
    side = max(spread * HEAD_MARGIN * 1.5, shoulders * 0.9, MIN_HEAD_PX)
    x1, y1 = int(max(0, centre[0] - side / 2)), int(max(0, centre[1] - side * 0.6))
    x2, y2 = int(min(width, centre[0] + side / 2)), int(min(height, centre[1] + side * 0.5))
    return x1, y1, x2, y2


def pixelate(image: np.ndarray, box: tuple[int, int, int, int]) -> None:
    x1, y1, x2, y2 = box
    if x2 - x1 < 2 or y2 - y1 < 2:
        return
    region = image[y1:y2, x1:x2]
    small = cv2.resize(
        region,
        (BLUR_CELLS, max(1, BLUR_CELLS * (y2 - y1) // (x2 - x1))),
        interpolation=cv2.INTER_AREA,
    )
    blocks = cv2.resize(small, (x2 - x1, y2 - y1), interpolation=cv2.INTER_LINEAR)
    kernel = max(3, ((x2 - x1) // 4) | 1)
    image[y1:y2, x1:x2] = cv2.GaussianBlur(blocks, (kernel, kernel), 0)


class FaceBlurrer:
    """Blurs the faces of the people whose role says so (customers by default), and every face
    the detector finds anywhere else in the frame: someone perception has not confirmed yet
    (a person standing still is only reported after a second or so) is still a customer."""

    def __init__(self, detector: FaceDetector, blur_staff: bool = False) -> None:
        self.detector = detector
        self.blur_staff = blur_staff

    def __call__(self, image: np.ndarray, people: People) -> np.ndarray:
        """A blurred copy of an RGB frame."""
        out = image.copy()
        height, width = image.shape[:2]
        boxes, staff_faces = [], []
        for row in range(len(people)):
            keypoints = people.keypoints[row]
            if people.roles[row] == Role.STAFF and not self.blur_staff:
                staff_faces.append(keypoints[STAFF_FACE_JOINTS, :2])
            else:
                boxes.append(head_box(keypoints, width, height))
        whole = square_roi_around((0.0, 0.0, float(width), float(height)))
        regions = [whole] + [
            Roi(
                (x1 + x2) / 2,
                (y1 + y2) / 2,
                max(x2 - x1, y2 - y1) * 2.0,
                max(x2 - x1, y2 - y1) * 2.0,
            )
            for x1, y1, x2, y2 in boxes
        ]
        for face in self.detector.detect(image, regions):  # one batch: frame and heads
            if _is_staff_face(face.box, staff_faces):
                continue
            x1, y1, x2, y2 = face.box
            grow = 0.25 * max(x2 - x1, y2 - y1)
            boxes.append(
                (
                    int(max(0, x1 - grow)),
                    int(max(0, y1 - grow)),
                    int(min(width, x2 + grow)),
                    int(min(height, y2 + grow)),
                )
            )
        for box in boxes:
            pixelate(out, box)
        return out


def _is_staff_face(box: tuple[float, float, float, float], staff_faces: list[np.ndarray]) -> bool:
    """A detected face is a staff member's only when it holds that person's nose and both
    eyes: a customer's face next to them (or behind them) is still blurred."""
    x1, y1, x2, y2 = box
    for points in staff_faces:
        inside = (points[:, 0] >= x1) & (points[:, 0] <= x2)
        inside &= (points[:, 1] >= y1) & (points[:, 1] <= y2)
        if bool(inside.all()):
            return True
    return False


def face_blurrer(blur_staff: bool = False, threads: int = 2) -> FaceBlurrer:
    """``threads``: the face detector's inference threads (a camera runner passes its
    perception's, so that several runners do not oversubscribe the cores)."""
    name = "face_detection_full_range"
    return FaceBlurrer(FaceDetector(OnnxNetwork(name, threads), name), blur_staff=blur_staff)
