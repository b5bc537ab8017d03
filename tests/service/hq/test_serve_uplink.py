"""`etiquette serve` with an uplink: the live service on the bundled sample delivers what it
stores to head office through a real Mosquitto (TLS) into a real PostgreSQL, with its
status (cameras, time zone, version)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from etiquette.service.hq.config import HQ_MQTT_PASSWORD_ENV, HqBroker, HqConfig
from etiquette.service.hq.db import HqStore
from etiquette.service.hq.ingest import Ingest
from etiquette.service.live.uplink_config import UPLINK_PASSWORD_ENV, UplinkConfig
from etiquette.service.store.events import EventStore
from tests.live_service import free_port, running_service, sample_site
from tests.mosquitto_tls import tls_broker
from tests.postgres import postgres_base_url, postgres_database

pytestmark = pytest.mark.slow


@pytest.fixture
def hq_url() -> Iterator[str]:
    yield from postgres_database(postgres_base_url())


def test_the_live_service_delivers_its_events_and_status_to_head_office(
    tmp_path: Path, hq_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = tls_broker(tmp_path / "broker", free_port(), {"hq": "pw-hq", "demo": "pw-demo"})
    broker.start()
    monkeypatch.setenv(HQ_MQTT_PASSWORD_ENV, "pw-hq")
    monkeypatch.setenv(UPLINK_PASSWORD_ENV, "pw-demo")
    store = HqStore(hq_url)
    ingest = Ingest(HqConfig(broker=HqBroker(port=broker.port, ca_file=broker.ca)), store)
    ingest.start()
    uplink = UplinkConfig(
        branch="demo", host="127.0.0.1", port=broker.port, ca_file=broker.ca, heartbeat_s=1
    )
    site = sample_site(tmp_path / "data", free_port()).model_copy(
        update={"uplink": uplink, "time_zone": "Asia/Shanghai"}
    )

    def delivered() -> list[tuple[str, int]]:
        with store.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT type, edge_id FROM hq_events WHERE branch = 'demo' ORDER BY id")
            )
            return [(str(kind), int(edge_id)) for kind, edge_id in rows]

    try:
        with running_service(site, ()):
            deadline = time.monotonic() + 90
            while not any(kind == "customer_arrived" for kind, _ in delivered()):
                assert time.monotonic() < deadline, "no arrival reached head office"
                time.sleep(0.5)
        with EventStore(site.database_url()) as edge:
            stored = [(e.event.type, e.id) for e in edge.events(limit=100_000)]
            state = edge.outbox.state()
    finally:
        ingest.stop()
        broker.stop()
    at_hq = delivered()
    with store.engine.connect() as connection:
        status = connection.execute(
            text("SELECT time_zone, version, status FROM hq_branches WHERE id = 'demo'")
        ).one()
    store.close()
    assert at_hq == sorted(at_hq, key=lambda item: item[1])  # in the branch's order
    assert set(at_hq) <= set(stored) and len(at_hq) == len(set(at_hq))
    assert state.acked_seq >= len(at_hq)
    assert status[0] == "Asia/Shanghai" and status[1]
    assert [camera["name"] for camera in status[2]["cameras"]] == ["lobby"]
