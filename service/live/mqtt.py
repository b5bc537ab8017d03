"""Optional MQTT publisher: live messages to other integrations (building systems, dashboards).

Each ``LiveMessage`` goes to ``{topic_prefix}/{camera}/{kind}`` as its JSON. paho's network loop
runs in its own thread, so ``publish`` only hands the message over and returns at once; paho
reconnects by itself and keeps QoS 1/2 messages queued (up to ``MAX_QUEUED``) while the broker is
away. TCP_NODELAY is set on the client socket as soon as it opens: without it (and without
``set_tcp_nodelay true`` on Mosquitto) a QoS 1 round trip takes ~88 ms instead of <1 ms.

The password never lives in the configuration file: it is read from the environment variable
``ETIQUETTE_MQTT_PASSWORD`` when the publisher starts.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any, Literal

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from prometheus_client import Counter
from pydantic import ConfigDict, Field, field_validator

from etiquette.service.live.hub import LiveMessage
from etiquette.settings import Settings

log = logging.getLogger(__name__)

PASSWORD_ENV = "ETIQUETTE_MQTT_PASSWORD"
MAX_QUEUED = 1000  # QoS>0 messages kept while the broker is away; beyond that they are dropped
KEEPALIVE_S = 30

MQTT_FAILURES = Counter(
    "etiquette_mqtt_failures_total",
    "MQTT failures: connect (attempt failed or refused), disconnect (connection lost), "
    "publish (message dropped: not connected at QoS 0, queue full, or rejected)",
    ["reason"],
)
for _reason in ("connect", "disconnect", "publish"):
    MQTT_FAILURES.labels(_reason)  # export zeros from the start

_TOPIC_UNSAFE = str.maketrans({"/": "_", "+": "_", "#": "_"})


class MqttConfig(Settings):
    """Where and how live messages are published over MQTT (optional integration)."""

    model_config = ConfigDict(frozen=True)

    host: str = Field(description="Broker host name or IP address.")
    port: int = Field(1883, ge=1, le=65535, description="Broker TCP port (8883 is usual with TLS).")
    topic_prefix: str = Field(
        "etiquette",
        description="Topics are `{topic_prefix}/{camera}/{kind}`; kind is prompt, warning or "
        "event.",
    )
    qos: Literal[0, 1, 2] = Field(
        1,
        description="MQTT quality of service. 1 (at least once) keeps messages queued while "
        "the broker is away; 0 drops them.",
    )
    client_id: str | None = Field(
        None, description="MQTT client id; a random one when empty. Must be unique on the broker."
    )
    username: str | None = Field(
        None,
        description="User name for the broker. The password comes from the environment "
        f"variable {PASSWORD_ENV}, never from this file.",
    )
    tls: bool = Field(
        False,
        description="Connect with TLS, verifying the broker against the system CA certificates.",
    )

    @field_validator("topic_prefix")
    @classmethod
    def _valid_prefix(cls, value: str) -> str:
        return valid_topic_prefix(value)


def valid_topic_prefix(value: str) -> str:
    """A topic prefix without its outer slashes; refused when empty or with wildcards."""
    value = value.strip("/")
    if not value or "+" in value or "#" in value:
        raise ValueError("topic_prefix must be non-empty and contain no MQTT wildcards (+, #)")
    return value


def topic_for(config: MqttConfig, message: LiveMessage) -> str:
    """``{prefix}/{camera}/{kind}``; '/', '+' and '#' in a camera name become '_'."""
    camera = message.camera.translate(_TOPIC_UNSAFE) or "_"
    return f"{config.topic_prefix}/{camera}/{message.kind}"


def set_nodelay(sock: Any) -> bool:
    """TCP_NODELAY on a TCP (or TLS-wrapped TCP) socket; False when it is not one."""
    if not isinstance(sock, socket.socket) or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        log.warning("could not set TCP_NODELAY on the MQTT socket", exc_info=True)
        return False
    return True


class MqttPublisher:
    """Publishes live messages to an MQTT broker from any thread, without blocking."""

    def __init__(
        self,
        config: MqttConfig,
        *,
        reconnect_min_delay: int = 1,
        reconnect_max_delay: int = 30,
    ) -> None:
        self.config = config
        self.connected = threading.Event()
        self._lock = threading.Lock()
        self._accepted = 0  # QoS>0 messages paho took (sent or queued)
        self._acknowledged = 0  # ... and the broker acknowledged
        self._started = False
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=config.client_id or "",
            protocol=paho.MQTTv311,
        )
        client.max_queued_messages_set(MAX_QUEUED)
        client.reconnect_delay_set(reconnect_min_delay, reconnect_max_delay)
        client.on_socket_open = self._on_socket_open
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        self.client = client

    def start(self) -> None:
        """Start the network thread; connecting (and reconnecting) happens there."""
        if self._started:
            return
        if self.config.username is not None:
            self.client.username_pw_set(self.config.username, os.environ.get(PASSWORD_ENV))
        if self.config.tls:
            self.client.tls_set()
        self.client.connect_async(self.config.host, self.config.port, keepalive=KEEPALIVE_S)
        self.client.loop_start()
        self._started = True
        log.info("MQTT publisher to %s:%d started", self.config.host, self.config.port)

    def publish(self, message: LiveMessage) -> None:
        """Hand one message to the network thread. Never raises; a dropped message is counted."""
        try:
            info = self.client.publish(
                topic_for(self.config, message), message.model_dump_json(), qos=self.config.qos
            )
        except Exception:  # a bad topic or payload must not reach the caller
            log.exception("MQTT publish of event %s failed", message.event_id)
            MQTT_FAILURES.labels("publish").inc()
            return
        if info.rc == MQTTErrorCode.MQTT_ERR_NO_CONN and self.config.qos > 0:
            pass  # queued: paho sends it after reconnecting
        elif info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            log.warning("MQTT message for event %s dropped: %s", message.event_id, info.rc.name)
            MQTT_FAILURES.labels("publish").inc()
            return
        if self.config.qos > 0:
            with self._lock:  # never held while calling paho: its callbacks take this lock
                self._accepted += 1

    def unacknowledged(self) -> int:
        """QoS>0 messages handed over but not yet acknowledged by the broker."""
        with self._lock:
            return max(0, self._accepted - self._acknowledged)

    def stop(self, timeout: float = 2.0) -> None:
        """Wait up to ``timeout`` s for unacknowledged messages, then disconnect."""
        if not self._started:
            return
        deadline = time.monotonic() + timeout
        while self.connected.is_set() and self.unacknowledged() and time.monotonic() < deadline:
            time.sleep(0.01)
        self._started = False
        self.client.disconnect()
        self.client.loop_stop()
        self.connected.clear()

    # --- paho callbacks, in the network thread -----------------------------------------------

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
        if reason.is_failure:
            log.warning("MQTT broker refused the connection: %s", reason)
            MQTT_FAILURES.labels("connect").inc()
            return
        set_nodelay(client.socket())  # again, in case the socket was opened without the callback
        self.connected.set()
        log.info("MQTT connected to %s:%d", self.config.host, self.config.port)

    def _on_publish(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if self.config.qos > 0:
            with self._lock:
                self._acknowledged += 1

    def _on_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        log.debug("MQTT connection to %s:%d failed", self.config.host, self.config.port)
        MQTT_FAILURES.labels("connect").inc()

    def _on_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        was_connected = self.connected.is_set()
        self.connected.clear()
        if self._started and was_connected:
            log.warning("MQTT connection lost (%s); reconnecting", reason)
            MQTT_FAILURES.labels("disconnect").inc()
