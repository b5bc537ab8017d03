"""Zoomed looks for the person detector, so that people well under a third of the picture's
height are found even when they stand still.

BlazePose's detector is face-based and sees the whole frame shrunk to 224x224: it finds a
person reliably once they are about 80 px tall in that input (measured on real people scaled
down: scores >= 0.9 at 80 px, nothing at 60 px on two of four clips), i.e. a third of a
frame's long side (430 px of a 1280x720 frame). The same detector on a square region of the
frame, enlarged to its input, finds real people scaled down to 45 px tall. So the detector
also looks at:

- tiles covering the frame, at the scales between the smallest person asked for and what
  the whole frame reaches: all of them on the first frame (people standing in view when the
  camera starts), then a few per detector interval, in turn;
- optionally (``zoom_on_motion``), a region around each moving blob no track explains,
  enlarged so that the blob's height fills the detector's reliable size.

tests/vision/test_small_people.py measures the reach on real people pasted, scaled down,
into a real empty room."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from etiquette.models.pose_detector import landmark_roi
from etiquette.models.roi import Roi
from etiquette.models.ssd import Detection
from etiquette.vision.boxes import Box, box_iou

DETECTOR_INPUT_PX = 224
# A person this tall in the detector's input is found reliably.
RELIABLE_INPUT_PX = 90
# Next tile scale up: a person too tall for one scale's tiles is reached by the next.
SCALE_STEP = 2.5
# Detections from overlapping regions whose face boxes overlap this much are one person.
SAME_PERSON_IOU = 0.3
# A tile's detection with nothing moving there must be this sure: zoomed in, the base of a
# table in intel_one_by_one's empty room scores up to 0.65 (real people zoomed >= 0.9).
TILE_MIN_SCORE = 0.8
# Tiles per detector run: the first frame's scan goes in several small batches.
TILE_BATCH = 4
# A blob this close to the picture's edge (share of its long side) is someone coming in.
EDGE_SHARE = 0.02
# A moving blob is looked at zoomed once in this long (a person found there is tracked, and
# the blob is covered from then on) and at most this many blobs per frame.
BLOB_COOLDOWN_S = 1.0
MAX_BLOB_REGIONS = 2
SAME_BLOB_IOU = 0.5


def reach_px(region_side: float) -> float:
    """The smallest person (pixels tall) the detector finds reliably in a square region."""
    return region_side * RELIABLE_INPUT_PX / DETECTOR_INPUT_PX


def side_for(person_px: float) -> float:
    """The square region in which a person of this height fills the detector's reliable size."""
    return person_px * DETECTOR_INPUT_PX / RELIABLE_INPUT_PX


def _starts(length: float, side: float, overlap: float) -> list[float]:
    """Evenly spread starts of ``side``-long windows covering ``length`` with at least
    ``overlap`` shared between neighbours."""
    if side >= length:
        return [(length - side) / 2]
    count = math.ceil((length - side) / (side - overlap)) + 1
    step = (length - side) / (count - 1)
    return [index * step for index in range(count)]


def tile_layout(width: int, height: int, smallest_person_px: float) -> list[Roi]:
    """Square tiles, smallest scale first, that bring every person from
    ``smallest_person_px`` up to the whole frame's reach within the detector's reliable size.
    Neighbouring tiles overlap by the scale's smallest person, so one always holds them."""
    long_side = max(width, height)
    if smallest_person_px <= 0:
        return []
    tiles: list[Roi] = []
    person = smallest_person_px
    while person < reach_px(long_side):
        side = side_for(person)
        for top in _starts(height, side, person):
            for left in _starts(width, side, person):
                tiles.append(Roi(left + side / 2, top + side / 2, side, side))
        person *= SCALE_STEP
    return tiles


def blob_region(blob: Box, width: int, height: int) -> Roi | None:
    """A square region in which a moving blob's height fills the detector's reliable size;
    None when the whole frame already shows it that large, or when the blob touches the
    picture's edge (someone coming in: zoomed on a part of them, the detector makes a second
    person of it)."""
    blob_height = max(blob[3] - blob[1], 1.0)
    if blob_height >= reach_px(max(width, height)):
        return None
    margin = EDGE_SHARE * max(width, height)
    if blob[0] <= margin or blob[1] <= margin or blob[2] >= width - margin:
        return None
    if blob[3] >= height - margin:
        return None
    side = side_for(blob_height)
    return Roi((blob[0] + blob[2]) / 2, (blob[1] + blob[3]) / 2, side, side)


def one_per_person(detections: list[Detection], kept: list[Detection]) -> list[Detection]:
    """``kept`` and, best-scoring first, the detections of people not already in it (the
    same person seen by several overlapping regions)."""
    kept = list(kept)
    for detection in sorted(detections, key=lambda d: d.score, reverse=True):
        if all(box_iou(detection.box, other.box) <= SAME_PERSON_IOU for other in kept):
            kept.append(detection)
    return kept


def held_by(tile: Roi, detection: Detection) -> bool:
    """Does the tile hold the whole person it detected? A tile zoomed on part of someone
    larger (a face filling it) extrapolates a body beyond its edges; the whole frame or a
    coarser tile sees that person as they are."""
    region = landmark_roi(detection)
    inside_x = abs(region.center_x - tile.center_x) <= tile.width / 2
    inside_y = abs(region.center_y - tile.center_y) <= tile.height / 2
    return region.width <= tile.width and inside_x and inside_y


@dataclass
class ZoomScanner:
    """Which zoomed regions the detector looks at on each pass."""

    smallest_person_px: float
    tiles_per_pass: int
    _tiles: list[Roi] = field(default_factory=list)
    _size: tuple[int, int] | None = None
    _next: int = 0
    _zoomed: list[tuple[Box, float]] = field(default_factory=list)

    def tiles(self, width: int, height: int) -> list[Roi]:
        """Every tile on the first pass for a frame size, then the next few in turn."""
        if self._size != (width, height):
            self._size = (width, height)
            self._tiles = tile_layout(width, height, self.smallest_person_px)
            self._next = 0
            return list(self._tiles)
        if not self._tiles or self.tiles_per_pass <= 0:
            return []
        count = min(self.tiles_per_pass, len(self._tiles))
        chosen = [self._tiles[(self._next + i) % len(self._tiles)] for i in range(count)]
        self._next = (self._next + count) % len(self._tiles)
        return chosen

    def blob_regions(self, blobs: list[Box], width: int, height: int, now: float) -> list[Roi]:
        """Zoomed regions around the largest moving blobs (listed largest first) that were
        not looked at zoomed in the last BLOB_COOLDOWN_S."""
        self._zoomed = [(b, t) for b, t in self._zoomed if now - t <= BLOB_COOLDOWN_S]
        regions: list[Roi] = []
        for blob in blobs:
            if len(regions) >= MAX_BLOB_REGIONS:
                break
            if any(box_iou(blob, old) > SAME_BLOB_IOU for old, _ in self._zoomed):
                continue
            region = blob_region(blob, width, height)
            if region is not None:
                self._zoomed.append((blob, now))
                regions.append(region)
        return regions
