"""Hand landmarks for tracked people: regions from the body pose or the previous frame's
hand, run as one batch."""

from __future__ import annotations

import numpy as np

from etiquette.models.hand_landmarks import (
    HandLandmarker,
    hand_roi_from_forearm,
    hand_roi_from_landmarks,
    hand_roi_from_pose,
)
from etiquette.models.roi import Roi
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.joints import HandSide, Joint
from etiquette.vision.tracking import Track

HAND_JOINTS: dict[HandSide, tuple[Joint, Joint, Joint]] = {
    HandSide.LEFT: (Joint.LEFT_WRIST, Joint.LEFT_INDEX, Joint.LEFT_PINKY),
    HandSide.RIGHT: (Joint.RIGHT_WRIST, Joint.RIGHT_INDEX, Joint.RIGHT_PINKY),
}
ELBOWS = {HandSide.LEFT: Joint.LEFT_ELBOW, HandSide.RIGHT: Joint.RIGHT_ELBOW}
MIN_WRIST_VISIBILITY = 0.5


def hand_is_raised(keypoints: np.ndarray, wrist: Joint) -> bool:
    """Is the wrist above the hip line, measured along the body's hip-to-shoulder axis?"""
    hips = (keypoints[Joint.LEFT_HIP, :2] + keypoints[Joint.RIGHT_HIP, :2]) / 2
    shoulders = (keypoints[Joint.LEFT_SHOULDER, :2] + keypoints[Joint.RIGHT_SHOULDER, :2]) / 2
    axis = shoulders - hips
    length = float(np.linalg.norm(axis))
    if length < 1e-6:
        return False
    along = float(np.dot(keypoints[wrist, :2] - hips, axis / length))
    # Slightly below the hip still counts: a gesture starts at the waist.
    return along > -0.1 * length


def hand_rois_for(track: Track, config: PerceptionConfig) -> list[tuple[HandSide, Roi]]:
    """Which of a person's hands to look at this frame, and where."""
    wanted: list[tuple[HandSide, Roi]] = []
    for side, (wrist, index, pinky) in HAND_JOINTS.items():
        kp = track.keypoints
        if kp[wrist, 2] < MIN_WRIST_VISIBILITY:
            continue
        if config.hands == "raised" and not hand_is_raised(kp, wrist):
            continue
        previous = track.hand_rois[side]
        roi = (
            previous
            if previous is not None
            else hand_roi_from_pose(kp[wrist], kp[index], kp[pinky])
        )
        if roi.width < config.hand_min_px:
            continue
        wanted.append((side, roi))
    return wanted


def update_hands(
    image: np.ndarray, tracks: list[Track], landmarker: HandLandmarker, config: PerceptionConfig
) -> None:
    """Run the hand model for all tracks at once and store the hands on the tracks. A hand
    the pose's region misses is looked for once more along the forearm (a second batch)."""
    jobs: list[tuple[Track, HandSide, Roi]] = []
    for track in tracks:
        track.hands[:] = 0.0
        track.hand_scores[:] = 0.0
        track_jobs = [] if config.hands == "off" else hand_rois_for(track, config)
        jobs.extend((track, side, roi) for side, roi in track_jobs)
    seen = _read_hands(image, jobs, landmarker, config)
    retry: list[tuple[Track, HandSide, Roi]] = []
    for track, side, _ in jobs:
        if (track.track_id, side) in seen or track.hand_rois[side] is not None:
            continue  # found, or followed from the last frame (it is let go below)
        roi = _forearm_roi(track, side)
        if roi is not None and roi.width >= config.hand_min_px:
            retry.append((track, side, roi))
    seen |= _read_hands(image, retry, landmarker, config)
    for track in tracks:
        for side in HandSide:
            if (track.track_id, side) not in seen:
                track.hand_rois[side] = None


def _forearm_roi(track: Track, side: HandSide) -> Roi | None:
    elbow = track.keypoints[ELBOWS[side]]
    if elbow[2] < MIN_WRIST_VISIBILITY:
        return None
    return hand_roi_from_forearm(elbow, track.keypoints[HAND_JOINTS[side][0]])


def _read_hands(
    image: np.ndarray,
    jobs: list[tuple[Track, HandSide, Roi]],
    landmarker: HandLandmarker,
    config: PerceptionConfig,
) -> set[tuple[int, HandSide]]:
    """One batch of the hand model; the hands it found, stored on their tracks."""
    if not jobs:
        return set()
    result = landmarker.run(image, [roi for _, _, roi in jobs])
    seen: set[tuple[int, HandSide]] = set()
    for (track, side, _), keypoints, score in zip(
        jobs, result.keypoints, result.score, strict=True
    ):
        if score >= config.hand_presence:
            track.hands[side] = keypoints
            track.hand_scores[side] = score
            track.hand_rois[side] = hand_roi_from_landmarks(keypoints)
            seen.add((track.track_id, side))
    return seen
