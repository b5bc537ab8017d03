"""What a camera runner runs each frame through: perception, the camera file (fitted to the
frames' size), the rules; and the live view it sends to the dashboard."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from etiquette.calibration.camera_file import CameraFile, load_camera
from etiquette.calibration.overlay import Outline, zone_outlines
from etiquette.calibration.zones import FloorZones
from etiquette.models.runtime import OnnxNetwork
from etiquette.rules.config import RulesConfig
from etiquette.rules.engine import RulesEngine
from etiquette.rules.greeting import GreetingMemory
from etiquette.service.cameras.camera_fit import FramesCamera
from etiquette.service.cameras.scene import scene_context
from etiquette.service.config import CameraConfig
from etiquette.service.live.state import PersonOnFloor
from etiquette.service.media.drawing import annotate
from etiquette.service.schedule import Schedule
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.frame import FrameResult
from etiquette.vision.pipeline import OnnxPerception
from etiquette.vision.placement import feet_pixel

log = logging.getLogger(__name__)
LIVE_VIEW_WIDTH = 640


@dataclass
class Pipeline:
    perception: OnnxPerception
    camera: FramesCamera  # the camera file, fitted to the frames' size
    engine: RulesEngine
    outlines: list[Outline]  # shared with the clip writer: changed in place
    last_frame_time: float | None = None
    size_problem: str | None = None  # the camera file does not fit the frames

    def fit(self, image: np.ndarray) -> None:
        """The calibration for this frame's size (ImageSizeError if it has none)."""
        if self.camera.fit(image):
            log.warning("%s", self.camera.note)
            self.outlines[:] = _outlines(self.camera.camera)


def _outlines(calibration: CameraFile | None) -> list[Outline]:
    if calibration is None or calibration.floor is None:
        return []
    return zone_outlines(calibration, calibration.floor)


def build_pipeline(
    camera: CameraConfig,
    perception: PerceptionConfig,
    rules: RulesConfig,
    greeting: GreetingMemory | None = None,
    schedule: Schedule | None = None,
) -> Pipeline:
    calibration: CameraFile | None = load_camera(camera.camera_file) if camera.camera_file else None
    next_opening = None if schedule is None else schedule.next_opening
    return Pipeline(
        OnnxPerception(perception, OnnxNetwork),
        FramesCamera(calibration, str(camera.camera_file), f"camera '{camera.name}'"),
        RulesEngine(rules, scene_context(calibration, next_opening), greeting),
        _outlines(calibration),
    )


def live_view(
    image: np.ndarray, result: FrameResult, pipeline: Pipeline, captions: list[str]
) -> bytes:
    """The annotated picture for the dashboard: skeletons, roles, zones and recent verdicts."""
    canvas = annotate(image, result, None, captions[-4:], pipeline.outlines).canvas
    bgr = cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR)
    scale = LIVE_VIEW_WIDTH / bgr.shape[1]
    if scale < 1:
        bgr = cv2.resize(bgr, (LIVE_VIEW_WIDTH, round(bgr.shape[0] * scale)))
    ok, jpeg = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 70])
    return bytes(jpeg) if ok else b""


def people_on_floor(result: FrameResult, pipeline: Pipeline) -> tuple[PersonOnFloor, ...]:
    """Where the tracked people stand on the floor and how far from the door line, as the
    rules see them (the saved camera file), for the calibration page's live check."""
    camera, people = pipeline.camera.camera, result.people
    if camera is None or camera.floor is None or len(people) == 0:
        return ()
    zones = FloorZones(camera.zones)
    placed = []
    for row in range(len(people)):
        floor, feet = people.floor[row], feet_pixel(people.keypoints[row])
        if feet is None or not np.isfinite(floor).all():
            continue
        door = zones.door
        placed.append(
            PersonOnFloor(
                track_id=int(people.track_ids[row]),
                feet_px=(round(float(feet[0]), 1), round(float(feet[1]), 1)),
                floor_m=(round(float(floor[0]), 3), round(float(floor[1]), 3)),
                door_m=None if door is None else round(door.distance(floor), 3),
                inside=None if door is None else door.is_inside(floor),
                arriving=zones.in_arrival_zone(floor),
            )
        )
    return tuple(placed)


def raw_jpeg(image: np.ndarray) -> bytes:
    ok, jpeg = cv2.imencode(
        ".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90]
    )
    return bytes(jpeg) if ok else b""
