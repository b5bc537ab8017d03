"""`etiquette bench-clips`: what coaching clips cost a camera runner, measured side by side
with perception on the same frames in one run (medians; the machine's noise cancels out of
the ratio).

Per frame the runner adds face blurring and one JPEG encode (the ring buffer); per clip, the
background writer decodes, draws and encodes a few seconds of frames.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etiquette.calibration.camera_file import CameraFile
from etiquette.rules.config import RulesConfig
from etiquette.rules.engine import RulesEngine
from etiquette.service.cameras.scene import scene_context
from etiquette.service.clips.config import ClipConfig
from etiquette.service.clips.recorder import ClipRecorder, ClipWriter, PendingClip
from etiquette.service.media.privacy import face_blurrer
from etiquette.service.store.models import NewClip
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.pipeline import OnnxPerception
from etiquette.vision.placement import Placement
from etiquette.vision.sources import open_source


@dataclass
class TimedWriter(ClipWriter):
    """A clip writer that records how long each clip took."""

    write_ms: list[float] = field(default_factory=list)

    def write(self, clip: PendingClip) -> NewClip:
        started = time.perf_counter()
        written = super().write(clip)
        self.write_ms.append((time.perf_counter() - started) * 1000)
        return written


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2) if values else 0.0


def bench_clips(
    source_spec: str, camera: CameraFile | None, max_frames: int | None = None
) -> dict[str, Any]:
    """One JSON-able report: per-frame perception and ring-buffer times, per-clip write times,
    the ring buffer's size, and the share of a runner's time clips take."""
    from etiquette.models.runtime import OnnxNetwork

    perception = OnnxPerception(PerceptionConfig(), OnnxNetwork)
    placement = Placement.from_camera(camera)
    engine = RulesEngine(RulesConfig(), scene_context(camera))
    config = ClipConfig()
    with tempfile.TemporaryDirectory(prefix="bench-clips-") as folder:
        writer = TimedWriter(Path(folder), [], min_free_mb=0)
        recorder = ClipRecorder(writer, face_blurrer(), config)
        perceive_ms: list[float] = []
        ring_ms: list[float] = []
        source = open_source(source_spec)
        for frame in source.frames():
            if max_frames is not None and len(perceive_ms) >= max_frames:
                break
            started = time.perf_counter()
            result = placement.place(perception.process(frame))
            judged = engine.update(result)
            perceive_ms.append((time.perf_counter() - started) * 1000)
            before = len(writer.write_ms)
            started = time.perf_counter()
            recorder.add(frame.image, result, judged.people, judged.events)
            spent = (time.perf_counter() - started) * 1000
            if len(writer.write_ms) == before:  # a clip written inline is counted apart
                ring_ms.append(spent)
        ring_bytes, ring_seconds = recorder.buffered()
        recorder.close()
        source.close()
    perceive, ring = _median(perceive_ms), _median(ring_ms)
    return {
        "source": source_spec,
        "frames": len(perceive_ms),
        "median_ms": {"perception_and_rules": perceive, "ring_buffer": ring},
        "ring_buffer_share": round(ring / (perceive + ring), 3) if perceive + ring else None,
        "clips": len(writer.write_ms),
        "clip_write_ms": {
            "median": _median(writer.write_ms),
            "max": round(max(writer.write_ms, default=0.0), 1),
        },
        "ring_buffer_mb": round(ring_bytes / 1e6, 1),
        "ring_buffer_s": round(ring_seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
    }
