"""Small builders of the per-frame container for tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from etiquette.rules.events import Event, parse_event
from etiquette.vision.frame import NUM_JOINTS, People


def people(count: int, with_world: bool = True) -> People:
    rng = np.random.default_rng(count)
    keypoints = rng.uniform(0, 100, (count, NUM_JOINTS, 3))
    keypoints[:, :, 2] = 1.0
    world = (
        rng.normal(0, 0.3, (count, NUM_JOINTS, 3))
        if with_world
        else np.full((count, NUM_JOINTS, 3), np.nan)
    )
    return People(
        boxes=np.tile([0.0, 0.0, 100.0, 200.0], (count, 1)),
        scores=np.ones(count),
        keypoints=keypoints,
        world=world,
        track_ids=np.arange(1, count + 1),
    )


def event(**fields: Any) -> Event:
    """An event of the kind ``fields["type"]`` names, validated as the rules make them
    (values may be given as their model or as a dict, verdicts as their text)."""
    return parse_event(fields)
