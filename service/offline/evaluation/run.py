"""Run every labelled clip through perception and the rules, score it, and compare the
figures with a committed metrics file."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from etiquette.calibration.camera_file import CameraFile, load_camera
from etiquette.rules.config import RulesConfig
from etiquette.rules.engine import RulesEngine
from etiquette.rules.events import FINISHED_BOW_VERDICTS, BowValues, Event, Phase
from etiquette.service.cameras.backends import create_perception
from etiquette.service.cameras.camera_fit import FramesCamera
from etiquette.service.cameras.scene import scene_context
from etiquette.service.offline.evaluation.labels import LabelledClip, LabelsFile
from etiquette.service.offline.evaluation.metrics import (
    ClipScore,
    FrameSeen,
    ReportedEvent,
    frame_of,
    score_clip,
)
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.sources import open_source

# Metrics where a larger number is worse; every other one is better larger.
LOWER_IS_BETTER = ("error", "delay", "switches", "fp", "fn")
EVENT_COLUMNS = (
    "tp",
    "fp",
    "fn",
    "precision",
    "recall",
    "start_error_frames",
    "peak_error_frames",
    "end_error_frames",
    "depth_error_deg",
)
# Changes smaller than this are rounding, not regressions.
SLACK = 1e-6
# The same code and packages on another processor move a figure a little: onnxruntime picks
# other kernels (AVX2, AVX-512), a landmark moves by a fraction of a pixel and a boundary by
# a frame. Measured between two machines of this project: people-count accuracy 0.014 on a
# 72-frame clip, the end of a bow 1 frame. Judgements (tp, fp, fn, precision, recall) and id
# switches get no slack.
MACHINE_SLACK = (("_frames", 1.0), ("count_accuracy", 0.02), ("depth_error_deg", 1.0))


def _slack(key: str) -> float:
    name = key.rsplit(".", 1)[-1]
    return next((slack for part, slack in MACHINE_SLACK if part in name), 0.0) + SLACK


@dataclass(frozen=True)
class ClipRun:
    clip: LabelledClip
    score: ClipScore
    reported: list[ReportedEvent]
    frames: list[FrameSeen]


def _reported(event: Event, timestamps: list[float]) -> ReportedEvent | None:
    if event.phase != Phase.END:
        return None
    depth = None
    if event.type == "bow":
        if event.verdict not in FINISHED_BOW_VERDICTS:
            return None
        depth = event.values.peak_deg if isinstance(event.values, BowValues) else None
    peak = None if event.peak is None else frame_of(event.peak, timestamps)
    return ReportedEvent(
        type=event.type,
        start=frame_of(event.start, timestamps),
        end=frame_of(event.end if event.end is not None else event.start, timestamps),
        peak=peak,
        depth_deg=depth,
        verdict=event.verdict,
    )


def clip_camera(clip: LabelledClip, folder: Path) -> CameraFile | None:
    """The clip's camera file (CalibrationError naming it when it cannot be used)."""
    return load_camera(folder / clip.camera) if clip.camera else None


def places_arrivals(camera: CameraFile | None) -> bool:
    """Whether the product can report arrivals with this camera file: floor and door line."""
    return camera is not None and camera.floor is not None and camera.zones.door is not None


def run_clip(
    clip: LabelledClip,
    folder: Path,
    perception_config: PerceptionConfig | None = None,
    camera: CameraFile | None = None,
) -> ClipRun:
    """The product on one clip, as `etiquette analyze` runs it: the clip's camera file
    (``camera``, else read from ``clip.camera``) fitted to the frames (scaled at another
    resolution of the same picture, ImageSizeError at any other size), floor positions from
    it, and the rules with its zones."""
    if camera is None:
        camera = clip_camera(clip, folder)
    engine = RulesEngine(RulesConfig(), scene_context(camera))
    perception = create_perception("onnx", perception_config or PerceptionConfig())
    source = open_source(str(folder / clip.path))
    fitted = FramesCamera(camera, str(folder / clip.camera) if clip.camera else "", clip.path)
    frames: list[FrameSeen] = []
    timestamps: list[float] = []
    events: list[Event] = []
    try:
        for frame in source.frames():
            fitted.fit(frame.image, frame.index)
            result = fitted.placement.place(perception.process(frame))
            events += engine.update(result).events
            frames.append(FrameSeen(frame.index, tuple(int(i) for i in result.people.track_ids)))
            timestamps.append(frame.timestamp)
    finally:
        source.close()
        perception.close()
    events += engine.finish(timestamps[-1] if timestamps else 0.0)
    reported = [r for e in events if (r := _reported(e, timestamps)) is not None]
    score = score_clip(clip, frames, reported, places_arrivals(camera))
    return ClipRun(clip, score, reported, frames)


def evaluate(
    labels: LabelsFile, folder: Path, only: list[str] | None = None
) -> tuple[list[ClipRun], dict[str, object]]:
    clips = [c for c in labels.clips if not only or c.name in only]
    cameras = [clip_camera(c, folder) for c in clips]  # a bad camera file stops before any run
    runs = [run_clip(c, folder, camera=camera) for c, camera in zip(clips, cameras, strict=True)]
    total = ClipScore()
    for run in runs:
        total.add(run.score)
    metrics = {
        "clips": {run.clip.name: run.score.summary() for run in runs},
        "total": total.summary(),
    }
    return runs, metrics


def _flatten(tree: object, prefix: str = "") -> dict[str, float]:
    if isinstance(tree, Mapping):
        flat: dict[str, float] = {}
        for key, value in tree.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat
    if isinstance(tree, bool) or not isinstance(tree, int | float):
        return {}
    return {prefix.rstrip("."): float(tree)}


def regressions(current: Mapping[str, object], committed: Mapping[str, object]) -> list[str]:
    """Every committed figure that the current run makes worse (or no longer measures),
    beyond what another processor alone changes (MACHINE_SLACK)."""
    now, then = _flatten(current), _flatten(committed)
    worse = []
    for key, before in sorted(then.items()):
        after = now.get(key)
        lower_better = any(word in key.rsplit(".", 1)[-1] for word in LOWER_IS_BETTER)
        if after is None or not math.isfinite(after):
            worse.append(f"{key}: was {before:g}, now not measured")
        elif lower_better and after > before + _slack(key):
            worse.append(f"{key}: {before:g} -> {after:g} (lower is better)")
        elif not lower_better and after < before - _slack(key):
            worse.append(f"{key}: {before:g} -> {after:g} (higher is better)")
    return worse


def table(metrics: dict[str, object]) -> str:
    """The figures as a Markdown table, one row per clip and event type, and the total."""
    lines = [
        "| clip | people right | acquire (frames, max) | id switches | events | TP | FP | FN "
        "| precision | recall | start err | peak err | end err | depth err (deg) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    clips = dict(metrics["clips"])  # type: ignore[call-overload]
    clips["TOTAL"] = metrics["total"]
    for name, summary in clips.items():
        people = summary["people"]
        rows = summary["events"] or {"-": None}
        for kind, score in rows.items():
            cells = [name, _cell(people["count_accuracy"])]
            cells += [_cell(people["acquisition_delay_frames_max"]), _cell(people["id_switches"])]
            cells.append(kind)
            cells += [_cell(None if score is None else score[k]) for k in EVENT_COLUMNS]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def load_metrics(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data
