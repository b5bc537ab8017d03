"""Three branch boxes deliver to head office through a real Mosquitto (TLS, a password and
topic rules per branch) into a real PostgreSQL; the broker is stopped for a while and
started again, head office too, and one box is killed with SIGKILL mid-delivery and started
again. Every event reaches head office exactly once, in order per camera."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from etiquette.service.hq.config import HQ_MQTT_PASSWORD_ENV, HqBroker, HqConfig
from etiquette.service.hq.db import HqStore
from etiquette.service.hq.ingest import Ingest
from etiquette.service.live.uplink_config import UPLINK_PASSWORD_ENV
from tests.live_service import free_port
from tests.mosquitto_tls import TlsBroker, tls_broker
from tests.postgres import postgres_base_url, postgres_database
from tests.service.hq.edge_box import SAMPLE

BRANCHES = ("b1", "b2", "b3")
COUNT = 150
RATE = 40.0
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def hq_url() -> Iterator[str]:
    yield from postgres_database(postgres_base_url())


class Box:
    def __init__(
        self,
        folder: Path,
        branch: str,
        broker: TlsBroker,
        count: int = COUNT,
        rate: float = RATE,
        max_rate: float = 400.0,
    ) -> None:
        self.db, self.branch, self.broker = folder / f"{branch}.db", branch, broker
        self.count, self.rate, self.max_rate = count, rate, max_rate
        self.log = folder / f"{branch}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "tests.service.hq.edge_box", str(self.db), self.branch]
        command += [str(self.broker.port), str(self.broker.ca), str(self.count), str(self.rate)]
        command += [str(self.max_rate)]
        env = {**os.environ, UPLINK_PASSWORD_ENV: f"pw-{self.branch}"}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def stored(self) -> int:
        lines = [line for line in self.log.read_text().splitlines() if line.startswith("stored")]
        return int(lines[-1].split()[1]) if lines else 0

    def outbox(self) -> tuple[int, int]:
        """(last number given, last confirmed) from the box's own database."""
        with sqlite3.connect(self.db) as connection:
            row = connection.execute("SELECT last_seq, acked_seq FROM outbox_state").fetchone()
        return int(row[0]), int(row[1])

    def events(self) -> list[tuple[str, int]]:
        with sqlite3.connect(self.db) as connection:
            return list(connection.execute("SELECT camera, id FROM events ORDER BY id"))

    def cpu_s(self) -> float:
        """The box process's CPU time so far (user + system)."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def signal(self, number: int) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            os.kill(self.process.pid, number)
            self.process.wait(timeout=15)


def wait_for(what: str, condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_every_event_reaches_head_office_once_in_order_through_outages_and_a_kill(
    tmp_path: Path, hq_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = {"hq": "pw-hq", **{branch: f"pw-{branch}" for branch in BRANCHES}}
    broker = tls_broker(tmp_path, free_port(), users)
    broker.start()
    monkeypatch.setenv(HQ_MQTT_PASSWORD_ENV, "pw-hq")
    config = HqConfig(
        database_url=hq_url,
        broker=HqBroker(port=broker.port, ca_file=broker.ca),
        clip_cache_dir=tmp_path / "clips",
    )
    store = HqStore(hq_url)
    ingest = Ingest(config, store)
    ingest.start()
    boxes = [Box(tmp_path, branch, broker) for branch in BRANCHES]
    try:
        for box in boxes:
            box.start()
        wait_for(
            "the boxes to store their first events", lambda: all(b.stored() >= 20 for b in boxes)
        )
        # The link is cut: the broker stops while the boxes keep storing events.
        broker.stop()
        time.sleep(3.0)
        during_outage = [box.stored() for box in boxes]
        broker.start()
        # Head office stops for a while and starts again (its broker session keeps what came).
        ingest.stop()
        time.sleep(2.0)
        ingest = Ingest(config, store)
        ingest.start()
        # A box is killed while it has entries not yet confirmed, and started again.
        killed = boxes[1]
        wait_for("a backlog at b2", lambda: killed.outbox()[0] - killed.outbox()[1] > 0)
        killed.signal(signal.SIGKILL)
        backlog_at_kill = killed.outbox()[0] - killed.outbox()[1]
        killed.start()

        def all_in() -> bool:
            with store.engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT branch, count(*) FROM hq_events GROUP BY branch")
                ).all()
            return dict(rows) == dict.fromkeys(BRANCHES, COUNT)

        wait_for("every event at head office", all_in, timeout=90.0)
        wait_for(
            "every outbox confirmed",
            lambda: all(box.outbox()[1] == box.outbox()[0] == COUNT + 1 for box in boxes),
        )
        # Only metadata crossed so far; the clip itself comes when someone asks for it.
        streams = ingest.clip_streams("b1", 1)
        assert len(streams) == 1 and not list((tmp_path / "clips").glob("**/*.mp4"))
        fetched = ingest.fetch_clip("b1", streams[0], 1)
        assert fetched.read_bytes() == SAMPLE.read_bytes()
    finally:
        for box in boxes:
            box.signal(signal.SIGTERM)
        ingest.stop()
        broker.stop()
    with store.engine.connect() as connection:
        arrived = connection.execute(
            text("SELECT branch, camera, edge_id FROM hq_events ORDER BY id")
        ).all()
        zones = connection.execute(text("SELECT time_zone FROM hq_branches")).all()
        days = connection.execute(
            text("SELECT branch, sum(arrivals) FROM hq_daily GROUP BY branch")
        ).all()
    store.close()
    assert all(0 < count < COUNT for count in during_outage), during_outage
    assert backlog_at_kill > 0
    for box in boxes:
        kept = [(camera, edge_id) for branch, camera, edge_id in arrived if branch == box.branch]
        assert len(kept) == len(set(kept)) == COUNT  # every one, once
        for camera in ("lobby", "counter"):
            at_hq = [edge_id for cam, edge_id in kept if cam == camera]
            at_branch = [edge_id for cam, edge_id in box.events() if cam == camera]
            assert at_hq == at_branch  # in the order the branch stored them
    assert dict(days) == dict.fromkeys(BRANCHES, COUNT)  # the daily figures count each once
    assert set(zones) == {("Asia/Shanghai",)}  # the boxes' status arrived


LONG_OUTAGE = 3000  # a busy branch's entries of some 6 hours
CATCH_UP_RATE = 500.0


def test_a_long_outage_is_caught_up_at_the_bounded_rate(
    tmp_path: Path, hq_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The box stores a long outage's entries with no broker; once the link is back they all
    arrive, never faster than uplink.max_rate. Prints what catching up cost the box."""
    broker = tls_broker(tmp_path, free_port(), {"hq": "pw-hq", "b1": "pw-b1"})
    box = Box(tmp_path, "b1", broker, count=LONG_OUTAGE, rate=10_000, max_rate=CATCH_UP_RATE)
    box.start()
    try:
        wait_for("the outage's entries", lambda: box.stored() == LONG_OUTAGE, timeout=120)
        assert box.outbox() == (LONG_OUTAGE + 1, 0)  # nothing confirmed: no broker yet
        monkeypatch.setenv(HQ_MQTT_PASSWORD_ENV, "pw-hq")
        store = HqStore(hq_url)
        config = HqConfig(broker=HqBroker(port=broker.port, ca_file=broker.ca))
        ingest = Ingest(config, store)
        cpu_before = box.cpu_s()
        broker.start()
        ingest.start()
        began = time.monotonic()
        wait_for("the catch-up", lambda: box.outbox()[1] == LONG_OUTAGE + 1, timeout=120)
        took = time.monotonic() - began
        cpu = box.cpu_s() - cpu_before
        ingest.stop()
        with store.engine.connect() as connection:
            kept = connection.execute(text("SELECT count(DISTINCT edge_id) FROM hq_events")).one()
        store.close()
    finally:
        box.signal(signal.SIGTERM)
        broker.stop()
    print(
        f"caught up {LONG_OUTAGE + 1} entries in {took:.1f} s at max_rate {CATCH_UP_RATE:.0f}/s; "
        f"box CPU {cpu:.2f} s ({1000 * cpu / (LONG_OUTAGE + 1):.2f} ms an entry)"
    )
    assert kept[0] == LONG_OUTAGE
    # The rate bound: never faster than max_rate (after the first burst of at most 50).
    assert took >= (LONG_OUTAGE + 1 - 50) / CATCH_UP_RATE
