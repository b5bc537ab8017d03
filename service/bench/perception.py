"""`etiquette bench`: our pipeline and the MediaPipe Tasks peer on the same clip, in one run.

Each side runs in its own fresh process so that peak memory is its own; speed is reported
as medians, and the comparison as a ratio measured side by side.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from etiquette.service.cameras.backends import create_perception
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.frame import STAGES
from etiquette.vision.sources import open_source


class Truth(BaseModel):
    """Which frames show people, for counting true and false person-frames."""

    model_config = ConfigDict(extra="forbid")
    visible: list[tuple[int, int]] = Field(description="inclusive frame ranges with people in view")
    people: int = Field(1, ge=1, description="how many people are in view in those frames")
    note: str = ""

    def score(self, counts: list[int]) -> dict[str, int]:
        true = false = 0
        for frame, count in enumerate(counts):
            expected = self.people if any(a <= frame <= b for a, b in self.visible) else 0
            true += min(count, expected)
            false += max(0, count - expected)
        return {"true_person_frames": true, "false_person_frames": false}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2) if values else 0.0


def run_ours(source_spec: str, config: PerceptionConfig, max_frames: int | None) -> dict[str, Any]:
    perception = create_perception("onnx", config)
    source = open_source(source_spec)
    stage_ms: dict[str, list[float]] = {stage: [] for stage in ("decode", *STAGES)}
    counts: list[int] = []
    frames = source.frames()
    started = time.perf_counter()
    while max_frames is None or len(counts) < max_frames:
        before = time.perf_counter()
        frame = next(frames, None)
        if frame is None:
            break
        stage_ms["decode"].append((time.perf_counter() - before) * 1000)
        result = perception.process(frame)
        for stage in STAGES:
            stage_ms[stage].append(perception.times.ms[stage])
        counts.append(len(result.people))
    elapsed = time.perf_counter() - started
    source.close()
    return {
        "frames": len(counts),
        "fps": round(len(counts) / elapsed, 2),
        "median_ms": {stage: _median(values) for stage, values in stage_ms.items()},
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "person_frames": sum(counts),
        "most_people": max(counts, default=0),
        "counts": counts,
    }


def run_peer(source_spec: str, num_poses: int, max_frames: int | None) -> dict[str, Any]:
    """MediaPipe Tasks PoseLandmarker, VIDEO mode, on the same frames (decode included, as
    for ours). Imported here so that only the peer's process loads mediapipe."""
    from etiquette.models.mediapipe_tasks import PoseLandmarkerTask, VideoClock

    landmarker = PoseLandmarkerTask(num_poses)
    clock = VideoClock()
    source = open_source(source_spec)
    counts: list[int] = []
    started = time.perf_counter()
    for frame in source.frames():
        if max_frames is not None and len(counts) >= max_frames:
            break
        found = landmarker.detect(clock.frame(frame.image, frame.timestamp))
        counts.append(len(found.keypoints))
    elapsed = time.perf_counter() - started
    landmarker.close()
    source.close()
    return {
        "frames": len(counts),
        "fps": round(len(counts) / elapsed, 2),
        "num_poses": num_poses,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "person_frames": sum(counts),
        "counts": counts,
    }


def _in_child(function: Any, *args: Any) -> dict[str, Any]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(function, args)
    return result


def bench(
    source_spec: str,
    config: PerceptionConfig,
    max_frames: int | None = None,
    peer: bool = True,
    truth: Truth | None = None,
) -> dict[str, Any]:
    """One JSON-able report: ours, the peer, and their ratio."""
    open_source(source_spec).close()  # fail fast, in this process, on a bad source
    ours = _in_child(run_ours, source_spec, config, max_frames)
    report: dict[str, Any] = {"source": source_spec, "threads": config.threads, "ours": ours}
    if peer:
        theirs = _in_child(run_peer, source_spec, max(1, ours["most_people"]), max_frames)
        report["peer"] = theirs
        report["fps_ratio"] = round(ours["fps"] / theirs["fps"], 2) if theirs["fps"] else None
    for side in ("ours", "peer"):
        if side in report:
            counts = report[side].pop("counts")
            if truth is not None:
                report[side].update(truth.score(counts))
    return report


def load_truth(path: Path) -> Truth:
    return Truth.model_validate(json.loads(path.read_text(encoding="utf-8")))
