"""A synthetic scene through placement and the whole rules engine, as a camera runner would
run it: the finished events."""

from __future__ import annotations

from etiquette.calibration.camera_file import CameraFile
from etiquette.rules.config import RulesConfig
from etiquette.rules.events import Event
from etiquette.rules.scene import SceneContext
from etiquette.service.cameras.scene import scene_context
from etiquette.service.offline.synthetic.actors import Actor, Noise
from etiquette.service.offline.synthetic.camera import SyntheticCamera
from etiquette.service.offline.synthetic.run import run_rules


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
    return run_rules(
        camera,
        actors,
        seconds,
        file,
        config or RulesConfig(),
        context or scene_context(file),
        fps=fps,
        seed=seed,
        noise=noise,
    )
