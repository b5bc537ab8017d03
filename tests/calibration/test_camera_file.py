"""Loading camera files: every refusal names the key and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from etiquette.calibration.camera_file import (
    CameraFile,
    DoorLine,
    Zones,
    load_camera,
    require_floor,
    save_camera,
)
from etiquette.calibration.errors import CalibrationError
from etiquette.calibration.zones import FloorZones

VALID = {
    "format_version": 1,
    "name": "lobby",
    "image_size": [640, 480],
    "floor": {"homography": [[0.01, 0, -3], [0, 0.02, -4], [0, 0.001, 1]]},
    "zones": {"door": {"a": [0, 0], "b": [2, 0], "inside": [1, 2]}},
}


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "camera.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _with(change: dict[str, object]) -> dict[str, object]:
    data: dict[str, Any] = yaml.safe_load(yaml.safe_dump(VALID))
    for dotted, value in change.items():
        *parents, last = dotted.split(".")
        node = data
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return data


def test_round_trip(tmp_path: Path) -> None:
    camera = load_camera(_write(tmp_path, VALID))
    assert camera.name == "lobby"
    save_camera(camera, tmp_path / "again.yaml")
    assert load_camera(tmp_path / "again.yaml") == camera


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"zones.doors": 1}, "unknown key 'zones.doors'; remove it or check its spelling"),
        (
            {"floor.homography": [[1, 2, 3], [2, 4, 6], [0, 0, 0]]},
            "'floor.homography' is singular .* refit it with `etiquette calibrate floor`",
        ),
        ({"floor.homography": [[1, 0], [0, 1]]}, "'floor.homography' must be 3x3"),
        (
            {"floor.homography": [[float("nan"), 0, 0], [0, 1, 0], [0, 0, 1]]},
            "'floor.homography.0.0' is NaN or infinite",
        ),
        ({"image_size": None}, "missing key 'image_size'; add it"),
        ({"zones.door.inside": None}, "missing key 'zones.door.inside'"),
        ({"format_version": 2}, "reads camera files of version 1"),
        ({"zones.arrival_distance_m": -1}, "'zones.arrival_distance_m' Input should be greater"),
        ({"zones.posts": {"door_post": [[0, 0], [1, 1]]}}, "door_post needs at least 3 corners"),
    ],
)
def test_refusals_name_the_key(tmp_path: Path, change: dict[str, object], message: str) -> None:
    with pytest.raises(CalibrationError, match=message):
        load_camera(_write(tmp_path, _with(change)))


def test_not_a_file_or_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(CalibrationError, match="no such camera file"):
        load_camera(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("floor: [unclosed")
    with pytest.raises(CalibrationError, match="not valid YAML"):
        load_camera(broken)


def test_a_camera_without_floor_says_what_to_run(tmp_path: Path) -> None:
    camera = load_camera(_write(tmp_path, _with({"floor": None})))
    with pytest.raises(CalibrationError, match="fit it first with `etiquette calibrate floor`"):
        require_floor(camera, "camera.yaml")


def test_arrival_zone_is_inside_and_near_the_door() -> None:
    zones = FloorZones(Zones(door=DoorLine(a=[0, 0], b=[2, 0], inside=[1, 2])))
    assert zones.in_arrival_zone(np.array([1.0, 0.5]))
    assert not zones.in_arrival_zone(np.array([1.0, 1.5]))  # too far in
    assert not zones.in_arrival_zone(np.array([1.0, -0.5]))  # outside the branch
    assert zones.in_arrival_zone(np.array([2.5, 0.5]))  # near the door's end
    assert not zones.in_arrival_zone(np.array([3.5, 0.1]))


def test_posts_counters_and_queue() -> None:
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    zones = FloorZones(
        Zones(posts={"door_post": square}, counters={"c1": [[5, 0], [6, 0], [6, 1]]}, queue=square)
    )
    assert zones.post_at(np.array([0.5, 0.5])) == "door_post"
    assert zones.post_at(np.array([2.0, 0.5])) is None
    assert zones.counter_at(np.array([5.8, 0.2])) == "c1"
    assert zones.in_queue(np.array([0.2, 0.2]))


@pytest.mark.parametrize(
    ("door", "message"),
    [
        ({"a": [0, 0], "b": [2, 0], "inside": [1, 0]}, "inside point lies on the door line"),
        ({"a": [0, 0], "b": [0.01, 0], "inside": [1, 1]}, "ends are closer than 5 cm"),
    ],
)
def test_unusable_door_lines_are_refused_at_load(
    tmp_path: Path, door: dict[str, list[float]], message: str
) -> None:
    with pytest.raises(CalibrationError, match=f"'zones.door' .*{message}"):
        load_camera(_write(tmp_path, _with({"zones.door": door})))


def test_camera_file_defaults() -> None:
    camera = CameraFile(image_size=[640, 480])
    assert camera.format_version == 1
    assert camera.zones.arrival_distance_m == 1.0
