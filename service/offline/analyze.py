"""Offline analysis: every frame of a source through perception, written to DIR."""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from etiquette.calibration.camera_file import CameraFile
from etiquette.calibration.overlay import zone_outlines
from etiquette.rules.config import RulesConfig
from etiquette.rules.engine import RulesEngine
from etiquette.service.cameras.backends import BackendName, create_perception
from etiquette.service.cameras.camera_fit import FramesCamera
from etiquette.service.cameras.scene import scene_context
from etiquette.service.clips.config import ClipConfig
from etiquette.service.clips.recorder import ClipRecorder, ClipWriter
from etiquette.service.media.drawing import draw_people
from etiquette.service.media.privacy import face_blurrer
from etiquette.service.media.video import Mp4Writer
from etiquette.service.offline.tracks_file import EventsWriter, TracksWriter
from etiquette.service.store.models import NewClip
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.sources import open_source

TRACKS_FILE = "tracks.jsonl"
EVENTS_FILE = "events.jsonl"
CLIPS_FOLDER = "clips"
CLIPS_INDEX = "clips.jsonl"


ANNOTATED_FILE = "annotated.mp4"


@dataclass
class AnalyzeSummary:
    source: str
    frames: int = 0
    seconds: float = 0.0
    most_people: int = 0
    track_ids: set[int] = field(default_factory=set)
    stopped_early: str | None = None
    calibration_note: str | None = None  # the camera file was scaled to the frames
    events: int = 0
    outputs: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        fps = self.frames / self.seconds if self.seconds > 0 else 0.0
        text = [
            f"{self.source}: {self.frames} frames in {self.seconds:.1f} s ({fps:.1f} fps), "
            f"{len(self.track_ids)} tracks, at most {self.most_people} people at once, "
            f"{self.events} events",
        ]
        text += [f"wrote {path}" for path in self.outputs]
        if self.calibration_note:
            text.append(f"warning: {self.calibration_note}")
        if self.stopped_early:
            text.append(f"warning: {self.stopped_early}; kept the {self.frames} frames read")
        return text


def offline_recorder(
    folder: Path, camera: CameraFile | None, config: ClipConfig | None
) -> ClipRecorder:
    """Clips written as the analysis goes, each listed in ``folder/clips.jsonl``."""
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / CLIPS_INDEX

    def listed(clip: NewClip) -> None:
        with index.open("a", encoding="utf-8") as out:
            out.write(json.dumps(clip.model_dump(mode="json"), ensure_ascii=False) + "\n")

    outlines = []
    if camera is not None and camera.floor is not None:
        outlines = zone_outlines(camera, camera.floor)
    config = config or ClipConfig()
    return ClipRecorder(
        ClipWriter(folder, outlines, min_free_mb=config.min_free_mb),
        face_blurrer(config.blur_staff),
        config,
        on_clip=listed,
    )


def analyze(
    source_spec: str,
    out_dir: Path,
    backend: BackendName = "onnx",
    annotate: bool = False,
    config: PerceptionConfig | None = None,
    progress: bool = True,
    camera: CameraFile | None = None,
    rules_config: RulesConfig | None = None,
    clips: bool = False,
    clip_config: ClipConfig | None = None,
    camera_file: str = "the camera file",
) -> AnalyzeSummary:
    """Process every frame of ``source_spec``; write tracks.jsonl, events.jsonl (and
    annotated.mp4). ``camera`` (read from ``camera_file``) gives floor positions, gravity and
    zones; it must be for the frames' size (or, scaled, their aspect ratio): else
    ImageSizeError, at the first frame before anything is written, or later where the frames
    change size, with what was written until then kept."""
    engine = RulesEngine(rules_config or RulesConfig(), scene_context(camera))
    with contextlib.ExitStack() as stack:
        perception = create_perception(backend, config or PerceptionConfig())
        stack.callback(perception.close)
        source = open_source(source_spec)
        stack.callback(source.close)
        fitted = FramesCamera(camera, camera_file, source.description)
        frames = source.frames()
        first = next(frames, None)
        if first is not None:
            fitted.fit(first.image)  # a camera file for other frames: refused, nothing written
        out_dir.mkdir(parents=True, exist_ok=True)
        summary = AnalyzeSummary(source=source.description)
        tracks_path = out_dir / TRACKS_FILE
        summary.outputs.append(tracks_path)
        started = time.perf_counter()
        writer = stack.enter_context(contextlib.closing(TracksWriter(tracks_path)))
        events = stack.enter_context(contextlib.closing(EventsWriter(out_dir / EVENTS_FILE)))
        summary.outputs.append(events.path)
        video: Mp4Writer | None = None
        if annotate:
            video_path = out_dir / ANNOTATED_FILE
            video = stack.enter_context(
                contextlib.closing(Mp4Writer(video_path, source.fps() or 25.0))
            )
            summary.outputs.append(video_path)
        bar = stack.enter_context(
            tqdm(total=source.frame_count(), unit="frame", disable=None if progress else True)
        )
        recorder: ClipRecorder | None = None
        if clips:
            recorder = offline_recorder(out_dir / CLIPS_FOLDER, fitted.camera, clip_config)
            stack.callback(recorder.close)
        last_time = 0.0
        for frame in itertools.chain([first] if first is not None else [], frames):
            fitted.fit(frame.image, frame.index)  # the files are closed with what they hold
            result = fitted.placement.place(perception.process(frame))
            judged = engine.update(result)
            writer.write(result, judged)
            events.write(judged.events)
            if recorder is not None:
                recorder.add(frame.image, result, judged.people, judged.events)
            last_time = frame.timestamp
            if video is not None:
                video.write(draw_people(frame.image, result), frame.timestamp)
            summary.frames += 1
            summary.most_people = max(summary.most_people, len(result.people))
            summary.track_ids.update(int(i) for i in result.people.track_ids)
            bar.update(1)
        final = engine.finish(last_time)
        events.write(final)
        if recorder is not None:
            recorder.note(final)  # e.g. the last customer's missed greeting
        summary.events = events.count
    summary.seconds = time.perf_counter() - started
    summary.stopped_early = source.stopped_early
    summary.calibration_note = fitted.note
    return summary
