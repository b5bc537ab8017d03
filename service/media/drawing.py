"""Skeletons, hands and track ids drawn onto frames (for annotated videos and live views).
Text is drawn in the bundled Chinese font (OpenCV's own fonts have no Chinese glyphs)."""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from etiquette.calibration.overlay import Outline
from etiquette.service.media.fonts import FONT_FILE
from etiquette.vision.frame import FrameResult
from etiquette.vision.joints import BODY_BONES, HAND_BONES, HandSide, Joint

MIN_VISIBILITY = 0.5
FACE_JOINTS = frozenset(range(Joint.NOSE, Joint.MOUTH_RIGHT + 1))


def track_color(track_id: int) -> tuple[int, int, int]:
    """A stable, distinct RGB colour per track id."""
    hue = (track_id * 47) % 180
    hsv = np.array([[[hue, 200, 255]]], dtype=np.uint8)
    r, g, b = np.asarray(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB))[0, 0]
    return int(r), int(g), int(b)


def draw_people(
    image: np.ndarray,
    result: FrameResult,
    labels: dict[int, str] | None = None,
    faces: bool = True,
) -> np.ndarray:
    """A copy of an RGB frame with every person's skeleton, hands, box and id (followed by
    ``labels[id]``, e.g. the role and trunk angle, when given). Without ``faces`` the eye,
    ear, nose and mouth points are left out: drawn over a blurred face they outline it again."""
    canvas = image.copy()
    people = result.people
    thickness = max(1, round(max(image.shape[:2]) / 400))
    for row in range(len(people)):
        color = track_color(int(people.track_ids[row]))
        keypoints = people.keypoints[row]
        for a, b in BODY_BONES:
            if not faces and (a in FACE_JOINTS or b in FACE_JOINTS):
                continue
            if keypoints[a, 2] >= MIN_VISIBILITY and keypoints[b, 2] >= MIN_VISIBILITY:
                cv2.line(
                    canvas, _pt(keypoints[a]), _pt(keypoints[b]), color, thickness, cv2.LINE_AA
                )
        for joint, point in enumerate(keypoints):
            if not faces and joint in FACE_JOINTS:
                continue
            if point[2] >= MIN_VISIBILITY:
                cv2.circle(canvas, _pt(point), thickness + 1, color, -1, cv2.LINE_AA)
        for side in HandSide:
            if people.hand_scores[row, side] > 0:
                hand = people.hands[row, side]
                for joint_a, joint_b in HAND_BONES:
                    cv2.line(
                        canvas,
                        _pt(hand[joint_a]),
                        _pt(hand[joint_b]),
                        (255, 255, 255),
                        1,
                        cv2.LINE_AA,
                    )
        x1, y1, x2, y2 = (int(v) for v in people.boxes[row])
        cv2.rectangle(canvas, (x1, y1), (x2, y2), color, 1)
        track = int(people.track_ids[row])
        label = f"#{track} {labels[track]}" if labels and track in labels else f"#{track}"
        draw_text(canvas, label, (x1 + 2, max(0, y1 + 1)), 13 * thickness, color)
    return canvas


@cache
def _font(size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_FILE), size_px)


def draw_text(
    rgb: np.ndarray, text: str, top_left: tuple[int, int], size_px: int, color: tuple[int, ...]
) -> None:
    """Text drawn in place, anti-aliased over the picture; only its own box is touched."""
    font = _font(max(6, size_px))
    x, y = top_left
    left, top, right, bottom = font.getbbox(text)
    x0, y0 = max(0, x + int(left)), max(0, y + int(top))
    x1, y1 = min(rgb.shape[1], x + int(right) + 1), min(rgb.shape[0], y + int(bottom) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    region = Image.fromarray(np.ascontiguousarray(rgb[y0:y1, x0:x1]))
    ImageDraw.Draw(region).text((x - x0, y - y0), text, font=font, fill=tuple(color[:3]))
    rgb[y0:y1, x0:x1] = np.asarray(region)


def draw_outlines(rgb: np.ndarray, outlines: list[Outline]) -> None:
    """Zone outlines (BGR colours, as calibration gives them) drawn in place on an RGB frame."""
    for points, (blue, green, red) in outlines:
        cv2.polylines(
            rgb, [np.round(points).astype(np.int32)], False, (red, green, blue), 2, cv2.LINE_AA
        )


def draw_captions(rgb: np.ndarray, lines: list[str]) -> None:
    """Lines of text at the top left, white on a dark band so they read on any background."""
    if not lines:
        return
    scale = max(0.5, rgb.shape[1] / 1100)
    step = round(30 * scale)
    band = rgb[: step * len(lines) + step // 2]
    band[:] = (band * 0.45).astype(rgb.dtype)
    for row, text in enumerate(lines):
        draw_text(rgb, text, (8, step * row + step // 4), round(22 * scale), (255, 255, 255))


def _pt(point: np.ndarray) -> tuple[int, int]:
    return round(float(point[0])), round(float(point[1]))
