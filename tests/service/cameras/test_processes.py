"""The service's processes as an operating system sees them: `etiquette demo` started for
real, its camera runner found among its children, then the service killed with SIGKILL (an
OOM kill) or interrupted with Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.live_service import SAMPLES, free_port

ETIQUETTE = Path(sys.executable).parent / "etiquette"
SAMPLE = SAMPLES / "intel_one_by_one.mp4"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


def _is_runner(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except FileNotFoundError:
        return False
    return b"multiprocessing.spawn" in cmdline and b"resource_tracker" not in cmdline


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited (no init here reaps it)


def _wait(condition: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


@contextmanager
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """A looping demo service; yields it and its camera runner's pid once the camera runs."""
    port = free_port()
    command = [str(ETIQUETTE), "demo", "--out", str(tmp_path / "demo"), "--port", str(port)]
    service = subprocess.Popen(
        [*command, "--loop", "--speed", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a shell gives it
    )
    runners: list[int] = []

    def runner_started() -> bool:
        runners[:] = _runners(service.pid)
        return bool(runners)

    try:
        assert _wait(lambda: _health(port), 60), "the demo did not come up"
        assert _wait(runner_started, 30), "no camera runner among the service's children"
        yield service, runners[0]
    finally:
        if service.poll() is None:
            service.kill()
        for pid in runners:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _runners(pid: int) -> list[int]:
    return [child for child in _children(pid) if _is_runner(child)]


def _health(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.slow
def test_a_runner_exits_when_the_service_is_killed(tmp_path: Path) -> None:
    with demo(tmp_path) as (service, runner):
        os.kill(service.pid, signal.SIGKILL)
        service.wait(10)
        assert _wait(lambda: not _alive(runner), 15), "the camera runner outlived its service"


@pytest.mark.slow
def test_ctrl_c_stops_everything_with_no_traceback(tmp_path: Path) -> None:
    with demo(tmp_path) as (service, runner):
        time.sleep(2)
        os.killpg(service.pid, signal.SIGINT)  # Ctrl-C reaches the whole process group
        output, _ = service.communicate(timeout=20)
        assert service.returncode in (0, 130), output
        assert "Traceback" not in output, output
        assert "KeyboardInterrupt" not in output, output
        assert _wait(lambda: not _alive(runner), 10)


@contextmanager
def serving(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, dict[str, str]]]:
    """`etiquette serve` on the looping sample, at its info log level, with a token per
    role; yields it, its address and the tokens (it is killed if still running after)."""
    port = free_port()
    site_file = tmp_path / "site.yaml"
    site_file.write_text(
        "cameras:\n"
        f"  - {{name: lobby, source: '{SAMPLE}', loop: true}}\n"
        f"storage: {{data_dir: '{tmp_path / 'data'}'}}\n"
        f"server: {{port: {port}}}\n",
        encoding="utf-8",
    )
    tokens = {
        role: subprocess.run(
            [
                *(str(ETIQUETTE), "token", "create", "--config", str(site_file)),
                *("--role", role, "--name", f"test-{role}"),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        for role in ("earpiece", "viewer", "admin")
    }
    service = subprocess.Popen(
        [str(ETIQUETTE), "serve", "--config", str(site_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert _wait(lambda: _health(port), 60), "the service did not come up"
        yield service, f"127.0.0.1:{port}", tokens
    finally:
        if service.poll() is None:
            os.killpg(service.pid, signal.SIGKILL)
            service.wait(10)


@pytest.mark.slow
def test_no_token_is_written_to_the_log(tmp_path: Path) -> None:
    """A WebSocket, an event stream and an admin request, each with its token in the query
    string, and a WebSocket with a wrong one."""
    with serving(tmp_path) as (service, address, tokens):
        with connect(f"ws://{address}/ws/live?post=door_post&token={tokens['earpiece']}"):
            pass
        with httpx.stream(
            "GET", f"http://{address}/api/live/stream?token={tokens['viewer']}", timeout=5
        ) as stream:
            assert stream.status_code == 200
        assert httpx.get(f"http://{address}/api/config?token={tokens['admin']}").status_code
        with pytest.raises(InvalidStatus):
            connect(f"ws://{address}/ws/live?token=not-a-token")
        os.killpg(service.pid, signal.SIGINT)
        output, _ = service.communicate(timeout=30)
    assert "WebSocket" in output  # the connections were logged, without their tokens
    for role, token in tokens.items():
        assert token not in output, f"the {role} token is in the log"
    assert "not-a-token" not in output


@pytest.mark.slow
def test_sigterm_stops_the_service_within_5_s_with_clients_connected(tmp_path: Path) -> None:
    with serving(tmp_path) as (service, address, tokens):
        earpiece = connect(f"ws://{address}/ws/live?post=door_post&token={tokens['earpiece']}")
        with (
            httpx.stream(
                "GET", f"http://{address}/api/live/stream?token={tokens['viewer']}", timeout=30
            ) as stream,
            httpx.stream(
                "GET",
                f"http://{address}/api/cameras/lobby/live.mjpeg?token={tokens['viewer']}",
                timeout=30,
            ) as video,
        ):
            assert stream.status_code == video.status_code == 200
            asked = time.monotonic()
            service.send_signal(signal.SIGTERM)
            output, _ = service.communicate(timeout=30)
            took = time.monotonic() - asked
        earpiece.close()
    assert took <= 5.0, f"{took:.1f} s to stop\n{output}"
    assert "Traceback" not in output, output
