"""The perception pipeline on onnxruntime: proposals, landmarks, tracking, hands.

Top-down and tracking-first: each track's landmark region comes from its previous frame, so
the person detector only runs when nobody is tracked, periodically, or where the fixed
camera sees motion no track covers.
"""

from __future__ import annotations

import math
import time
from typing import Protocol

import numpy as np

from etiquette.models import hand_landmarks, pose_landmarks
from etiquette.models.hand_landmarks import HandLandmarker
from etiquette.models.network import Network
from etiquette.models.pose_detector import PoseDetector, landmark_roi
from etiquette.models.pose_landmarks import PoseLandmarker, PoseLandmarks
from etiquette.models.roi import Roi, square_roi_around
from etiquette.models.ssd import Detection
from etiquette.vision.boxes import (
    DUPLICATE_IOU,
    Box,
    already_kept,
    box_area,
    box_coverage,
    box_iou,
    grown_box,
    point_in_box,
)
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.frame import FrameResult, People, StageTimes
from etiquette.vision.hands import update_hands
from etiquette.vision.joints import Joint
from etiquette.vision.motion import MotionRegions
from etiquette.vision.sources import Frame
from etiquette.vision.tracking import Track, TrackBook, keypoint_box
from etiquette.vision.zoom import (
    TILE_BATCH,
    TILE_MIN_SCORE,
    ZoomScanner,
    held_by,
    one_per_person,
)


class NetworkFactory(Protocol):
    def __call__(self, name: str, threads: int, outputs: list[str] | None = None) -> Network: ...


TORSO = [Joint.LEFT_SHOULDER, Joint.RIGHT_SHOULDER, Joint.LEFT_HIP, Joint.RIGHT_HIP]
# A blob already mostly inside a tracked person's box needs no new proposal.
COVERED_SHARE = 0.5
# Region around a motion blob: BlazePose's crop is ~1.4x a standing person's height.
BLOB_ROI_MARGIN = 1.4
# More moving area than this means camera motion or a light change, not people.
MAX_MOVING_SHARE = 0.4
MAX_MOTION_PROPOSALS = 2
TRACK_MOTION_MARGIN = 0.2
# A blob the landmark model rejected is not proposed again for this long.
PROPOSAL_COOLDOWN_S = 1.0
# Tracks begun this soon after the first frame were standing there when the camera started.
STARTUP_S = 2.0
# Presence a still track begun later must never fall below to be reported after
# confirm_still_s (else it waits confirm_unsteady_s).
STEADY_LATER = 0.95


class OnnxPerception:
    """Multi-person pose and hands, frame by frame."""

    def __init__(self, config: PerceptionConfig, make_network: NetworkFactory) -> None:
        self.config = config
        self.detector = PoseDetector(
            make_network("pose_detection", config.threads), min_score=config.detector_min_score
        )
        self.landmarker = PoseLandmarker(
            make_network("pose_landmark_full", config.threads, pose_landmarks.USED_OUTPUTS)
        )
        self.hand_landmarker = HandLandmarker(
            make_network(
                f"hand_landmark_{config.hand_model}", config.threads, hand_landmarks.USED_OUTPUTS
            )
        )
        self.motion = MotionRegions() if config.motion_proposals else None
        self.zoom = ZoomScanner(config.smallest_person_px, config.zoom_tiles_per_pass)
        self.tracks = TrackBook(grace_seconds=config.track_grace_s)
        self.last_detection_time: float | None = None
        self.started_at = math.inf  # the first frame's capture time
        self.rejected: list[tuple[Box, float]] = []
        self.landmark_seconds = 0.0
        self.times = StageTimes()

    def process(self, frame: Frame) -> FrameResult:
        image = frame.image
        height, width = image.shape[:2]
        now = frame.timestamp
        self.started_at = min(self.started_at, now)
        started = time.perf_counter()
        moving = self._uncovered_motion(image, now)
        detections = self._detector_proposals(image, now, moving)
        blobs = self._motion_proposals(moving or [], detections)
        proposals = detections + [square_roi_around(blob, BLOB_ROI_MARGIN) for blob in blobs]
        after_proposals = time.perf_counter()

        self.landmark_seconds = 0.0
        active = list(self.tracks.active)
        landmarks = self._landmarks(image, [t.roi for t in active] + proposals)
        size = (width, height)
        kept: list[Box] = []
        slipping = [
            track
            for index, track in enumerate(active)
            if not self._follow(track, landmarks, index, kept, now, size)
        ]
        if slipping:
            self._rescue(image, slipping, kept, now, size)
        self._start_tracks(
            proposals, len(detections), blobs, landmarks, len(active), kept, now, size
        )
        self._confirm_new_tracks(now)
        self.tracks.expire(now)
        after_tracking = time.perf_counter()

        confirmed = [t for t in self.tracks.active if t.confirmed]
        update_hands(image, confirmed, self.hand_landmarker, self.config)
        finished = time.perf_counter()
        self.times.ms = {
            "proposals": (after_proposals - started) * 1000,
            "landmarks": self.landmark_seconds * 1000,
            "tracking": (after_tracking - after_proposals - self.landmark_seconds) * 1000,
            "hands": (finished - after_tracking) * 1000,
        }
        return FrameResult(frame.index, now, width, height, self.people())

    def close(self) -> None:
        """Nothing to release: the networks' sessions go with the object."""

    def _landmarks(self, image: np.ndarray, rois: list[Roi]) -> PoseLandmarks:
        started = time.perf_counter()
        result = self.landmarker.run(image, rois)
        self.landmark_seconds += time.perf_counter() - started
        return result

    def _presence_needed(self, track: Track) -> float:
        return self.config.keep_presence if track.confirmed else self.config.confirm_presence

    def _follow(
        self,
        track: Track,
        landmarks: PoseLandmarks,
        index: int,
        kept: list[Box],
        now: float,
        size: tuple[int, int],
    ) -> bool:
        """Update a track from row ``index`` of the landmarks; False if they do not hold."""
        score = float(landmarks.score[index])
        if score < self._presence_needed(track):
            return False
        box = keypoint_box(landmarks.keypoints[index], *size)
        if already_kept(box, kept):
            # Two tracks converged on one person: the older one (listed first) stays.
            self.tracks.lose(track)
            return True
        kept.append(box)
        track.update(
            now,
            landmarks.next_rois[index],
            box,
            score,
            landmarks.keypoints[index],
            landmarks.world[index],
        )
        return True

    def _rescue(
        self,
        image: np.ndarray,
        slipping: list[Track],
        kept: list[Box],
        now: float,
        size: tuple[int, int],
    ) -> None:
        """One more look, upright around the last box, for tracks whose region drifted off
        (fast turns, people half out of the picture); those still not found are lost."""
        rois = [square_roi_around(t.box, BLOB_ROI_MARGIN) for t in slipping]
        second = self._landmarks(image, rois)
        for index, track in enumerate(slipping):
            if not self._follow(track, second, index, kept, now, size):
                self.tracks.lose(track)

    def _start_tracks(
        self,
        proposals: list[Roi],
        detection_count: int,
        blobs: list[Box],
        landmarks: PoseLandmarks,
        first_row: int,
        kept: list[Box],
        now: float,
        size: tuple[int, int],
    ) -> None:
        """New tracks from confirmed proposals (rows ``first_row`` on of the landmarks)."""
        for offset in range(len(proposals)):
            index = first_row + offset
            if len(self.tracks.active) >= self.config.max_people:
                break
            box = keypoint_box(landmarks.keypoints[index], *size)
            if not self._confirmed(landmarks.score[index], landmarks.keypoints[index]) or (
                already_kept(box, kept)
            ):
                # Nobody new there (or someone already kept): do not look again for a while.
                if offset >= detection_count:
                    self.rejected.append((blobs[offset - detection_count], now))
                continue
            track = self.tracks.start(now, landmarks.next_rois[index], box)
            track.confirmed = track.confirmed or (
                landmarks.score[index] >= self.config.certain_presence
            )
            self._follow(track, landmarks, index, kept, now, size)

    def _confirm_new_tracks(self, now: float) -> None:
        for track in self.tracks.active:
            if track.confirmed:
                continue
            moving = self.motion is None or (
                self.motion.foreground_share(track.box) >= self.config.confirm_motion_share
            )
            if moving:
                track.moved = True
            age = now - track.first_seen
            # Someone standing in view when the camera starts needs only a steady presence;
            # later, a person appearing without having moved in is rare and a phantom on
            # furniture common, so the presence must be near certain throughout.
            at_start = track.first_seen - self.started_at <= STARTUP_S
            needed = self.config.steady_presence if at_start else STEADY_LATER
            steady = track.lowest_score >= needed
            track.confirmed = (
                (track.frames_seen >= self.config.confirm_frames and track.moved)
                or (track.frames_seen >= 2 and steady and age >= self.config.confirm_still_s)
                or age >= self.config.confirm_unsteady_s
            )

    def _confirmed(self, score: float, keypoints: np.ndarray) -> bool:
        torso_visibility = float(keypoints[TORSO, 2].mean())
        return (
            score >= self.config.confirm_presence
            and torso_visibility >= self.config.confirm_visibility
        )

    def _uncovered_motion(self, image: np.ndarray, now: float) -> list[Box] | None:
        """Moving blobs that no track covers and that were not just looked at in vain,
        largest first; None when motion says nothing (no motion model, or the whole
        picture changed)."""
        if self.motion is None:
            return None
        blobs = self.motion.update(image)
        frame_area = float(image.shape[0] * image.shape[1])
        if sum(box_area(b) for b in blobs) > MAX_MOVING_SHARE * frame_area:
            return None  # the camera moved or the light changed
        # A head or hand sticking out of a tracked person's landmark box is still them.
        track_boxes = [grown_box(t.box, TRACK_MOTION_MARGIN) for t in self.tracks.active]
        self.rejected = [(b, t) for b, t in self.rejected if now - t <= PROPOSAL_COOLDOWN_S]
        return [
            blob
            for blob in sorted(blobs, key=box_area, reverse=True)
            if not any(box_coverage(blob, box) >= COVERED_SHARE for box in track_boxes)
            and not any(box_iou(blob, old) > DUPLICATE_IOU for old, _ in self.rejected)
        ]

    def _detector_proposals(
        self, image: np.ndarray, now: float, moving: list[Box] | None
    ) -> list[Roi]:
        """Landmark regions of detected people that no track covers. The detector runs once
        per interval, when something moves that no track covers, and on every frame while
        nobody is tracked and motion cannot tell whether someone came in (else every
        idle interval: someone may stand still in view). Besides the whole frame it looks
        at zoomed tiles on the periodic passes and around uncovered moving blobs
        (vision/zoom.py), for people too small for the whole frame."""
        since = math.inf if self.last_detection_time is None else now - self.last_detection_time
        idle = not self.tracks.active
        periodic = since >= self.config.detector_interval_s or (
            idle and (moving is None or since >= self.config.idle_detector_interval_s)
        )
        if not periodic and not moving:
            return []
        self.last_detection_time = now
        height, width = image.shape[:2]
        regions = [square_roi_around((0.0, 0.0, float(width), float(height)))]
        if self.config.zoom_on_motion:
            regions += self.zoom.blob_regions(moving or [], width, height, now)
        detections = one_per_person(self.detector.detect(image, regions), [])
        if since >= self.config.detector_interval_s:
            tiles = self.zoom.tiles(width, height)
            zoomed = [
                found
                for tile, each in zip(tiles, self._detect_in_batches(image, tiles), strict=True)
                for found in each
                if found.score >= TILE_MIN_SCORE and held_by(tile, found)
            ]
            # What the whole frame sees comes first: tiles only add people it cannot see.
            detections = one_per_person(zoomed, detections)
        track_boxes = [t.box for t in self.tracks.active]
        proposals: list[Roi] = []
        for detection in detections:
            roi = landmark_roi(detection)
            if detection.score < self.config.detector_sure_score and any(
                point_in_box(detection.keypoints[0], blob) for blob in moving or []
            ):
                # An unsure detection on something moving: the motion proposal covers it,
                # and the unsure one tends to be a part of the person (entering the picture).
                continue
            if not any(
                box_coverage(roi.bounding_box(), box) >= COVERED_SHARE
                or point_in_box(detection.keypoints[0], box)
                for box in track_boxes
            ):
                proposals.append(roi)
        return proposals

    def _detect_in_batches(self, image: np.ndarray, tiles: list[Roi]) -> list[list[Detection]]:
        """The detector on many tiles a few at a time: onnxruntime keeps the memory of the
        largest batch it ever ran (46 tiles at once cost 400 MB)."""
        found: list[list[Detection]] = []
        for first in range(0, len(tiles), TILE_BATCH):
            found += self.detector.detect_each(image, tiles[first : first + TILE_BATCH])
        return found

    def _motion_proposals(self, moving: list[Box], taken: list[Roi]) -> list[Box]:
        """The largest uncovered moving blobs that no detection explains."""
        fresh = [
            blob
            for blob in moving
            if not any(point_in_box((p.center_x, p.center_y), blob) for p in taken)
        ]
        return fresh[:MAX_MOTION_PROPOSALS]

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
