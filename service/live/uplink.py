"""Store and forward: the box's outbox delivered to head office over MQTT, at least once and in
order, whatever the WAN does.

One thread reads the outbox in order and publishes each entry (QoS 1) to
``{prefix}/{branch}/outbox``, at most ``max_rate`` a second and at most ``window`` not yet
confirmed. Head office commits entries strictly in order and answers with the last number it
has (:class:`Ack`, retained); only then does the box delete them. After a reconnect, a gap
head office reports, or ``ack_timeout_s`` without progress, the box sends again from the
first unconfirmed entry: head office keeps each number once. The outbox is in the edge
store, so neither a WAN outage of hours nor the box being killed loses an entry; the camera
runners are other processes and never wait for this thread.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from prometheus_client import Gauge
from pydantic import ValidationError

from etiquette.service.live.mqtt import set_nodelay
from etiquette.service.live.uplink_config import UPLINK_PASSWORD_ENV, UplinkConfig
from etiquette.service.live.uplink_protocol import (
    Ack,
    BranchStatus,
    ClipRequest,
    clip_reply,
    topic,
)
from etiquette.service.store.outbox import Outbox

log = logging.getLogger(__name__)

KEEPALIVE_S = 30
IDLE_WAIT_S = 0.2
MIN_WAIT_S = 0.01
GAP_PAUSE_S = 1.0
MAX_CLIP_BYTES = 64 * 1024 * 1024  # a coaching clip is a few MB; never send a runaway file
BACKLOG = Gauge("etiquette_uplink_backlog", "Outbox entries head office has not confirmed yet")
StatusSource = Callable[[], BranchStatus]
ClipSource = Callable[[int], Path | None]


def software_version() -> str:
    try:
        return version("etiquette-monitor")
    except PackageNotFoundError:
        return "unknown"


class _Bucket:
    """Token bucket: at most ``rate`` a second, in bursts of at most ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.at = float(burst), time.monotonic()

    def take(self, wanted: int) -> int:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        granted = min(wanted, int(self.tokens))
        self.tokens -= granted
        return granted


class Uplink:
    """Delivers ``outbox`` to head office; :meth:`start` and :meth:`stop` it with the service."""

    def __init__(
        self,
        config: UplinkConfig,
        outbox: Outbox,
        status: StatusSource,
        clip_file: ClipSource | None = None,
        *,
        reconnect_max_delay: int = 30,
    ) -> None:
        self.config, self.outbox = config, outbox
        self._status, self._clip_file = status, clip_file
        self._stream = outbox.state().stream
        self._acked = outbox.state().acked_seq
        self._sent = self._acked
        self._heard: Ack | None = None  # the newest confirmation, from the network thread
        self._resend = threading.Event()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self.connected = threading.Event()
        self._progress_at = time.monotonic()
        self._went_back_at = 0.0
        self._status_at = 0.0
        self._bucket = _Bucket(config.max_rate, burst=max(1, min(config.window, 50)))
        self._thread: threading.Thread | None = None
        self._requests: list[ClipRequest] = []
        self._lock = threading.Lock()
        self.client = self._client(reconnect_max_delay)

    def _topic(self, kind: str) -> str:
        return topic(self.config.topic_prefix, self.config.branch, kind)

    def _client(self, reconnect_max_delay: int) -> paho.Client:
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"etiquette-{self.config.branch}",
            protocol=paho.MQTTv311,
            clean_session=True,
        )
        client.reconnect_delay_set(1, reconnect_max_delay)
        client.max_inflight_messages_set(min(self.config.window, 100))
        username = self.config.username or self.config.branch
        client.username_pw_set(username, os.environ.get(UPLINK_PASSWORD_ENV))
        if self.config.tls:
            client.tls_set(
                ca_certs=None if self.config.ca_file is None else str(self.config.ca_file),
                certfile=None if self.config.cert_file is None else str(self.config.cert_file),
                keyfile=None if self.config.key_file is None else str(self.config.key_file),
            )
        offline = BranchStatus(online=False).model_dump_json()
        client.will_set(self._topic("status"), offline, qos=1, retain=True)
        client.on_socket_open = self._on_socket_open
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    # -- life ------------------------------------------------------------------------------

    def start(self) -> None:
        self.client.connect_async(self.config.host, self.config.port, keepalive=KEEPALIVE_S)
        self.client.loop_start()
        self._thread = threading.Thread(target=self._run, name="uplink", daemon=True)
        self._thread.start()
        log.info(
            "uplink of branch %s to %s:%d started",
            self.config.branch,
            self.config.host,
            self.config.port,
        )

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self.connected.is_set():
            info = self.client.publish(
                self._topic("status"),
                BranchStatus(online=False).model_dump_json(),
                qos=1,
                retain=True,
            )
            info.wait_for_publish(timeout=2.0)
        self.client.disconnect()
        self.client.loop_stop()

    # -- the sending thread ----------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            wait = IDLE_WAIT_S
            try:
                wait = self._step()
            except Exception:  # the database busy or gone a moment: never end the thread
                log.exception("uplink step failed; trying again")
                self._stopping.wait(1.0)
            self._wake.wait(wait)
            self._wake.clear()

    def _step(self) -> float:
        """One round; how long to wait for the next (unless woken by a confirmation)."""
        self._take_confirmation()
        if not self.connected.is_set():
            return IDLE_WAIT_S
        now = time.monotonic()
        stalled = self._sent > self._acked and now - self._progress_at > self.config.ack_timeout_s
        if self._resend.is_set() or stalled:
            self._resend.clear()
            self._sent, self._progress_at, self._went_back_at = self._acked, now, now
        if now - self._status_at >= self.config.heartbeat_s:
            self._status_at = now
            self._publish_status()  # first after connecting: head office learns the zone
        wait = self._send_entries()
        self._answer_clip_requests()
        return wait

    def _take_confirmation(self) -> None:
        with self._lock:
            heard, self._heard = self._heard, None
        if heard is None or heard.stream != self._stream:
            return
        now = time.monotonic()
        if heard.seq > self._acked:
            self.outbox.acknowledge(heard.stream, heard.seq)
            self._acked = min(heard.seq, self.outbox.state().last_seq)
            self._progress_at = now
        if heard.gap and now - self._went_back_at > GAP_PAUSE_S:
            # Head office lacks the entry after its last: send again from there (once for a
            # burst of such answers, which every entry after the missing one brings).
            self._sent, self._went_back_at = self._acked, now
        self._sent = max(self._sent, self._acked)

    def _send_entries(self) -> float:
        """Send what the window and the rate allow; how long until more may go."""
        room = self.config.window - (self._sent - self._acked)
        if room <= 0:
            return IDLE_WAIT_S  # a confirmation wakes the thread
        waiting = self.outbox.entries(self._sent, room)
        if not waiting:
            return IDLE_WAIT_S
        granted = self._bucket.take(len(waiting))
        if granted > 0 and self._sent == self._acked:
            self._progress_at = time.monotonic()  # the wait for a confirmation starts now
        for entry in waiting[:granted]:
            self.client.publish(self._topic("outbox"), entry.model_dump_json(), qos=1)
            self._sent = entry.seq
        # Come back when the rate allows the next burst (never spin on single tokens).
        return min(IDLE_WAIT_S, max(MIN_WAIT_S, self._bucket.burst / self._bucket.rate))

    def _publish_status(self) -> None:
        state = self.outbox.state()
        BACKLOG.set(state.backlog)
        status = self._status().model_copy(
            update={
                "online": True,
                "sent_at": datetime.now(UTC),
                "version": software_version(),
                "backlog": state.backlog,
                "oldest_waiting": self.outbox.oldest_waiting(),
            }
        )
        self.client.publish(self._topic("status"), status.model_dump_json(), qos=1, retain=True)

    def _answer_clip_requests(self) -> None:
        with self._lock:
            requests, self._requests = self._requests, []
        for request in requests:
            payload = self._clip_payload(request)
            self.client.publish(self._topic(f"clip-reply/{request.request}"), payload, qos=1)

    def _clip_payload(self, request: ClipRequest) -> bytes:
        path = None if self._clip_file is None else self._clip_file(request.clip)
        if path is None or not path.is_file():
            return clip_reply(request.request, "该片段在网点已不保存 the branch no longer keeps it")
        if path.stat().st_size > MAX_CLIP_BYTES:
            return clip_reply(request.request, "片段过大 the clip is too large to send")
        return clip_reply(request.request, None, path.read_bytes())

    # -- paho callbacks (network thread) ---------------------------------------------------

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
            log.warning("head office's broker refused branch %s: %s", self.config.branch, reason)
            return
        client.subscribe([(self._topic("ack"), 1), (self._topic("clip-request"), 1)])
        self._resend.set()  # whatever was in flight may be lost: from the last confirmed
        self._status_at = 0.0
        self.connected.set()
        self._wake.set()
        log.info("uplink connected to %s:%d", self.config.host, self.config.port)

    def _on_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if self.connected.is_set() and not self._stopping.is_set():
            log.warning("uplink lost head office's broker (%s); the outbox keeps filling", reason)
        self.connected.clear()

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        try:
            if message.topic == self._topic("ack"):
                ack = Ack.model_validate_json(message.payload)
                with self._lock:
                    if self._heard is None or ack.seq >= self._heard.seq or ack.gap:
                        self._heard = ack
            elif message.topic == self._topic("clip-request"):
                request = ClipRequest.model_validate_json(message.payload)
                with self._lock:
                    self._requests.append(request)
        except ValidationError:
            log.warning("uplink ignored a malformed message on %s", message.topic)
            return
        self._wake.set()
