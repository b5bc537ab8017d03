"""What `etiquette bench-soak` watches the service with: the resident memory of its process
and of its camera runners (from /proc), one live client connected throughout, and one that
keeps connecting and leaving (WebSocket and Server-Sent Events in turn)."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import connect

PROC = Path("/proc")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024
CHURN_HOLD_S = 1.0  # how long a passing client stays
CHURN_PAUSE_S = 0.5


def rss_bytes(pid: int) -> int | None:
    """A process's resident set size now; None once it is gone."""
    try:
        resident = (PROC / str(pid) / "statm").read_text().split()[1]
    except (OSError, IndexError):
        return None
    return int(resident) * PAGE_BYTES


def runner_pids(service_pid: int) -> list[int]:
    """The service's camera runners: its children started by multiprocessing's spawn (not
    its resource tracker, nor a passing speech or ffmpeg process)."""
    pids = []
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if parent != service_pid:
                continue
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if b"spawn_main" in command:
            pids.append(int(stat.parent.name))
    return sorted(pids)


@dataclass(frozen=True)
class Sample:
    t: float  # seconds since sampling began
    service: int | None  # bytes
    runner: int | None  # bytes, all runners together (one per camera)


@dataclass
class RssSampler:
    """Samples the service's and its runners' RSS every ``every_s`` in a thread of its own."""

    service_pid: int
    every_s: float
    samples: list[Sample] = field(default_factory=list)
    runners_seen: set[int] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        began = time.monotonic()

        def run() -> None:
            while True:
                self.sample(time.monotonic() - began)
                if self._stop.wait(self.every_s):
                    return

        self._thread = threading.Thread(target=run, daemon=True, name="soak-rss")
        self._thread.start()

    def sample(self, t: float) -> None:
        pids = runner_pids(self.service_pid)
        self.runners_seen.update(pids)
        sizes = [rss_bytes(pid) for pid in pids]
        runner = sum(s for s in sizes if s is not None) if pids else None
        self.samples.append(Sample(t, rss_bytes(self.service_pid), runner))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def rss_growth(samples: list[Sample], seconds: float, which: str) -> dict[str, float | None]:
    """RSS in MB after warm-up (median over 10-20 % of the run), at the end (median over the
    last 10 %) and the growth between them in % of the first."""

    def window(low: float, high: float) -> float | None:
        values = [v for s in samples if (v := getattr(s, which)) is not None]
        inside = [v for s in samples if low <= s.t <= high and (v := getattr(s, which)) is not None]
        if not inside and values:  # too short a run for the window: the nearest sample
            middle = (low + high) / 2
            near = min(
                (s for s in samples if getattr(s, which) is not None),
                key=lambda s: abs(s.t - middle),
            )
            inside = [getattr(near, which)]
        return statistics.median(inside) / MB if inside else None

    start, end = window(0.1 * seconds, 0.2 * seconds), window(0.9 * seconds, seconds + 60)
    growth = None if start is None or end is None else 100 * (end - start) / start
    return {
        f"{which}_rss_start_mb": None if start is None else round(start, 1),
        f"{which}_rss_end_mb": None if end is None else round(end, 1),
        f"{which}_rss_growth_pct": None if growth is None else round(growth, 2),
    }


@dataclass
class Listener:
    """A client connected the whole run over WebSocket, receiving every message (all posts);
    it reconnects if dropped, and counts the drops (replayed messages are counted once)."""

    url: str
    messages: int = 0
    prompts: int = 0
    drops: int = 0
    closing: threading.Event = field(default_factory=threading.Event)
    _seen: set[tuple[object, ...]] = field(default_factory=set)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name="soak-listener")
        self._thread.start()

    def _run(self) -> None:
        while not self.closing.is_set():
            try:
                with connect(self.url, open_timeout=10) as socket_:
                    while not self.closing.is_set():
                        try:
                            self._take(json.loads(socket_.recv(timeout=0.5)))
                        except TimeoutError:
                            continue
            except (ConnectionClosed, InvalidHandshake, OSError):
                if self.closing.is_set():
                    return
                self.drops += 1
                time.sleep(0.5)

    def _take(self, message: dict[str, object]) -> None:
        key = tuple(message.get(k) for k in ("kind", "event_id", "camera", "captured_at"))
        if key in self._seen:
            return
        self._seen.add(key)
        self.messages += 1
        self.prompts += message.get("kind") == "prompt"

    def stop(self) -> None:
        self.closing.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


@dataclass
class Churner:
    """A client that connects, listens a moment and leaves, over and over: WebSocket and
    Server-Sent Events in turn."""

    ws_url: str
    sse_url: str
    connections: int = 0
    failures: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name="soak-churn")
        self._thread.start()

    def _run(self) -> None:
        visits: tuple[Callable[[], None], ...] = (self._websocket, self._event_stream)
        turn = 0
        while not self._stop.wait(CHURN_PAUSE_S):
            try:
                visits[turn % len(visits)]()
                self.connections += 1
            except (ConnectionClosed, InvalidHandshake, OSError, httpx.HTTPError):
                self.failures += 1
            turn += 1

    def _websocket(self) -> None:
        with (
            connect(self.ws_url, open_timeout=10) as socket_,
            contextlib.suppress(TimeoutError),
        ):
            socket_.recv(timeout=CHURN_HOLD_S)

    def _event_stream(self) -> None:
        timeout = httpx.Timeout(10.0, read=CHURN_HOLD_S)
        with httpx.stream("GET", self.sse_url, timeout=timeout) as response:
            response.raise_for_status()
            with contextlib.suppress(httpx.ReadTimeout):
                next(response.iter_lines(), None)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
