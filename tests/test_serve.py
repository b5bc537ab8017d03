"""The live service end to end: the bundled sample replayed as a camera, a prompt over a
WebSocket, its audio, and the stored event behind it."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from websockets.sync.client import connect

from service.config import SiteConfig
from service.server import build_service
from service.store import EventStore

SAMPLES = Path(__file__).resolve().parents[1] / "service" / "samples"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    data = tmp_path_factory.mktemp("service")
    port = _free_port()
    site = SiteConfig.model_validate(
        {
            "cameras": [
                {
                    "name": "lobby",
                    "source": str(SAMPLES / "intel_one_by_one.mp4"),
                    "camera_file": str(SAMPLES / "intel_one_by_one.camera.yaml"),
                }
            ],
            "storage": {"data_dir": str(data)},
            "server": {"port": port},
        }
    )
    with EventStore(site.database_url()) as store:
        token = store.create_token("earpiece", "door-phone")
        viewer = store.create_token("viewer", "dashboard")
    service = build_service(site)
    server = uvicorn.Server(
        uvicorn.Config(service.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.1)
    assert server.started, "the service did not start"
    yield f"127.0.0.1:{port}", f"{token} {viewer}"
    server.should_exit = True
    thread.join(timeout=20)


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
