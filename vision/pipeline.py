"""The perception pipeline on onnxruntime: proposals, landmarks, tracking, hands.

Top-down and tracking-first: each track's landmark region comes from its previous frame, so
the person detector only runs when nobody is tracked, periodically, or where the fixed
camera sees motion no track covers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from models.hand_landmarks import HandLandmarker
from models.network import Network
from models.pose_detector import PoseDetector, square_roi_around
from models.pose_landmarks import PoseLandmarker
from models.roi import Roi
from vision.config import PerceptionConfig
from vision.frame import FrameResult, People
from vision.hands import update_hands
from vision.joints import Joint
from vision.motion import MotionRegions
from vision.sources import Frame
from vision.tracking import Box, TrackBook, box_coverage, box_iou, keypoint_box

NetworkFactory = Callable[[str, int], Network]
TORSO = [Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER, Joint.LEFT_HIP, Joint.RIGHT_HIP]
STAGES = ("proposals", "landmarks", "hands", "tracking")
# A blob already mostly inside a tracked person's box needs no new proposal.
COVERED_SHARE = 0.5
DUPLICATE_IOU = 0.5
# Region around a motion blob: BlazePose's crop is ~1.4x a standing person's height.
BLOB_ROI_MARGIN = 1.4


@dataclass
class StageTimes:
    """Milliseconds spent in each stage for the last frame."""

    ms: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))


class OnnxPerception:
    """Multi-person pose and hands, frame by frame."""

    def __init__(self, config: PerceptionConfig, make_network: NetworkFactory) -> None:
        self.config = config
        self.detector = PoseDetector(
            make_network("pose_detection", config.threads), min_score=config.detector_min_score
        )
        self.landmarker = PoseLandmarker(make_network("pose_landmark_full", config.threads))
        self.hand_landmarker = HandLandmarker(
            make_network(f"hand_landmark_{config.hand_model}", config.threads)
        )
        self.motion = MotionRegions() if config.motion_proposals else None
        self.tracks = TrackBook(grace_seconds=config.track_grace_s)
        self.last_detection_time: float | None = None
        self.times = StageTimes()

    def process(self, frame: Frame) -> FrameResult:
        image = frame.image
        height, width = image.shape[:2]
        now = frame.timestamp
        started = time.perf_counter()
        proposals = self._proposals(image, now)
        after_proposals = time.perf_counter()

        active = list(self.tracks.active)
        rois = [t.roi for t in active] + proposals
        landmarks = self.landmarker.run(image, rois)
        after_landmarks = time.perf_counter()

        kept: list[Box] = []
        for index, track in enumerate(active):
            score = float(landmarks.score[index])
            if score < self.config.keep_presence:
                self.tracks.lose(track)
                continue
            box = keypoint_box(landmarks.keypoints[index], width, height)
            if any(box_iou(box, other) > DUPLICATE_IOU for other in kept):
                # Two tracks converged on one person: the older one (listed first) stays.
                self.tracks.lose(track)
                continue
            kept.append(box)
            track.update(
                now,
                landmarks.next_rois[index],
                box,
                score,
                landmarks.keypoints[index],
                landmarks.world[index],
            )
        for offset in range(len(proposals)):
            index = len(active) + offset
            if len(self.tracks.active) >= self.config.max_people:
                break
            if not self._confirmed(landmarks.score[index], landmarks.keypoints[index]):
                continue
            box = keypoint_box(landmarks.keypoints[index], width, height)
            if any(box_iou(box, other) > DUPLICATE_IOU for other in kept):
                continue
            kept.append(box)
            track = self.tracks.start(now, landmarks.next_rois[index], box)
            if landmarks.score[index] >= self.config.certain_presence:
                track.confirmed = True
            track.update(
                now,
                landmarks.next_rois[index],
                box,
                float(landmarks.score[index]),
                landmarks.keypoints[index],
                landmarks.world[index],
            )
        self._confirm_new_tracks()
        self.tracks.expire(now)
        after_tracking = time.perf_counter()

        update_hands(image, self.tracks.active, self.hand_landmarker, self.config)
        finished = time.perf_counter()
        self.times.ms = {
            "proposals": (after_proposals - started) * 1000,
            "landmarks": (after_landmarks - after_proposals) * 1000,
            "tracking": (after_tracking - after_landmarks) * 1000,
            "hands": (finished - after_tracking) * 1000,
        }
        return FrameResult(frame.index, now, width, height, self.people())

    def _confirm_new_tracks(self) -> None:
        for track in self.tracks.active:
            if track.confirmed:
                continue
            moving = self.motion is None or (
                self.motion.foreground_share(track.box) >= self.config.confirm_motion_share
            )
            if moving:
                track.moved = True
            track.confirmed = (
                track.frames_seen >= self.config.confirm_frames and track.moved
            ) or track.frames_seen >= self.config.confirm_still_frames

    def _confirmed(self, score: float, keypoints: np.ndarray) -> bool:
        torso_visibility = float(keypoints[TORSO, 2].mean())
        return (
            score >= self.config.confirm_presence
            and torso_visibility >= self.config.confirm_visibility
        )

    def _proposals(self, image: np.ndarray, now: float) -> list[Roi]:
        """Regions where a person not yet tracked may be."""
        track_boxes = [t.box for t in self.tracks.active]
        blobs = self.motion.update(image) if self.motion is not None else []
        uncovered = [
            blob
            for blob in blobs
            if not any(box_coverage(blob, box) >= COVERED_SHARE for box in track_boxes)
        ]
        due = (
            self.last_detection_time is None
            or not self.tracks.active
            or now - self.last_detection_time >= self.config.detector_interval_s
        )
        proposals: list[Roi] = []
        if due:
            self.last_detection_time = now
            for detection in self.detector.detect(image):
                roi = detection.landmark_roi()
                if not any(
                    box_coverage(roi.bounding_box(), box) >= COVERED_SHARE
                    or _inside(detection.keypoints[0], box)
                    for box in track_boxes
                ):
                    proposals.append(roi)
        for blob in uncovered:
            proposal = square_roi_around(blob, BLOB_ROI_MARGIN)
            if not any(_inside((p.center_x, p.center_y), blob) for p in proposals):
                proposals.append(proposal)
        return proposals

    def people(self) -> People:
        tracks = [t for t in self.tracks.active if t.confirmed]
        if not tracks:
            return People.empty()
        return People(
            boxes=np.array([t.box for t in tracks], dtype=np.float64),
            scores=np.array([t.score for t in tracks]),
            keypoints=np.stack([t.keypoints for t in tracks]),
            world=np.stack([t.world for t in tracks]),
            track_ids=np.array([t.track_id for t in tracks], dtype=np.int64),
            hands=np.stack([t.hands for t in tracks]),
            hand_scores=np.stack([t.hand_scores for t in tracks]),
        )


def _inside(point: tuple[float, float] | np.ndarray, box: Box) -> bool:
    return bool(box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3])
