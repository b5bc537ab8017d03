"""Skeletons, hands, person labels and captions drawn onto frames (for clips, annotated
videos and live views). Text is drawn in the bundled Chinese font (OpenCV's own fonts have
no Chinese glyphs), sized for the picture, and laid out so that nothing covers anything
else: the caption band is drawn first and every label is placed below it and clear of the
labels placed before it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from etiquette.calibration.overlay import Outline
from etiquette.service.media.fonts import FONT_FILE
from etiquette.service.vocabulary import label
from etiquette.vision.frame import FrameResult
from etiquette.vision.joints import BODY_BONES, HAND_BONES, HandSide, Joint, Role

MIN_VISIBILITY = 0.5
FACE_JOINTS = frozenset(range(Joint.NOSE, Joint.MOUTH_RIGHT + 1))
# Caption text height as a share of the picture's width: a 768 px clip gets 19 px and a
# 1280 px one 32 px, which still read when the clip is shown smaller on a phone; labels are
# a little smaller than captions.
CAPTION_SHARE = 1 / 40
MIN_CAPTION_PX, MAX_CAPTION_PX = 16, 56
LABEL_SHARE = 0.8
MARGIN = 8
# Only roles are shown: a track id is the tracker's bookkeeping, not something to read.
ROLE_KEYS = {Role.STAFF: "staff", Role.CUSTOMER: "customer"}


@dataclass(frozen=True)
class TextBox:
    """A rectangle of the picture, in pixels: x0, y0 inclusive; x1, y1 exclusive."""

    x0: int
    y0: int
    x1: int
    y1: int

    def overlaps(self, other: TextBox) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )


@dataclass
class Annotated:
    """An annotated copy of a frame and where its texts went (what tests and layouts need)."""

    canvas: np.ndarray
    band: TextBox | None = None
    labels: list[TextBox] = field(default_factory=list)


def track_color(track_id: int) -> tuple[int, int, int]:
    """A stable, distinct RGB colour per track id."""
    hue = (track_id * 47) % 180
    hsv = np.array([[[hue, 200, 255]]], dtype=np.uint8)
    r, g, b = np.asarray(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB))[0, 0]
    return int(r), int(g), int(b)


def caption_px(width: int) -> int:
    """The caption's text height for a picture this wide."""
    return int(np.clip(round(width * CAPTION_SHARE), MIN_CAPTION_PX, MAX_CAPTION_PX))


def annotate(
    image: np.ndarray,
    result: FrameResult,
    labels: dict[int, str] | None = None,
    captions: list[str] | None = None,
    outlines: list[Outline] | None = None,
    faces: bool = True,
) -> Annotated:
    """A copy of an RGB frame with skeletons, zone outlines, the caption band at the top and
    a label per person placed outside the band (see :func:`draw_people` for ``labels``)."""
    canvas = draw_people(image, result, faces=faces, with_labels=False)
    draw_outlines(canvas, outlines or [])
    band = draw_captions(canvas, captions or [])
    placed = draw_labels(canvas, result, labels, [] if band is None else [band])
    return Annotated(canvas, band, placed)


def draw_people(
    image: np.ndarray,
    result: FrameResult,
    labels: dict[int, str] | None = None,
    faces: bool = True,
    with_labels: bool = True,
) -> np.ndarray:
    """A copy of an RGB frame with every person's skeleton, hands and box, and (unless not
    ``with_labels``) a label: ``labels[id]`` when given, else the role once it is known.
    Without ``faces`` the eye, ear, nose and mouth points are left out: drawn over a blurred
    face they outline it again."""
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
    if with_labels:
        draw_labels(canvas, result, labels, [])
    return canvas


def _label_text(result: FrameResult, row: int, labels: dict[int, str] | None) -> str:
    track = int(result.people.track_ids[row])
    if labels is not None:
        return labels.get(track, "")
    roles = result.people.roles
    key = ROLE_KEYS.get(Role(int(roles[row]))) if row < len(roles) else None
    return label("role", key) if key else ""


def draw_labels(
    rgb: np.ndarray, result: FrameResult, labels: dict[int, str] | None, avoid: list[TextBox]
) -> list[TextBox]:
    """Each person's label at the top left of their box, moved down past whatever it would
    cover (``avoid``: the caption band; then the labels already placed); returns the boxes."""
    people = result.people
    size = max(MIN_CAPTION_PX - 2, round(caption_px(rgb.shape[1]) * LABEL_SHARE))
    font = _font(size)
    taken = list(avoid)
    placed: list[TextBox] = []
    order = sorted(range(len(people)), key=lambda row: float(people.boxes[row][1]))
    for row in order:
        text = _label_text(result, row, labels)
        if not text:
            continue
        left, top, right, bottom = font.getbbox(text)
        width, height = int(right - left) + 6, int(bottom - top) + 6
        x = int(np.clip(int(people.boxes[row][0]), 0, max(0, rgb.shape[1] - width)))
        y = max(0, int(people.boxes[row][1]))
        box = TextBox(x, y, x + width, y + height)
        while (hit := next((t for t in taken if t.overlaps(box)), None)) is not None:
            box = TextBox(x, hit.y1 + 2, x + width, hit.y1 + 2 + height)
        if box.y1 > rgb.shape[0]:  # no room left below: the person is at the bottom edge
            continue
        region = rgb[box.y0 : box.y1, box.x0 : box.x1]
        region[:] = (region * 0.35).astype(rgb.dtype)  # a dark backing so any colour reads
        color = track_color(int(people.track_ids[row]))
        draw_text(rgb, text, (box.x0 + 3 - int(left), box.y0 + 3 - int(top)), size, color)
        taken.append(box)
        placed.append(box)
    return placed


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


def draw_captions(rgb: np.ndarray, lines: list[str]) -> TextBox | None:
    """Lines of text at the top left, white on a dark band across the picture so they read on
    any background; a line too long for the picture is drawn smaller. Returns the band."""
    if not lines:
        return None
    size = caption_px(rgb.shape[1])
    for text in lines:  # one size for all lines: the widest decides
        while size > MIN_CAPTION_PX and _width(text, size) > rgb.shape[1] - 2 * MARGIN:
            size -= 1
    step = round(size * 1.45)
    band = TextBox(0, 0, rgb.shape[1], min(rgb.shape[0], step * len(lines) + step // 3))
    region = rgb[band.y0 : band.y1]
    region[:] = (region * 0.45).astype(rgb.dtype)
    for row, text in enumerate(lines):
        y = step * row + (step - size) // 2 + step // 6
        draw_text(rgb, text, (MARGIN, y), size, (255, 255, 255))
    return band


def _width(text: str, size_px: int) -> int:
    left, _top, right, _bottom = _font(size_px).getbbox(text)
    return int(right - left)


def _pt(point: np.ndarray) -> tuple[int, int]:
    return round(float(point[0])), round(float(point[1]))
