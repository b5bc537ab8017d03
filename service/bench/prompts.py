"""`etiquette bench-prompts`: prompt latency, measured end to end on the bundled sample
replayed as a live camera: from the capture time of the frame in which a customer enters the
arrival zone to the prompt's receipt by a WebSocket client."""

from __future__ import annotations

import json
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn
from websockets.sync.client import connect

from etiquette.service.offline.demo import DEMO_SAMPLE, demo_site, demo_tokens
from etiquette.service.server import build_service
from etiquette.vision.sources import VideoFileSource

CLIP_SECONDS_MARGIN = 5.0


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _clip_seconds() -> float:
    source = VideoFileSource(DEMO_SAMPLE)
    seconds = (source.frame_count() or 0) / (source.fps() or 10.0)
    source.close()
    return seconds


def bench_prompts(loops: int, speed: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="etiquette-bench-") as folder:
        site = demo_site(Path(folder), free_port(), speed=speed, loop=True)
        token = demo_tokens(site)["earpiece"]
        service = build_service(site)
        server = uvicorn.Server(
            uvicorn.Config(
                service.app, host="127.0.0.1", port=site.server.port, log_level="warning"
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.1)
        latencies: list[float] = []
        duration = loops * _clip_seconds() / speed + CLIP_SECONDS_MARGIN
        url = f"ws://127.0.0.1:{site.server.port}/ws/live?token={token}"
        with connect(url, open_timeout=10) as socket_:
            end = time.time() + duration
            while time.time() < end:
                try:
                    message = json.loads(socket_.recv(timeout=max(0.1, end - time.time())))
                except TimeoutError:
                    break
                if message["kind"] == "prompt":
                    latencies.append(time.time() - message["captured_at"])
        server.should_exit = True
        thread.join(timeout=20)
    ms = sorted(1000 * v for v in latencies)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))] if ms else None
    return {
        "prompts": len(ms),
        "loops": loops,
        "replay_speed": speed,
        "median_ms": round(statistics.median(ms), 1) if ms else None,
        "p95_ms": round(p95, 1) if p95 is not None else None,
        "max_ms": round(ms[-1], 1) if ms else None,
    }
