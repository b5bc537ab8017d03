"""What the rules need to know of the scene, from the camera file."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from etiquette.calibration.camera_file import CameraFile
from etiquette.calibration.zones import FloorZones
from etiquette.rules.scene import SceneContext


def scene_context(
    camera: CameraFile | None, next_opening: Callable[[float], float | None] | None = None
) -> SceneContext:
    """What the rules need from a camera file (gravity and zones) and from the site's
    schedule (the next opening; None: no schedule, no opening checks)."""
    if camera is None:
        return SceneContext(next_opening=next_opening)
    up = camera.gravity()
    gravity = None if up is None else np.asarray(up, dtype=np.float64)
    return SceneContext(
        gravity=gravity,
        zones=FloorZones(camera.zones),
        faces_post=camera.faces_post,
        next_opening=next_opening,
    )
