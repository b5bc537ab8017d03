"""Head office's store on the test PostgreSQL with three branches in two regions and a day of
greetings: b1 greeted both customers on time, b2 one of two, b3 (south) had none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from etiquette.rules.events import Event
from etiquette.service.hq.db import HqStore
from etiquette.service.live.uplink_protocol import BranchStatus, CameraHealth
from etiquette.service.store.outbox import OutboxEntry
from tests import factories
from tests.postgres import postgres_base_url, postgres_database

DAY = date(2026, 12, 3)
# 10:00 in Shanghai that day
MORNING = datetime(2026, 12, 3, 2, 0, tzinfo=UTC).timestamp()


def deliver(store: HqStore, branch: str, events: list[Event], clip: str | None = None) -> None:
    """The branch's events as its box delivers them, and a clip of the first with ``clip``
    as its reason."""
    stored = factories.stored(events)
    entries = [
        OutboxEntry(
            stream=f"stream-{branch}",
            seq=k + 1,
            kind="event",
            camera="lobby",
            created_at=datetime.now(UTC),
            body=item.model_dump(mode="json"),
        )
        for k, item in enumerate(stored)
    ]
    if clip is not None:
        first = stored[0]
        entry = {
            "id": 1,
            "camera": "lobby",
            "event_id": first.id,
            "reason": clip,
            "event_type": first.event.type,
            "track": first.event.track,
            "role": None,
            "verdict": None,
            "post": None,
            "event_start": first.event.start,
            "clip_start": first.event.start - 3,
            "duration_s": 6.0,
            "file": "lobby/x.mp4",
            "size_bytes": 1000,
            "summary": f"{branch} {clip}",
            "training": False,
            "created_at": datetime.now(UTC).isoformat(),
        }
        entries.append(
            OutboxEntry(
                stream=f"stream-{branch}",
                seq=len(entries) + 1,
                kind="clip",
                camera="lobby",
                created_at=datetime.now(UTC),
                body=entry,
            )
        )
    store.ingest([(branch, entry) for entry in entries])


def greeted(t: float, on_time: bool, track: int) -> list[Event]:
    arrival = factories.arrival(t, track=track)
    outcome = (
        factories.greeting(t, 1.0, "on_time", track=track + 1000)
        if on_time
        else factories.missed(t, track=track)
    )
    return [arrival, outcome]


@pytest.fixture
def seeded_store() -> Iterator[HqStore]:
    for url in postgres_database(postgres_base_url()):
        opened = HqStore(url)
        for branch, name, region in (
            ("b1", "浦东支行", "华东区"),
            ("b2", "徐汇支行", "华东区"),
            ("b3", "广州支行", "华南区"),
        ):
            opened.register_branch(branch, name, region)
            cameras = [CameraHealth(name="lobby", shown_name="大堂", online=branch != "b2")]
            opened.record_status(
                branch,
                BranchStatus(online=True, site=name, time_zone="Asia/Shanghai", cameras=cameras),
            )
        b1 = greeted(MORNING, True, 1) + greeted(MORNING + 60, True, 2)
        deliver(opened, "b1", b1, clip="good_bow")
        b2 = greeted(MORNING + 60, False, 2) + greeted(MORNING, True, 1)
        deliver(opened, "b2", b2, clip="missed_greeting")
        yield opened
        opened.close()
