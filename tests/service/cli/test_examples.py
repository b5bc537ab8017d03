"""The shipped example site file runs as shipped and writes nothing inside the repository;
a wrong camera file is refused before anything is written."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "site.yaml"


def _etiquette(*args: str, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "etiquette.service.cli.main", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _untracked_in_repository() -> set[str]:
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--ignored", "examples"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stdout.splitlines())


def test_the_example_site_runs_as_shipped(tmp_path: Path) -> None:
    port = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["server"]["port"]
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            pytest.fail(f"port {port} (the example's) is taken: stop what listens there")
    before = _untracked_in_repository()
    service = _etiquette("serve", "--config", str(EXAMPLE), home=tmp_path)
    data = tmp_path / "etiquette-data" / "demo-branch"
    try:
        deadline, healthy = time.monotonic() + 90, False
        while time.monotonic() < deadline and service.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    healthy = r.status == 200
            except OSError:
                pass
            if healthy and (data / "events.db").exists():
                break
            time.sleep(1)
        assert service.poll() is None, service.stdout.read() if service.stdout else ""
        assert healthy and (data / "events.db").exists()
    finally:
        service.send_signal(signal.SIGINT)
        try:
            service.wait(timeout=30)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait()
    assert _untracked_in_repository() == before, "the example wrote inside the repository"


def test_a_missing_camera_file_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(
        yaml.safe_dump(
            {
                "cameras": [{"name": "lobby", "source": "0", "camera_file": "lobby-camera.yaml"}],
                "storage": {"data_dir": "data"},
            }
        ),
        encoding="utf-8",
    )
    done = _etiquette("serve", "--config", str(site), home=tmp_path)
    output, _ = done.communicate(timeout=60)
    assert done.returncode != 0
    assert "lobby-camera.yaml: no such camera file" in output
    assert "Traceback" not in output
    assert not (tmp_path / "data").exists()
