"""The live service end to end: the bundled sample replayed as a camera, a prompt over a
WebSocket, its audio, and the stored event behind it."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator

import httpx
import pytest
from websockets.sync.client import connect

from etiquette.service.server import Service
from tests.live_service import free_port, running_service, sample_site


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    site = sample_site(tmp_path_factory.mktemp("service"), free_port())
    with running_service(site, ("earpiece", "viewer")) as (address, tokens):
        yield address, f"{tokens['earpiece']} {tokens['viewer']}"


def test_a_customer_at_the_door_reaches_the_earpiece(running: tuple[str, str]) -> None:
    address, tokens = running
    earpiece, viewer = tokens.split()
    with connect(
        f"ws://{address}/ws/live?post=door_post&token={earpiece}", open_timeout=10
    ) as socket_:
        deadline = time.time() + 45
        prompt = None
        while time.time() < deadline:
            message = json.loads(socket_.recv(timeout=deadline - time.time()))
            if message["kind"] == "prompt":
                prompt = message
                received = time.time()
                break
    assert prompt is not None, "no prompt arrived"
    latency = received - prompt["captured_at"]
    print(f"\nprompt '{prompt['text']}' {latency * 1000:.0f} ms after its frame was captured")
    assert prompt["text"] == "客户进门，请迎宾"
    assert latency < 1.0
    with httpx.Client(base_url=f"http://{address}") as client:
        audio = client.get(prompt["audio_url"], params={"token": earpiece})
        assert audio.status_code == 200 and audio.headers["content-type"].startswith("audio/")
        assert len(audio.content) > 2000
        stored = client.get(
            "/api/events",
            params={"type": "greeting_prompt"},
            headers={"Authorization": f"Bearer {viewer}"},
        ).json()
        assert prompt["event_id"] in [e["id"] for e in stored]
        cameras = client.get("/api/cameras", headers={"Authorization": f"Bearer {viewer}"})
        assert cameras.json()[0]["online"] is True
        assert (
            client.get("/api/events", headers={"Authorization": f"Bearer {earpiece}"}).status_code
            == 403
        )


def test_a_socket_without_a_token_is_refused(running: tuple[str, str]) -> None:
    address, _ = running
    with pytest.raises(Exception, match="HTTP 403"), connect(f"ws://{address}/ws/live") as socket_:
        socket_.recv(timeout=5)


def test_a_crashed_runner_is_restarted(tmp_path_factory: pytest.TempPathFactory) -> None:
    site = sample_site(tmp_path_factory.mktemp("crash"), free_port())
    services: list[Service] = []
    with running_service(site, ("viewer",), services) as (address, tokens):
        headers = {"Authorization": f"Bearer {tokens['viewer']}"}

        def camera() -> dict[str, object]:
            cameras: list[dict[str, object]] = httpx.get(
                f"http://{address}/api/cameras", headers=headers
            ).json()
            return cameras[0]

        deadline = time.time() + 60
        while not camera()["online"] and time.time() < deadline:
            time.sleep(0.5)
        runner = services[0].supervisor.runners["lobby"]
        assert runner.process.pid is not None
        os.kill(runner.process.pid, signal.SIGKILL)
        seen_error = None
        deadline = time.time() + 60
        while time.time() < deadline:
            state = camera()
            if not state["online"] and state["error"]:
                seen_error = state["error"]
            if seen_error and state["online"]:
                break
            assert httpx.get(f"http://{address}/health").status_code == 200
            time.sleep(0.3)
        assert seen_error is not None and "runner stopped" in str(seen_error)
        assert camera()["online"], "the runner was not restarted"
        assert services[0].supervisor.runners["lobby"] is not runner
