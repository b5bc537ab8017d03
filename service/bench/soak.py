"""`etiquette bench-soak`: the live service on the bundled sample looped for a long while
(30 min by default), in a process of its own, with a live client connected throughout and
one coming and going; the service's and the camera runner's memory growth, and every event
the runner produced against those stored. Not part of the test suite: it takes half an hour.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

import httpx

from etiquette.service.bench.prompts import free_port
from etiquette.service.bench.soak_probes import (
    MB,
    Churner,
    Listener,
    RssSampler,
    Sample,
    rss_growth,
)
from etiquette.service.bench.soak_service import COUNTS, SERVICE_COMMAND, read_counts, soak_site
from etiquette.service.config import DATABASE_URL_ENV
from etiquette.service.store.events import EventStore
from etiquette.service.store.pending import PendingEvents

MAX_GROWTH_PCT = 5.0
READY_WITHIN_S = 120.0  # the runner loads its models before the camera is online
STOP_WITHIN_S = 60.0
PROGRESS_EVERY_S = 60.0


class SoakError(RuntimeError):
    """The service could not be started or watched; the message ends with its log."""


def _log_tail(path: Path, lines: int = 20) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "(the service wrote nothing)"


def _wait_ready(process: subprocess.Popen[bytes], base: str, viewer: str, log: Path) -> None:
    """Until the camera delivers frames."""
    deadline = time.monotonic() + READY_WITHIN_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SoakError(f"the service exited ({process.returncode}):\n{_log_tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.get(
                f"{base}/api/cameras", headers={"Authorization": f"Bearer {viewer}"}, timeout=5
            )
            if answer.status_code == 200 and all(c["online"] for c in answer.json()):
                return
        time.sleep(0.5)
    raise SoakError(f"the camera was not online within {READY_WITHIN_S:.0f} s:\n{_log_tail(log)}")


def _stop(process: subprocess.Popen[bytes]) -> int | None:
    """Stop the service as Ctrl-C does (the runners by their flag, the events taken in); its
    exit code, or None if it had to be killed."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=STOP_WITHIN_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the service and runners
        process.wait(timeout=10)
        return None


def bench_soak(minutes: float, speed: float, progress: TextIO | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="etiquette-soak-") as folder:
        root = Path(folder)
        port = free_port()
        site = soak_site(root, port, speed)
        url = site.storage.database_url
        assert url is not None
        site.storage.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with EventStore(url) as store:
            earpiece = store.create_token("earpiece", "soak-earpiece")
            viewer = store.create_token("viewer", "soak-viewer")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop(DATABASE_URL_ENV, None)
        log = root / "etiquette.service.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-c", SERVICE_COMMAND, str(root), str(port), str(speed)],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # Ctrl-C here stops it through _stop, in order
            )
        exit_code: int | None = None
        try:
            base = f"127.0.0.1:{port}"
            _wait_ready(process, f"http://{base}", viewer, log)
            listener = Listener(f"ws://{base}/ws/live?token={earpiece}")
            churner = Churner(
                f"ws://{base}/ws/live?token={earpiece}",
                f"http://{base}/api/live/stream?token={earpiece}",
            )
            seconds = minutes * 60
            sampler = RssSampler(process.pid, every_s=min(5.0, max(0.5, seconds / 100)))
            for part in (listener, churner, sampler):
                part.start()
            died = _run_for(seconds, process, root, sampler, progress)
            churner.stop()
            sampler.stop()
            listener.closing.set()
            exit_code = _stop(process)
            listener.stop()
        finally:
            if exit_code is None and process.poll() is None:
                _stop(process)
        if died:
            raise SoakError(f"the service died during the soak:\n{_log_tail(log)}")
        counts = read_counts(root / COUNTS)
        if not counts:
            raise SoakError(f"no camera runner reported its counts:\n{_log_tail(log)}")
        with EventStore(url) as store:
            stored = store.events(limit=10**9)
        pending = len(PendingEvents(root / "spill"))
    produced = sum(c.events for c in counts.values())
    result: dict[str, Any] = {
        "minutes": minutes,
        "replay_speed": speed,
        "frames": sum(c.frames for c in counts.values()),
        "frames_dropped": sum(c.dropped_frames for c in counts.values()),
        "events_produced": produced,
        "events_stored": len(stored),
        "events_pending": pending,
        "events_lost": produced - len(stored) - pending,
        "prompts_stored": sum(e.event.type == "greeting_prompt" for e in stored),
        "prompts_received": listener.prompts,
        "messages_received": listener.messages,
        "listener_drops": listener.drops,
        "churn_connections": churner.connections,
        "churn_failures": churner.failures,
        "runner_processes": len(sampler.runners_seen | set(counts)),
        "rss_samples": len(sampler.samples),
        **rss_growth(sampler.samples, seconds, "service"),
        **rss_growth(sampler.samples, seconds, "runner"),
        "service_exit": exit_code,
    }
    result["failed"] = _failures(result)
    result["pass"] = not result["failed"]
    return result


def _run_for(
    seconds: float,
    process: subprocess.Popen[bytes],
    root: Path,
    sampler: RssSampler,
    progress: TextIO | None,
) -> bool:
    """Wait out the soak, saying how it goes now and then; True if the service died."""
    began = time.monotonic()
    said = began
    while (left := seconds - (time.monotonic() - began)) > 0:
        if process.poll() is not None:
            return True
        time.sleep(min(1.0, left))
        if progress is not None and time.monotonic() - said >= PROGRESS_EVERY_S:
            said = time.monotonic()
            last = sampler.samples[-1] if sampler.samples else Sample(0.0, None, None)
            events = sum(c.events for c in read_counts(root / COUNTS).values())
            print(
                f"soak: {(said - began) / 60:.0f}/{seconds / 60:g} min, service "
                f"{_mb(last.service)}, runner {_mb(last.runner)}, {events} events",
                file=progress,
                flush=True,
            )
    return False


def _mb(size: int | None) -> str:
    return "-" if size is None else f"{size / MB:.0f} MB"


def _failures(result: dict[str, Any]) -> list[str]:
    failed = []
    for which in ("service", "runner"):
        growth = result[f"{which}_rss_growth_pct"]
        if growth is None or growth >= MAX_GROWTH_PCT:
            failed.append(f"{which} RSS growth {growth} % (limit {MAX_GROWTH_PCT:g} %)")
    if result["events_lost"] != 0:
        failed.append(f"{result['events_lost']} events lost")
    if result["service_exit"] != 0:
        failed.append(f"the service did not stop cleanly (exit {result['service_exit']})")
    return failed
