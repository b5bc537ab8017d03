"""A camera that faces one staff post from the front (across a counter; the staff member from
the knees up, no floor in view): whoever it tracks is the staff member at that post, and its
mounting tilt says which way is up. Shown on the demo's counter camera, real footage of a man
making flat-hand signs (CC-BY-4.0)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from etiquette.calibration.camera_file import CameraFile, load_camera
from etiquette.rules.config import RolesConfig, RulesConfig
from etiquette.rules.roles import RoleKeeper
from etiquette.service.offline.analyze import EVENTS_FILE, analyze
from etiquette.service.offline.demo import COUNTER_CAMERA, COUNTER_SAMPLE, DEMO_RULES
from etiquette.vision.joints import Role


def test_whoever_the_camera_sees_is_the_staff_member_at_its_post() -> None:
    keeper = RoleKeeper(7, RolesConfig(), faces_post="counter_1")
    assert keeper.role == Role.STAFF and keeper.post == "counter_1"
    keeper.update(1.0, None)  # no floor position: still at the post
    assert keeper.post == "counter_1"
    assert not keeper.arrived()


def test_without_the_setting_a_track_is_undecided() -> None:
    keeper = RoleKeeper(7, RolesConfig())
    keeper.update(1.0, None)
    assert keeper.role == Role.UNKNOWN and keeper.post is None


@pytest.mark.parametrize("tilt", [0.0, 20.0, -10.0])
def test_the_mounting_tilt_gives_gravity_in_camera_axes(tilt: float) -> None:
    """Pointing t degrees below level, "down" is (0, cos t, sin t) in camera axes (x right,
    y down, z forward): the floor fit's convention (projection.camera_pose)."""
    camera = CameraFile(image_size=[640, 480], mount_tilt_deg=tilt)
    down = np.array(camera.gravity())
    optical_axis = np.array([0.0, 0.0, 1.0])
    below_level = 90.0 - math.degrees(math.acos(float(down @ optical_axis)))
    assert below_level == pytest.approx(tilt)
    assert np.linalg.norm(down) == pytest.approx(1.0)


def test_without_a_floor_fit_or_a_tilt_up_is_unknown() -> None:
    assert CameraFile(image_size=[640, 480]).gravity() is None


def test_the_counter_camera_judges_the_staff_members_acts(tmp_path: Path) -> None:
    """The demo's counter camera: welcome gestures and a posture lapse, by staff at counter_1."""
    analyze(
        str(COUNTER_SAMPLE),
        tmp_path,
        progress=False,
        camera=load_camera(COUNTER_CAMERA),
        rules_config=RulesConfig.model_validate(DEMO_RULES),
    )
    events = [json.loads(line) for line in (tmp_path / EVENTS_FILE).read_text().splitlines()]
    kinds = {event["type"] for event in events}
    assert "welcome_gesture" in kinds, kinds
    assert "posture" in kinds, kinds
    assert all(event["role"] == "staff" for event in events)
    lapses = [event for event in events if event["type"] == "posture"]
    assert all(event["values"]["post"] == "counter_1" for event in lapses)
    assert "customer_arrived" not in kinds
