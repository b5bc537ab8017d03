"""The live service as `etiquette bench-soak` runs it, in a process of its own: the bundled
sample looped as camera 'lobby', with each camera runner counting, on its own side of the
queue, the events it produced and the frames it processed. Started as ``python -c`` with
``SERVICE_COMMAND`` (not ``-m``: the counting queue must pickle under this module's name)."""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as StopFlag
from pathlib import Path
from typing import Any

from etiquette.service.cameras.runner import (
    HEALTH_EVERY_S,
    EventMessage,
    FrameMessage,
    HealthMessage,
    RunnerJob,
    SpawnRunner,
    spawn_runner,
)
from etiquette.service.config import SiteConfig
from etiquette.service.offline.demo import demo_site
from etiquette.service.store.events import sqlite_url

COUNTS = "runner-counts"
SERVICE_COMMAND = "; ".join(
    [
        "import sys",
        "from etiquette.service.bench.soak_service import main",
        "sys.exit(main(sys.argv[1:]))",
    ]
)


def soak_site(root: Path, port: int, speed: float) -> SiteConfig:
    """The demo's site, looped, with its database and spill folder under ``root`` (SQLite,
    whatever ETIQUETTE_DATABASE_URL says: the soak counts every event in it)."""
    site = demo_site(root / "data", port, speed=speed, loop=True)
    storage = site.storage.model_copy(
        update={
            "database_url": sqlite_url(root / "data" / "events.db"),
            "spill_dir": root / "spill",
        }
    )
    return site.model_copy(update={"storage": storage})


@dataclass
class RunnerCounts:
    """What one runner process put (or tried to put) in its queue."""

    events: int = 0  # produced: handed to the queue
    sent: int = 0  # taken by the queue (the rest waited 5 s in vain and were dropped)
    frames: int = 0  # processed, from the health reports (fps x their interval)
    dropped_frames: int = 0  # stale frames skipped to stay real time


class CountingQueue:
    """A runner's message queue that counts on the runner's side (it crosses into the runner
    process with the real queue); the counts go to ``folder/CAMERA-PID.json`` as they change."""

    def __init__(self, queue: Any, folder: Path, camera: str) -> None:
        self.queue, self.folder, self.camera = queue, folder, camera
        self.counts = RunnerCounts()
        self._window: float | None = None  # when the health report's window began
        self._dropped_earlier = 0  # by earlier streams (each counts from 0)

    def put(self, message: object, block: bool = True, timeout: float | None = None) -> None:
        self._count(message)
        self.queue.put(message, block, timeout)  # queue.Full: the runner drops it
        if isinstance(message, EventMessage):
            self.counts.sent += 1
            self._save()

    def put_nowait(self, message: object) -> None:
        self._count(message)
        self.queue.put_nowait(message)

    def _count(self, message: object) -> None:
        now = time.monotonic()
        if isinstance(message, EventMessage):
            self.counts.events += 1
            self._save()  # before the put: an event lost on the way is still counted
        elif isinstance(message, FrameMessage) and self._window is None:
            self._window = now  # a stream's first frame is shown at once
        elif isinstance(message, HealthMessage) and message.online:
            # A report covers at least HEALTH_EVERY_S, up to now.
            least = now - HEALTH_EVERY_S
            began = least if self._window is None else min(self._window, least)
            self.counts.frames += round(message.fps * (now - began))
            self.counts.dropped_frames = self._dropped_earlier + message.dropped_frames
            self._window = now
            self._save()
        elif isinstance(message, HealthMessage):  # the stream is gone; a new one counts anew
            self._dropped_earlier = self.counts.dropped_frames
            self._window = None

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.camera}-{os.getpid()}.json"
        partial = path.with_suffix(".part")
        partial.write_text(json.dumps(asdict(self.counts)), encoding="utf-8")
        partial.replace(path)


def read_counts(folder: Path) -> dict[int, RunnerCounts]:
    """Each runner process's counts, by its process id."""
    counts = {}
    for path in sorted(folder.glob("*.json")):
        pid = int(path.stem.rsplit("-", 1)[1])
        counts[pid] = RunnerCounts(**json.loads(path.read_text(encoding="utf-8")))
    return counts


def counting_runners(folder: Path) -> SpawnRunner:
    """A runner starter whose runners' queues count (see CountingQueue)."""

    def spawn(job: RunnerJob, out: Any, stop: StopFlag) -> BaseProcess:
        return spawn_runner(job, CountingQueue(out, folder, job.camera.name), stop)

    return spawn


def main(argv: list[str]) -> int:
    from etiquette.service.server import build_service, keep_files_private, server_for

    root, port, speed = Path(argv[0]), int(argv[1]), float(argv[2])
    keep_files_private()
    site = soak_site(root, port, speed)
    service = build_service(site, spawn=counting_runners(root / COUNTS))
    # uvicorn raises the SIGINT again once it has shut down: that is the clean end.
    with contextlib.suppress(KeyboardInterrupt):
        server_for(service, site, "warning").run()
    return 0
