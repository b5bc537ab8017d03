"""Head office's side of the broker: entries in, confirmations out, boxes' status, clips on
request.

paho's network thread only queues what arrives; one worker thread takes the queue in
batches into PostgreSQL (:meth:`HqStore.ingest`) and then publishes each branch's
confirmation, so a branch deletes nothing that is not committed here. Head office's session
at the broker is persistent (fixed client id, clean_session off): entries the broker took
while head office was down are delivered when it comes back, and whatever is lost anyway is
sent again by the branch, which only forgets what head office confirmed.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from prometheus_client import Counter, Gauge
from pydantic import ValidationError
from sqlalchemy import select, update

from etiquette.service.hq.config import HQ_MQTT_PASSWORD_ENV, HqConfig
from etiquette.service.hq.db import HqStore
from etiquette.service.hq.models import HqClipRow
from etiquette.service.live.mqtt import set_nodelay
from etiquette.service.live.uplink_protocol import (
    BranchStatus,
    ClipRequest,
    branch_of,
    read_clip_reply,
    topic,
)
from etiquette.service.store.outbox import OutboxEntry

log = logging.getLogger(__name__)

INGESTED = Counter("etiquette_hq_entries_total", "Entries from branches", ["outcome"])
SILENT = Gauge("etiquette_hq_branches_silent", "Branches alerted as silent and not heard since")
BATCH_WAIT_S = 0.05
ALERT_EVERY_S = 10.0


class ClipUnavailableError(RuntimeError):
    """A clip the branch could not send (with the branch's reason)."""


@dataclass
class _Waiting:
    done: threading.Event = field(default_factory=threading.Event)
    error: str | None = None
    data: bytes = b""


class Ingest:
    def __init__(self, config: HqConfig, store: HqStore) -> None:
        self.config, self.store = config, store
        self._prefix = config.broker.topic_prefix
        self._queue: queue.Queue[tuple[str, OutboxEntry]] = queue.Queue()
        self._waiting: dict[str, _Waiting] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.connected = threading.Event()
        self._threads: list[threading.Thread] = []
        self.client = self._client()

    def _client(self) -> paho.Client:
        broker = self.config.broker
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=broker.client_id,
            protocol=paho.MQTTv311,
            clean_session=False,
        )
        client.username_pw_set(broker.username, os.environ.get(HQ_MQTT_PASSWORD_ENV))
        if broker.tls:
            client.tls_set(ca_certs=None if broker.ca_file is None else str(broker.ca_file))
        client.reconnect_delay_set(1, 15)
        client.max_inflight_messages_set(200)
        client.on_socket_open = self._on_socket_open
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def start(self) -> None:
        self.store.load_zones()
        broker = self.config.broker
        self.client.connect_async(broker.host, broker.port, keepalive=30)
        self.client.loop_start()
        for target, name in ((self._work, "hq-ingest"), (self._watch, "hq-alerts")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(5.0)
        self.client.disconnect()
        self.client.loop_stop()

    # -- the worker --------------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stopping.is_set():
            batch = self._next_batch()
            if not batch:
                continue
            try:
                answers = self.store.ingest(batch)
            except Exception:
                # PostgreSQL away: nothing is confirmed, so the branches send it all again.
                log.exception("could not take %d entries in; the branches will resend", len(batch))
                INGESTED.labels("failed").inc(len(batch))
                self._stopping.wait(1.0)
                continue
            INGESTED.labels("received").inc(len(batch))
            for branch, ack in answers.items():
                self.client.publish(
                    topic(self._prefix, branch, "ack"), ack.model_dump_json(), qos=1, retain=True
                )

    def _next_batch(self) -> list[tuple[str, OutboxEntry]]:
        try:
            batch = [self._queue.get(timeout=0.5)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + BATCH_WAIT_S
        while len(batch) < self.config.batch:
            try:
                batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _watch(self) -> None:
        while not self._stopping.wait(ALERT_EVERY_S):
            try:
                for row in self.store.silent_branches(self.config.silent_after_s):
                    log.warning(
                        "网点「%s」(%s) 已静默 went silent: last heard %s",
                        row.name,
                        row.id,
                        row.last_seen,
                    )
                    SILENT.inc()
            except Exception:
                log.exception("could not check for silent branches")

    # -- clips on request --------------------------------------------------------------------

    def fetch_clip(self, branch: str, stream: str, clip_id: int) -> Path:
        """The clip's MP4, fetched from the branch the first time someone asks (blurred at
        the branch; nothing else crosses the WAN)."""
        with self.store.sessions() as session:
            row = session.get(HqClipRow, (branch, stream, clip_id))
            if row is None:
                raise ClipUnavailableError("总行没有这个片段 no such clip")
            if row.cached_file and Path(row.cached_file).is_file():
                return Path(row.cached_file)
        request = uuid.uuid4().hex
        waiting = _Waiting()
        with self._lock:
            self._waiting[request] = waiting
        try:
            payload = ClipRequest(request=request, clip=clip_id).model_dump_json()
            self.client.publish(topic(self._prefix, branch, "clip-request"), payload, qos=1)
            if not waiting.done.wait(self.config.clip_timeout_s):
                raise ClipUnavailableError(
                    "网点未及时回应，请稍后再试 the branch did not answer in time"
                )
        finally:
            with self._lock:
                self._waiting.pop(request, None)
        if waiting.error is not None:
            raise ClipUnavailableError(waiting.error)
        folder = self.config.clip_cache_dir / branch
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{stream[:8]}-{clip_id}.mp4"
        partial = path.with_suffix(".part")
        partial.write_bytes(waiting.data)
        partial.replace(path)
        with self.store.sessions.begin() as session:
            session.execute(
                update(HqClipRow)
                .where(HqClipRow.branch == branch, HqClipRow.stream == stream)
                .where(HqClipRow.edge_id == clip_id)
                .values(cached_file=str(path))
            )
        return path

    def clip_streams(self, branch: str, clip_id: int) -> list[str]:
        with self.store.sessions() as session:
            return list(
                session.scalars(
                    select(HqClipRow.stream).where(
                        HqClipRow.branch == branch, HqClipRow.edge_id == clip_id
                    )
                )
            )

    # -- paho callbacks (network thread) -----------------------------------------------------

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
            log.warning("the broker refused head office: %s", reason)
            return
        client.subscribe(
            [
                (f"{self._prefix}/+/outbox", 1),
                (f"{self._prefix}/+/status", 1),
                (f"{self._prefix}/+/clip-reply/+", 1),
            ]
        )
        self.connected.set()
        log.info("head office connected to the broker")

    def _on_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        self.connected.clear()
        if not self._stopping.is_set():
            log.warning("head office lost the broker (%s); reconnecting", reason)

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        where = branch_of(self._prefix, message.topic)
        if where is None:
            return
        branch, kind = where
        try:
            if kind == "outbox":
                self._queue.put((branch, OutboxEntry.model_validate_json(message.payload)))
            elif kind == "status":
                self.store.record_status(branch, BranchStatus.model_validate_json(message.payload))
            elif kind.startswith("clip-reply/"):
                self._clip_reply(bytes(message.payload))
        except ValidationError:
            log.warning("ignored a malformed message from branch %s on %s", branch, kind)
            INGESTED.labels("malformed").inc()
        except Exception:
            log.exception("could not handle a message from branch %s on %s", branch, kind)

    def _clip_reply(self, payload: bytes) -> None:
        header, data = read_clip_reply(payload)
        with self._lock:
            waiting = self._waiting.get(str(header.get("request")))
        if waiting is None:
            return
        waiting.error = header.get("error")
        waiting.data = data
        waiting.done.set()
