"""A synthetic scene through placement and the whole rules engine, as a camera runner would
run it: the finished events."""

from __future__ import annotations

from etiquette.calibration.camera_file import CameraFile
from etiquette.rules.config import RulesConfig
from etiquette.rules.engine import RulesEngine
from etiquette.rules.events import Event, Phase
from etiquette.rules.scene import SceneContext
from etiquette.service.cameras.scene import scene_context
from etiquette.service.offline.synthetic.actors import Actor, Noise, render
from etiquette.service.offline.synthetic.camera import SyntheticCamera
from etiquette.vision.placement import Placement


def run_scene(
    camera: SyntheticCamera,
    actors: list[Actor],
    seconds: float,
    file: CameraFile,
    config: RulesConfig | None = None,
    seed: int = 0,
    *,
    fps: float = 15.0,
    noise: Noise | None = None,
    context: SceneContext | None = None,
) -> list[Event]:
    """Render ``actors``, place them with ``file`` and run the rules (``context``: the
    camera file's, unless given); the events that ended."""
    placement = Placement.from_camera(file)
    engine = RulesEngine(config or RulesConfig(), context or scene_context(file))
    frames = render(camera, actors, seconds, fps=fps, noise=noise, seed=seed)
    events: list[Event] = []
    for frame in frames:
        events += engine.update(placement.place(frame)).events
    events += engine.finish(frames[-1].timestamp)
    return [e for e in events if e.phase == Phase.END]
