"""Synthetic people through placement and a camera's whole rules engine, as a camera runner
would run them: the events that ended."""

from __future__ import annotations

import dataclasses

from etiquette.calibration.camera_file import CameraFile
from etiquette.rules.config import RulesConfig
from etiquette.rules.engine import RulesEngine
from etiquette.rules.events import Event, Phase
from etiquette.rules.scene import SceneContext
from etiquette.service.offline.synthetic.actors import Actor, Noise, render
from etiquette.service.offline.synthetic.camera import SyntheticCamera
from etiquette.vision.placement import Placement


def run_rules(
    camera: SyntheticCamera,
    actors: list[Actor],
    seconds: float,
    file: CameraFile,
    config: RulesConfig,
    context: SceneContext,
    *,
    fps: float = 15.0,
    seed: int = 0,
    noise: Noise | None = None,
    start: float = 0.0,
) -> list[Event]:
    """Render ``actors`` for ``seconds``, their frames stamped from ``start`` (capture-clock
    seconds), place them with ``file`` and run the rules; the events that ended."""
    placement = Placement.from_camera(file)
    engine = RulesEngine(config, context)
    frames = render(camera, actors, seconds, fps=fps, noise=noise, seed=seed)
    events: list[Event] = []
    for frame in frames:
        stamped = dataclasses.replace(frame, timestamp=start + frame.timestamp)
        events += engine.update(placement.place(stamped)).events
    events += engine.finish(start + frames[-1].timestamp)
    return [event for event in events if event.phase == Phase.END]
