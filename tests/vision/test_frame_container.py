from __future__ import annotations

import numpy as np
import pytest

from etiquette.vision.frame import NUM_JOINTS, People, ShapeError
from etiquette.vision.joints import HAND_BONES, HandJoint, Joint
from tests.factories import people


def test_defaults_fill_optional_arrays() -> None:
    crowd = people(3)
    assert len(crowd) == 3
    assert crowd.hands.shape == (3, 2, 21, 3)
    assert np.isnan(crowd.floor).all()
    assert crowd.has_world().all()
    assert not people(2, with_world=False).has_world().any()
    assert crowd.joint(Joint.LEFT_WRIST).shape == (3, 3)


def test_empty() -> None:
    assert len(People.empty()) == 0


@pytest.mark.parametrize(
    ("field", "array", "message"),
    [
        (
            "keypoints",
            np.zeros((2, NUM_JOINTS, 2)),
            r"People.keypoints must have shape \(n, 33, 3\) with n=2",
        ),
        ("world", np.zeros((2, 17, 3)), r"People.world must have shape \(n, 33, 3\)"),
        ("scores", np.zeros(3), r"People.scores must have shape \(n,\) with n=2 .* got \(3,\)"),
        ("track_ids", np.zeros((2, 1)), r"People.track_ids must have shape \(n,\)"),
        ("hands", np.zeros((2, 2, 20, 3)), r"People.hands must have shape \(n, 2, 21, 3\)"),
    ],
)
def test_shape_errors_say_what_was_expected(field: str, array: np.ndarray, message: str) -> None:
    arrays = {
        "boxes": np.zeros((2, 4)),
        "scores": np.zeros(2),
        "keypoints": np.zeros((2, NUM_JOINTS, 3)),
        "world": np.zeros((2, NUM_JOINTS, 3)),
        "track_ids": np.zeros(2, dtype=np.int64),
    }
    arrays[field] = array
    with pytest.raises(ShapeError, match=message):
        People(**arrays)


def test_hand_bones_cover_every_hand_joint() -> None:
    joints = {j for bone in HAND_BONES for j in bone}
    assert joints == set(HandJoint)
    assert len(HAND_BONES) == 20
