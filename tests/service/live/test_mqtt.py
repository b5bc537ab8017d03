"""MqttPublisher against a real Mosquitto broker on 127.0.0.1 (Debian's mosquitto package)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from prometheus_client import REGISTRY
from pydantic import ValidationError

from etiquette.service.live.hub import LiveMessage
from etiquette.service.live.mqtt import MqttConfig, MqttPublisher, set_nodelay, topic_for
from tests.live_service import free_port

LATENCY_LIMIT_MS = 20.0


def _find_mosquitto() -> str | None:
    found = shutil.which("mosquitto")
    if found is None and os.access("/usr/sbin/mosquitto", os.X_OK):
        found = "/usr/sbin/mosquitto"  # /usr/sbin is not on every PATH
    return found


@pytest.fixture(scope="session")
def mosquitto_bin() -> str:
    found = _find_mosquitto()
    if found is None:
        if os.geteuid() != 0:
            pytest.fail("mosquitto is missing: run scripts/install-system-deps.sh as root")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "mosquitto"],
        ):
            result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                pytest.fail(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
        found = _find_mosquitto()
        if found is None:
            pytest.fail("mosquitto was installed but cannot be found")
    return found


@dataclass
class Broker:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        """SIGTERM by pid (Mosquitto then saves its persistence file), SIGKILL if it hangs."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


BrokerFactory = Callable[[int], Broker]


@pytest.fixture
def start_broker(mosquitto_bin: str, tmp_path: Path) -> Iterator[BrokerFactory]:
    """Starts Mosquitto on 127.0.0.1:port; every broker started is stopped at the end."""
    started: list[Broker] = []

    def start(port: int) -> Broker:
        lines = [
            f"listener {port} 127.0.0.1",
            "allow_anonymous true",
            "set_tcp_nodelay true",
            "persistence true",  # sessions survive a broker restart (the reconnect test)
            f"persistence_location {tmp_path}/",
        ]
        if os.geteuid() == 0:
            lines.append("user root")  # else it drops to the 'mosquitto' user: tmp_path is 0700
        config = tmp_path / "mosquitto.conf"
        config.write_text("\n".join(lines) + "\n")
        log = tmp_path / f"mosquitto-{len(started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [mosquitto_bin, "-c", str(config)], stdout=out, stderr=subprocess.STDOUT
            )
        broker = Broker(port, process, log)
        started.append(broker)
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                pytest.fail(f"mosquitto exited:\n{log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return broker
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"mosquitto did not listen on {port}:\n{log.read_text()}")
                time.sleep(0.02)

    yield start
    for broker in started:
        broker.stop()


Received = tuple[float, str, bytes]  # perf_counter at arrival, topic, payload


class Subscriber:
    """A plain paho client collecting everything under a topic filter."""

    def __init__(self, port: int, topic: str, client_id: str = "", persistent: bool = False):
        self.port = port
        self.topic = topic
        self.messages: queue.Queue[Received] = queue.Queue()
        self.subscribed = queue.Queue[bool]()
        self.client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=not persistent,
            protocol=paho.MQTTv311,
        )
        self.client.on_socket_open = self._on_socket_open
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *args: self.subscribed.put(True)
        self.client.on_message = self._on_message

    def _on_socket_open(self, client: paho.Client, userdata: Any, sock: Any) -> None:
        set_nodelay(sock)

    def _on_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        client.subscribe(self.topic, qos=1)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        self.messages.put((time.perf_counter(), message.topic, bytes(message.payload)))

    def start(self) -> None:
        self.client.connect("127.0.0.1", self.port)
        self.client.loop_start()
        self.subscribed.get(timeout=5)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def take(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        out = []
        for _ in range(count):
            out.append(self.messages.get(timeout=max(0.01, deadline - time.monotonic())))
        return out


def message(event_id: int, camera: str = "lobby", kind: str = "prompt") -> LiveMessage:
    now = time.time()
    return LiveMessage.model_validate(
        {
            "kind": kind,
            "event_id": event_id,
            "camera": camera,
            "type": "arrival",
            "post": "door",
            "text": "欢迎光临",
            "audio_url": f"/audio/{event_id}.ogg",
            "captured_at": now - 0.05,
            "published_at": now,
        }
    )


def failures(reason: str) -> float:
    value = REGISTRY.get_sample_value("etiquette_mqtt_failures_total", {"reason": reason})
    return value or 0.0


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_config_is_strict_and_has_no_password() -> None:
    config = MqttConfig(host="127.0.0.1")
    assert (config.port, config.topic_prefix, config.qos, config.tls) == (
        1883,
        "etiquette",
        1,
        False,
    )
    with pytest.raises(ValidationError):
        MqttConfig.model_validate({"host": "127.0.0.1", "password": "secret"})
    with pytest.raises(ValidationError):
        MqttConfig(host="127.0.0.1", topic_prefix="a/#")
    assert topic_for(config, message(1, camera="hall/1", kind="event")) == "etiquette/hall_1/event"


def test_messages_arrive_with_topic_and_json(start_broker: BrokerFactory) -> None:
    broker = start_broker(free_port())
    subscriber = Subscriber(broker.port, "etiquette/#")
    subscriber.start()
    publisher = MqttPublisher(MqttConfig(host="127.0.0.1", port=broker.port))
    publisher.start()
    try:
        assert publisher.connected.wait(5), broker.log.read_text()
        sock = publisher.client.socket()
        assert isinstance(sock, socket.socket)
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0

        sent = [
            message(1, "lobby", "prompt"),
            message(2, "lobby", "warning"),
            message(3, "counter-2", "event"),
        ]
        for item in sent:
            publisher.publish(item)
        received = sorted(subscriber.take(len(sent)), key=lambda r: json.loads(r[2])["event_id"])
        for item, (_, topic, payload) in zip(sent, received, strict=True):
            assert topic == f"etiquette/{item.camera}/{item.kind}"
            assert LiveMessage.model_validate_json(payload) == item
            assert json.loads(payload)["text"] == "欢迎光临"
        assert wait_for(lambda: publisher.unacknowledged() == 0, 5)
    finally:
        publisher.stop()
        subscriber.stop()


def test_qos1_latency_with_tcp_nodelay(start_broker: BrokerFactory) -> None:
    broker = start_broker(free_port())
    subscriber = Subscriber(broker.port, "etiquette/#")
    subscriber.start()
    publisher = MqttPublisher(MqttConfig(host="127.0.0.1", port=broker.port, qos=1))
    publisher.start()
    try:
        assert publisher.connected.wait(5)
        publisher.publish(message(0))  # warm up
        subscriber.take(1)
        times_ms = []
        call_ms = []
        for i in range(1, 51):
            item = message(i)
            start = time.perf_counter()
            publisher.publish(item)
            call_ms.append((time.perf_counter() - start) * 1000)
            arrived, _, payload = subscriber.take(1)[0]
            assert json.loads(payload)["event_id"] == i
            times_ms.append((arrived - start) * 1000)
            time.sleep(0.005)  # spaced out like real prompts, so Nagle would bite without NODELAY
        median = statistics.median(times_ms)
        print(
            f"\nMQTT QoS 1 publish->receive over 50 messages: median {median:.3f} ms, "
            f"max {max(times_ms):.3f} ms; publish() call median "
            f"{statistics.median(call_ms):.3f} ms"
        )
        assert median < LATENCY_LIMIT_MS
    finally:
        publisher.stop()
        subscriber.stop()


def test_publisher_queues_while_broker_is_down_and_delivers_after_it_starts(
    start_broker: BrokerFactory,
) -> None:
    port = free_port()
    # A persistent subscriber session, so the broker holds messages for it whatever the order
    # in which the publisher and the subscriber reconnect after the broker comes up.
    broker = start_broker(port)
    subscriber = Subscriber(port, "etiquette/#", client_id="test-sub", persistent=True)
    subscriber.start()
    subscriber.stop()
    broker.stop()

    connect_failures = failures("connect")
    publisher = MqttPublisher(
        MqttConfig(host="127.0.0.1", port=port, qos=1),
        reconnect_min_delay=1,
        reconnect_max_delay=1,
    )
    publisher.start()
    try:
        sent = [message(i, "lobby", "event") for i in range(10, 13)]
        for item in sent:
            start = time.perf_counter()
            publisher.publish(item)  # must not raise, must not block
            assert time.perf_counter() - start < 0.1
        assert wait_for(lambda: failures("connect") > connect_failures, 5)
        assert not publisher.connected.is_set()
        assert publisher.unacknowledged() == len(sent)  # queued, not lost

        broker = start_broker(port)
        assert publisher.connected.wait(10), broker.log.read_text()
        assert wait_for(lambda: publisher.unacknowledged() == 0, 5)
        subscriber = Subscriber(port, "etiquette/#", client_id="test-sub", persistent=True)
        subscriber.start()
        try:
            received = subscriber.take(len(sent), timeout=10)
        finally:
            subscriber.stop()
        ids = sorted(json.loads(payload)["event_id"] for _, _, payload in received)
        assert ids == [item.event_id for item in sent]
        assert {topic for _, topic, _ in received} == {"etiquette/lobby/event"}
    finally:
        publisher.stop()


def test_qos0_while_disconnected_counts_a_failure() -> None:
    publisher = MqttPublisher(MqttConfig(host="127.0.0.1", port=free_port(), qos=0))
    publisher.start()
    try:
        before = failures("publish")
        publisher.publish(message(99))
        assert failures("publish") == before + 1
    finally:
        publisher.stop()
