"""`etiquette bench-soak`: a short soak keeps every event and says so in one JSON line (the
memory threshold needs the long run, so it is not checked here); its counting and its
growth figure."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
from pathlib import Path

import pytest

from etiquette.service.bench.soak_probes import MB, Sample, rss_bytes, rss_growth
from etiquette.service.bench.soak_service import CountingQueue, read_counts
from etiquette.service.cameras.runner import EventMessage, FrameMessage, HealthMessage

ROOT = Path(__file__).resolve().parents[3]
KEYS = {
    "minutes",
    "replay_speed",
    "frames",
    "frames_dropped",
    "events_produced",
    "events_stored",
    "events_pending",
    "events_lost",
    "prompts_stored",
    "prompts_received",
    "messages_received",
    "listener_drops",
    "churn_connections",
    "churn_failures",
    "runner_processes",
    "rss_samples",
    "service_rss_start_mb",
    "service_rss_end_mb",
    "service_rss_growth_pct",
    "runner_rss_start_mb",
    "runner_rss_end_mb",
    "runner_rss_growth_pct",
    "service_exit",
    "failed",
    "pass",
}


@pytest.mark.slow
def test_a_short_soak_loses_no_event() -> None:
    env = {**os.environ}
    env.pop("ETIQUETTE_DATABASE_URL", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "etiquette.service.cli.main",
            "bench-soak",
            "--minutes",
            "0.3",
            "--speed",
            "2",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    result = json.loads(lines[-1])
    assert set(result) == KEYS
    assert done.returncode == (0 if result["pass"] else 1), done.stderr
    # 18 s of a 10 frames/s clip at twice real time; about one arrival in it, and the staff
    # member's bows and postures.
    assert result["frames"] > 200
    assert result["events_produced"] >= 1
    assert result["events_lost"] == 0
    assert result["events_stored"] == result["events_produced"]
    assert result["events_pending"] == 0
    assert result["prompts_received"] == result["prompts_stored"]
    assert result["messages_received"] >= result["prompts_received"]
    assert result["service_exit"] == 0
    assert result["runner_processes"] == 1
    assert result["listener_drops"] == 0
    assert result["churn_connections"] >= 5
    assert result["churn_failures"] == 0
    assert result["rss_samples"] >= 10
    for which in ("service", "runner"):
        assert result[f"{which}_rss_start_mb"] > 50
        assert isinstance(result[f"{which}_rss_growth_pct"], float)
    # A run this short only fails, if at all, on memory still warming up.
    assert all("RSS growth" in reason for reason in result["failed"])


def _event() -> EventMessage:
    return EventMessage("lobby", {"type": "bow"}, None)


def test_an_event_the_queue_would_not_take_counts_as_produced_not_sent(tmp_path: Path) -> None:
    full: queue.Queue[object] = queue.Queue(maxsize=1)
    counting = CountingQueue(full, tmp_path, "lobby")
    counting.put(_event(), timeout=0.01)
    with pytest.raises(queue.Full):
        counting.put(_event(), timeout=0.01)
    counts = read_counts(tmp_path)[os.getpid()]
    assert (counts.events, counts.sent) == (2, 1)


def test_frames_are_counted_from_the_health_reports(tmp_path: Path) -> None:
    counting = CountingQueue(queue.Queue(), tmp_path, "lobby")
    counting.put_nowait(FrameMessage("lobby", b""))
    for dropped in (0, 3):
        counting.put_nowait(HealthMessage("lobby", True, 10.0, dropped, 1.0, None))
    counting.put_nowait(HealthMessage("lobby", False, 0.0, 0, None, "the stream ended"))
    counting.put_nowait(HealthMessage("lobby", True, 10.0, 2, 1.0, None))
    counts = read_counts(tmp_path)[os.getpid()]
    # Each report covers at least one second (runner.HEALTH_EVERY_S).
    assert counts.frames == 30
    assert counts.dropped_frames == 5


def test_growth_compares_the_end_with_the_warmed_up_start() -> None:
    # 100 s: 10-20 s at 100 MB, the last 10 s at 104 MB; the first seconds do not count.
    samples = [
        Sample(float(t), (50 if t < 10 else 100 if t < 90 else 104) * MB, None) for t in range(101)
    ]
    figures = rss_growth(samples, 100.0, "service")
    assert figures == {
        "service_rss_start_mb": 100.0,
        "service_rss_end_mb": 104.0,
        "service_rss_growth_pct": 4.0,
    }
    assert rss_growth(samples, 100.0, "runner")["runner_rss_growth_pct"] is None


def test_rss_of_a_live_and_a_gone_process() -> None:
    own = rss_bytes(os.getpid())
    assert own is not None and own > MB
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert rss_bytes(gone.pid) is None
