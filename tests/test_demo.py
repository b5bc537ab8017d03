"""`etiquette demo`: the live service as a newcomer starts it, and the offline analysis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.live_service import free_port


def test_demo_serves_the_sample_and_prints_working_links(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service.cli",
            "demo",
            "--out",
            str(tmp_path / "demo"),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output = process.stdout
        assert output is not None
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda: lines.extend(output.readline() for _ in range(4)), daemon=True
        )
        reader.start()
        reader.join(timeout=60)
        assert len(lines) == 4, f"the demo printed {lines}"
        dashboard = next(line.split()[-1] for line in lines if line.startswith("dashboard"))
        deadline = time.time() + 60
        status = 0
        while time.time() < deadline:
            try:
                status = httpx.get(dashboard, timeout=5).status_code
                if status == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        assert status == 200, "".join(lines)
        token = dashboard.split("token=")[1]
        cameras = httpx.get(
            f"http://127.0.0.1:{port}/api/cameras", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert cameras[0]["name"] == "lobby"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_offline_demo_writes_tracks_events_and_video(tmp_path: Path) -> None:
    from service.cli import main

    assert main(["demo", "--offline", "--out", str(tmp_path)]) == 0
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    arrivals = [e for e in events if e["type"] == "customer_arrived"]
    assert len(arrivals) == 6  # six visitors, one at a time
    assert (tmp_path / "annotated.mp4").stat().st_size > 100_000
