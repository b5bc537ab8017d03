"""What `etiquette bench-site` watches while the cameras run: each runner's messages as the
supervisor takes them (timed on arrival), and the processes' CPU and memory from /proc."""

from __future__ import annotations

import os
import statistics
import threading
import time
from dataclasses import dataclass, field

from etiquette.service.cameras.runner import EventMessage, HealthMessage

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROMPT_SUFFIX = "_prompt"


@dataclass(frozen=True)
class Heard:
    """A health report and when the supervisor side took it from the runner's queue."""

    message: HealthMessage
    received: float  # epoch seconds, as the frames' capture times


@dataclass
class CameraLog:
    health: list[Heard] = field(default_factory=list)
    prompt_latency_s: list[float] = field(default_factory=list)
    events: int = 0


class MessageLog:
    """A supervisor listener: every camera's health reports and prompts, timed on arrival."""

    def __init__(self) -> None:
        self.cameras: dict[str, CameraLog] = {}
        self._lock = threading.Lock()

    def __call__(self, message: object) -> None:
        received = time.time()
        with self._lock:
            if isinstance(message, HealthMessage) and message.online:
                self._camera(message.camera).health.append(Heard(message, received))
            elif isinstance(message, EventMessage):
                log = self._camera(message.camera)
                log.events += 1
                if str(message.event.get("type", "")).endswith(PROMPT_SUFFIX):
                    log.prompt_latency_s.append(received - float(message.event["start"]))

    def _camera(self, name: str) -> CameraLog:
        return self.cameras.setdefault(name, CameraLog())

    def latest(self, name: str) -> Heard | None:
        with self._lock:
            log = self.cameras.get(name)
            return log.health[-1] if log and log.health else None

    def online(self, names: list[str]) -> bool:
        return all(self.latest(name) is not None for name in names)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (all its threads) so far."""
    fields = _read(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident and proportional set size (RSS, PSS: shared pages split among sharers)."""
    rss = pss = 0.0
    for line in _read(f"/proc/{pid}/smaps_rollup").splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1]) / 1024
        elif line.startswith("Pss:"):
            pss = int(line.split()[1]) / 1024
    return rss, pss


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores."""
    values = [int(v) for v in _read("/proc/stat").splitlines()[0].split()[1:8]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def _read(path: str) -> str:
    with open(path, encoding="ascii") as file:
        return file.read()


class MemorySampler:
    """RSS and PSS of some processes once a second, in a thread, until stopped."""

    def __init__(self, pids: dict[str, int], every_s: float = 1.0) -> None:
        self.pids, self.every_s = pids, every_s
        self.samples: dict[str, list[tuple[float, float]]] = {name: [] for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="memory-sampler")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                try:
                    self.samples[name].append(memory_mb(pid))
                except OSError:  # the process is gone; its figures stop here
                    continue
            self._stop.wait(self.every_s)

    def median(self, name: str) -> dict[str, float | None]:
        samples = self.samples.get(name) or []
        if not samples:
            return {"rss_mb": None, "pss_mb": None}
        return {
            "rss_mb": round(statistics.median(s[0] for s in samples), 1),
            "pss_mb": round(statistics.median(s[1] for s in samples), 1),
        }


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (share 0.95: p95); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
