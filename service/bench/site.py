"""`etiquette bench-site`: the capacity of one box. N cameras, each a real clip replayed in
real time (1280x720, 10 fps, paced by the wall clock), run through the live service as
deployed (`etiquette serve`'s service: supervisor, one runner process per camera, event
store, web server). Per camera: frames offered and processed, the latency of its results
reaching the supervisor, CPU and memory of its runner; with ``search``, the largest N at
which every camera keeps up. Beside it, our fps against MediaPipe Tasks on one of the clips.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import uvicorn

from etiquette.service.bench.perception import bench
from etiquette.service.bench.prompts import free_port
from etiquette.service.bench.site_clips import FPS, CameraClip, data_folder, prepare_clips
from etiquette.service.bench.site_probes import (
    Heard,
    MemorySampler,
    MessageLog,
    cpu_seconds,
    machine_busy,
    percentile,
)
from etiquette.service.config import SiteConfig
from etiquette.service.server import build_service
from etiquette.vision.config import PerceptionConfig

ONLINE_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
PARENT = "service"


class SiteBenchError(Exception):
    """The bench could not measure (a camera never came online, a runner restarted)."""


@dataclass(frozen=True)
class SiteOptions:
    seconds: float = 30.0  # measured, after the warm-up
    warmup_s: float = 5.0  # after every camera is online: models loaded, tracks found
    threads: int = 1  # onnxruntime threads per network in each runner
    min_fps: float = 9.9  # a camera keeps up at this (10 fps offered; 1 % dropped tolerated)
    peer: bool = True  # MediaPipe Tasks on the first clip, for the fps ratio
    clips: bool = True  # coaching clips on, as shipped (their ring buffer blurs every frame)


@dataclass(frozen=True)
class Window:
    """The measured stretch: each camera's health report at both ends, CPU at both ends."""

    first: dict[str, Heard]
    last: dict[str, Heard]
    cpu: dict[str, tuple[float, float]]  # pid name: CPU seconds at start, end
    machine: tuple[tuple[float, float], tuple[float, float]]
    wall_s: float


def _site(clips: list[CameraClip], root: Path, options: SiteOptions) -> SiteConfig:
    cameras = [
        {"name": clip.camera, "source": str(clip.path), "loop": True, "replay_speed": 1.0}
        for clip in clips
    ]
    return SiteConfig.model_validate(
        {
            "site": "bench-site",
            "cameras": cameras,
            "perception": {"threads": options.threads},
            "clips": {"enabled": options.clips},
            "storage": {"data_dir": str(root / "data"), "spill_dir": str(root / "spill")},
            "server": {"host": "127.0.0.1", "port": free_port()},
        }
    )


def _wait(condition: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SiteBenchError(f"{what} within {timeout_s:.0f} s")
        time.sleep(0.2)


def _snapshot(names: list[str], log: MessageLog) -> dict[str, Heard]:
    heard = {name: log.latest(name) for name in names}
    return {name: h for name, h in heard.items() if h is not None}


def _measure(names: list[str], pids: dict[str, int], log: MessageLog, seconds: float) -> Window:
    first, started = _snapshot(names, log), time.monotonic()
    cpu_start = {name: cpu_seconds(pid) for name, pid in pids.items()}
    machine_start = machine_busy()
    time.sleep(seconds)
    cpu = {name: (cpu_start[name], cpu_seconds(pid)) for name, pid in pids.items()}
    return Window(
        first,
        _snapshot(names, log),
        cpu,
        (machine_start, machine_busy()),
        time.monotonic() - started,
    )


def _camera_figures(
    clip: CameraClip, window: Window, log: MessageLog, memory: dict[str, float | None]
) -> dict[str, Any]:
    name = clip.camera
    first, last = window.first[name].message, window.last[name].message
    if last.frames < first.frames:
        raise SiteBenchError(f"camera {name}'s runner restarted during the measurement")
    processed = last.frames - first.frames
    offered = processed + last.dropped_frames - first.dropped_frames
    span = (last.last_frame_at or 0.0) - (first.last_frame_at or 0.0)
    heard = [
        h
        for h in log.cameras[name].health
        if window.first[name].received < h.received <= window.last[name].received
    ]
    latency = [h.received - (h.message.last_frame_at or h.received) for h in heard]
    prompts = log.cameras[name].prompt_latency_s
    cpu_start, cpu_end = window.cpu[name]
    return {
        "clip": clip.describe(),
        "frames_offered": offered,
        "frames_processed": processed,
        "fps_offered": round(offered / span, 2) if span > 0 else 0.0,
        "fps_processed": round(processed / span, 2) if span > 0 else 0.0,
        "result_latency_ms": _latency_ms(latency),
        "prompts": len(prompts),
        "prompt_latency_p95_ms": _ms(percentile(prompts, 0.95)),
        "events": log.cameras[name].events,
        "cpu_s": round(cpu_end - cpu_start, 2),
        "cpu_share": round((cpu_end - cpu_start) / window.wall_s, 3),
        **memory,
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(1000 * seconds, 1)


def _latency_ms(values: list[float]) -> dict[str, Any]:
    return {
        "samples": len(values),
        "p50": _ms(percentile(values, 0.5)),
        "p95": _ms(percentile(values, 0.95)),
        "max": _ms(max(values, default=None)),
    }


def _machine(window: Window, memory: MemorySampler) -> dict[str, Any]:
    """The whole machine's CPU in the window, in cores: ours (the service and its runners)
    and everything else's (the machine is shared: a busy neighbour shows here)."""
    (busy0, total0), (busy1, total1) = window.machine
    cores = os.cpu_count() or 1
    busy = cores * (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0
    ours = sum(end - start for start, end in window.cpu.values()) / window.wall_s
    parent_start, parent_end = window.cpu[PARENT]
    return {
        "cores": cores,
        "busy_cores": round(busy, 2),
        "our_cores": round(ours, 2),
        "other_cores": round(max(0.0, busy - ours), 2),
        "service_cpu_share": round((parent_end - parent_start) / window.wall_s, 3),
        "service_memory": memory.median(PARENT),
    }


def run_cameras(clips: list[CameraClip], root: Path, options: SiteOptions) -> dict[str, Any]:
    """The live service with one camera per clip; the figures of one measured window."""
    site = _site(clips, root, options)
    service = build_service(site)
    log = MessageLog()
    service.supervisor.listeners.append(log)
    config = uvicorn.Config(service.app, host="127.0.0.1", port=site.server.port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name="bench-site-server")
    thread.start()
    names = [clip.camera for clip in clips]
    try:
        _wait(lambda: log.online(names), ONLINE_TIMEOUT_S, "not every camera came online")
        time.sleep(options.warmup_s)
        pids = {n: r.process.pid for n, r in service.supervisor.runners.items() if r.process.pid}
        pids[PARENT] = os.getpid()
        memory = MemorySampler(pids)
        memory.start()
        window = _measure(names, pids, log, options.seconds)
        memory.stop()
    finally:
        server.should_exit = True
        thread.join(timeout=STOP_TIMEOUT_S)
    cameras = {
        clip.camera: _camera_figures(clip, window, log, memory.median(clip.camera))
        for clip in clips
    }
    slowest = min(c["fps_processed"] for c in cameras.values())
    return {
        "cameras_run": len(clips),
        "holds": slowest >= options.min_fps,
        "slowest_fps": slowest,
        "seconds": round(window.wall_s, 1),
        "cameras": cameras,
        "machine": _machine(window, memory),
    }


def _prepared(cameras: int, data: Path, folder: Path) -> list[CameraClip]:
    """``prepare_clips`` in a child process: the decoded clips (hundreds of MB) would
    otherwise stay in this process's heap and count as the service's memory."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        clips: list[CameraClip] = pool.apply(prepare_clips, (cameras, data, folder))
    return clips


def _peer(clip: CameraClip, threads: int) -> dict[str, Any]:
    """`etiquette bench` on the first camera's clip: ours and MediaPipe Tasks, each in a
    fresh process, every frame as fast as it goes."""
    if importlib.util.find_spec("mediapipe") is None:
        return {"skipped": "mediapipe is not installed (the mediapipe extra)"}
    report = bench(str(clip.path), PerceptionConfig(threads=threads))
    return {
        "clip": clip.describe(),
        "ours_fps": report["ours"]["fps"],
        "mediapipe_fps": report["peer"]["fps"],
        "fps_ratio": report["fps_ratio"],
        "ours_median_ms": report["ours"]["median_ms"],
    }


def bench_site(
    cameras: int, options: SiteOptions, search: bool = False, data: Path | None = None
) -> dict[str, Any]:
    """One report: ``cameras`` cameras, or with ``search`` 1, 2, ... up to ``cameras`` until
    one camera falls below ``min_fps``; the largest N that held."""
    shared = data_folder(data)
    with tempfile.TemporaryDirectory(prefix="etiquette-bench-site-") as folder:
        root = Path(folder)
        (root / "clips").mkdir()
        clips = _prepared(cameras, shared, root / "clips")
        peer = _peer(clips[0], options.threads) if options.peer else None
        runs = []
        for count in range(1 if search else cameras, cameras + 1):
            run = run_cameras(clips[:count], root / f"run-{count}", options)
            runs.append(run)
            if search and not run["holds"]:
                break
    held = [run["cameras_run"] for run in runs if run["holds"]]
    return {
        "offered_fps": FPS,
        "options": asdict(options),
        "clips": {clip.camera: clip.describe() for clip in clips},
        "runs": runs,
        "largest_cameras_holding": max(held, default=0) if search else None,
        "peer": peer,
    }
