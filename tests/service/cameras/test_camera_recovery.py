"""The live service when things break: an RTSP camera that disappears and comes back, and a
service killed with SIGKILL.

Both run ``etiquette serve`` as a real subprocess in its own process group. The camera is
Debian's GStreamer RTSP server (tests/rtsp_server.py, run with the system Python); when its
Debian packages are missing they are installed with scripts/install-system-deps.sh (as root),
or the test fails saying what to install.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from websockets.sync.client import connect

from etiquette.service.config import load_site
from etiquette.service.store.events import EventStore
from tests.live_service import free_port

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "service" / "offline" / "samples"
SAMPLE = SAMPLES / "intel_one_by_one.mp4"
SAMPLE_CAMERA = SAMPLES / "intel_one_by_one.camera.yaml"
RTSP_SERVER = Path(__file__).resolve().parents[2] / "rtsp_server.py"
SYSTEM_PYTHON = Path("/usr/bin/python3")
INSTALL_DEPS = ROOT / "scripts" / "install-system-deps.sh"
DEBIAN_PACKAGES = (
    "python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base "
    "gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly"
)
GST_PROBE = (
    "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0'); "
    "from gi.repository import Gst, GstRtspServer; Gst.init(None); "
    "missing = [n for n in ('qtdemux', 'rtph264pay', 'udpsink') "
    "if Gst.ElementFactory.find(n) is None]; "
    "assert not missing, 'missing GStreamer elements: ' + ', '.join(missing)"
)
OFFLINE_WITHIN_S = 15.0
ONLINE_AGAIN_WITHIN_S = 40.0  # the runner's reconnect backoff is at most 30 s


def _gstreamer_problem() -> str | None:
    if not SYSTEM_PYTHON.is_file():
        return f"{SYSTEM_PYTHON} does not exist"
    probe = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", GST_PROBE],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if probe.returncode == 0:
        return None
    lines = probe.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit code {probe.returncode}"


@pytest.fixture(scope="module")
def gstreamer() -> None:
    """Debian's GStreamer RTSP server, installed now if it is missing and we are root."""
    problem = _gstreamer_problem()
    if problem is None:
        return
    if os.geteuid() == 0 and INSTALL_DEPS.is_file():
        install = subprocess.run(
            ["bash", str(INSTALL_DEPS)], check=False, capture_output=True, text=True, timeout=900
        )
        problem = _gstreamer_problem()
        if problem is None:
            return
        problem += f" (scripts/install-system-deps.sh: {install.stderr.strip()[-500:]})"
    pytest.fail(
        f"the RTSP test camera needs Debian's GStreamer RTSP server: {problem}. Install it "
        f"with `sudo scripts/install-system-deps.sh` or `sudo apt-get install {DEBIAN_PACKAGES}`"
    )


class RtspCamera:
    """tests/rtsp_server.py as a subprocess, serving the sample on a fixed port."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.url = f"rtsp://127.0.0.1:{port}/camera"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(SYSTEM_PYTHON),
                    str(RTSP_SERVER),
                    "--port",
                    str(self.port),
                    "--file",
                    str(SAMPLE),
                ],
                stdout=subprocess.PIPE,
                stderr=log,
            )
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout=20)
        line = self.process.stdout.readline().decode() if ready else ""
        if not line.startswith("ready"):
            self.kill()
            pytest.fail(f"the RTSP server did not start: {line!r} {self.log.read_text()[-2000:]}")

    def freeze(self) -> None:
        """SIGSTOP: the connection stays open but nothing comes (a pulled network cable)."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def kill(self) -> None:
        """SIGKILL, by pid: the camera vanishes without saying goodbye."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None


@dataclass
class Service:
    """`etiquette serve` as a subprocess in its own process group."""

    process: subprocess.Popen[bytes]
    address: str
    log: Path
    site_file: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        self.kill_group()  # runner children still alive, if any


def _write_site(folder: Path, camera: dict[str, Any], prompts: bool) -> tuple[Path, int]:
    port = free_port()
    site_file = folder / "site.yaml"
    site = {
        "site": "recovery-test",
        "cameras": [camera],
        "storage": {"data_dir": str(folder / "data")},
        "server": {"host": "127.0.0.1", "port": port},
        "prompts": {"enabled": prompts},
    }
    site_file.write_text(yaml.safe_dump(site), encoding="utf-8")
    return site_file, port


def _tokens(site_file: Path, *roles: str) -> list[str]:
    site = load_site(site_file)
    site.storage.data_dir.mkdir(parents=True, exist_ok=True)
    with EventStore(site.database_url()) as store:
        return [store.create_token(role, f"test-{role}") for role in roles]


@contextlib.contextmanager
def _serve(site_file: Path, port: int) -> Iterator[Service]:
    log = site_file.parent / "serve.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("ETIQUETTE_DATABASE_URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "etiquette.service.cli.main",
                "serve",
                "--config",
                str(site_file),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    service = Service(process, f"127.0.0.1:{port}", log, site_file)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"etiquette serve exited ({process.returncode}):\n{service.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://{service.address}/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            pytest.fail(f"etiquette serve did not answer /health:\n{service.log_tail()}")
        yield service
    finally:
        service.stop()


def _camera(client: httpx.Client) -> dict[str, Any]:
    """The one camera's health, checking that the service answers the while."""
    assert client.get("/health").status_code == 200
    assert client.get("/api/status").status_code == 200
    cameras = client.get("/api/cameras")
    assert cameras.status_code == 200
    camera: dict[str, Any] = cameras.json()[0]
    return camera


def _wait_camera(
    client: httpx.Client, online: bool, within: float, service: Service
) -> tuple[float, dict[str, Any], list[str]]:
    """Poll until the camera is (on|off)line; the seconds it took, its health and every error
    seen on the way."""
    start = time.monotonic()
    errors: list[str] = []
    while True:
        camera = _camera(client)
        if camera["error"] and camera["error"] not in errors:
            errors.append(camera["error"])
        if camera["online"] is online:
            return time.monotonic() - start, camera, errors
        if time.monotonic() - start > within:
            state = "online" if online else "offline"
            pytest.fail(
                f"the camera was not {state} within {within:.0f} s: {camera}; errors seen: "
                f"{errors}\n{service.log_tail()}"
            )
        time.sleep(0.25)


def _goes_offline_and_stays(client: httpx.Client, service: Service, away_s: float) -> list[str]:
    """The camera turns offline within OFFLINE_WITHIN_S and stays offline for ``away_s``
    more while the service keeps answering; every error it showed."""
    took, health, errors = _wait_camera(client, False, OFFLINE_WITHIN_S, service)
    assert health["error"], health
    print(f"  offline after {took:.1f} s: {health['error']}")
    down_until = time.monotonic() + away_s
    while time.monotonic() < down_until:
        health = _camera(client)
        assert health["online"] is False, health
        if health["error"] not in errors:
            errors.append(health["error"])
        time.sleep(0.25)
    crashed = [error for error in errors if "runner stopped" in error]
    assert not crashed, f"the camera's runner process died: {crashed}\n{service.log_tail()}"
    return errors


def _comes_back(client: httpx.Client, service: Service, camera: RtspCamera) -> None:
    camera.start()
    took, health, _ = _wait_camera(client, True, ONLINE_AGAIN_WITHIN_S, service)
    assert health["error"] is None and health["fps"] > 0, health
    print(f"  online again {took:.1f} s after the RTSP server restarted")
    time.sleep(1)
    assert _camera(client)["online"] is True


def test_a_camera_that_disappears_goes_offline_and_comes_back(
    gstreamer: None, tmp_path: Path
) -> None:
    camera = RtspCamera(free_port(), tmp_path / "rtsp.log")
    camera.start()
    try:
        site_file, port = _write_site(
            tmp_path,
            {"name": "lobby", "source": camera.url, "camera_file": str(SAMPLE_CAMERA)},
            prompts=False,
        )
        (viewer,) = _tokens(site_file, "viewer")
        with (
            _serve(site_file, port) as service,
            httpx.Client(
                base_url=f"http://{service.address}",
                headers={"Authorization": f"Bearer {viewer}"},
                timeout=3,
            ) as client,
        ):
            took, _, _ = _wait_camera(client, True, 60, service)
            print(f"\ncamera online {took:.1f} s after the service answered")
            time.sleep(2)
            assert _camera(client)["online"] is True

            print("RTSP server killed (SIGKILL):")
            camera.kill()
            errors = _goes_offline_and_stays(client, service, away_s=4)
            print(f"  errors while it was away: {errors}")
            _comes_back(client, service, camera)

            print("RTSP server frozen (SIGSTOP: connection open, no frames):")
            camera.freeze()
            errors = _goes_offline_and_stays(client, service, away_s=2)
            print(f"  errors while it was away: {errors}")
            camera.kill()
            _comes_back(client, service, camera)
            assert service.process.poll() is None, "the service died"
    finally:
        camera.kill()


def test_sigkill_loses_no_event_a_client_received(tmp_path: Path) -> None:
    site_file, port = _write_site(
        tmp_path,
        {"name": "lobby", "source": str(SAMPLE), "camera_file": str(SAMPLE_CAMERA)},
        prompts=True,
    )
    (earpiece,) = _tokens(site_file, "earpiece")
    received: list[dict[str, Any]] = []
    with _serve(site_file, port) as service:
        with connect(f"ws://{service.address}/ws/live?token={earpiece}", open_timeout=10) as ws:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    message = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
                except TimeoutError:
                    break
                received.append(message)
                if message["kind"] == "prompt":
                    break
            # Dead at once, runners included: no shutdown hook runs.
            service.kill_group()
        assert service.process.returncode == -signal.SIGKILL
    prompts = [m for m in received if m["kind"] == "prompt"]
    assert prompts, f"no prompt arrived; received {received}\n{service.log_tail()}"
    print(f"\nreceived {len(received)} messages before SIGKILL: {[m['type'] for m in received]}")

    site = load_site(site_file)
    with EventStore(site.database_url()) as store:
        stored = {event.id for event in store.events()}
    missing = [m for m in received if m["event_id"] not in stored]
    assert not missing, f"events a client received are not in the store: {missing}"
    database = site.storage.data_dir / "events.db"
    with contextlib.closing(sqlite3.connect(database)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (count,) = connection.execute("SELECT count(*) FROM events").fetchone()
    assert count >= len({m["event_id"] for m in received})
    print(f"all {len(received)} received events are stored; the database checks out ok")
