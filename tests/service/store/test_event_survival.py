"""Every event survives a data disk that is full or read-only: its prompt goes out at once,
the event waits (in memory, then in a spill file on another disk) and is stored, in order
and once, when the disk takes writes again; meanwhile /health says what is wrong.

The data folder is a real 4 MB tmpfs (mounted here; root only, as in CI), filled by a real
file or remounted read-only, under a real SQLite event store."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from etiquette.rules.events import ArrivalValues, Event, MissedValues, Phase, PromptValues
from etiquette.service import metrics
from etiquette.service.api.app import create_app
from etiquette.service.cameras.event_keeper import EventKeeper
from etiquette.service.cameras.runner import EventMessage
from etiquette.service.cameras.supervisor import Supervisor
from etiquette.service.config import SiteConfig
from etiquette.service.live.hub import Hub, LiveMessage
from etiquette.service.live.state import LiveState
from etiquette.service.offline.demo import demo_site
from etiquette.service.store.events import EventStore
from tests.factories import event as make_event
from tests.live_service import free_port, running_service
from tests.service.api.test_pages import browser

START = 1_800_000_000.0
__all__ = ["browser"]  # the Chromium fixture, shared with the other page tests


def _mount_tmpfs(folder: Path, size: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); CI runs as root")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "4m")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


class Listener:
    """A real hub on its own event loop, with one subscriber for everything."""

    def __init__(self) -> None:
        self.hub = Hub()
        self.loop = asyncio.new_event_loop()
        self.received: list[LiveMessage] = []
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.hub.attach(self.loop)

        async def listen() -> None:
            stream = self.hub.listen(None, replay=False)
            self.loop.call_soon(self.ready.set)
            async for message in stream:
                if message is not None:
                    self.received.append(message)

        self.loop.run_until_complete(listen())

    def wait_for(self, count: int, timeout_s: float = 2.0) -> list[LiveMessage]:
        deadline = time.monotonic() + timeout_s
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.received)


def _event(kind: str, at: float) -> Event:
    values = {
        "customer_arrived": ArrivalValues(first_of_day=False, floor=(0.5, 1.0)),
        "greeting_prompt": PromptValues(text="您好", customers=1),
        "greeting_missed": MissedValues(customers=1, staff_present=False),
    }[kind]
    return make_event(
        **{
            "type": kind,
            "phase": Phase.END,
            "track": 3,
            "role": "customer",
            "start": at,
            "end": at + 1.0,
            "values": values,
        }
    )


def _supervisor(disk: Path, spill: Path) -> tuple[Supervisor, EventStore, LiveState, Listener]:
    site = SiteConfig.model_validate(
        {
            "cameras": [{"name": "lobby", "source": "0"}],
            "storage": {"data_dir": str(disk / "data"), "spill_dir": str(spill)},
            "prompts": {"enabled": False},
        }
    )
    site.storage.data_dir.mkdir(parents=True, exist_ok=True)
    store = EventStore(site.database_url())
    live = LiveState()
    listener = Listener()
    events = EventKeeper(site, store, live, listener.hub, None)
    return Supervisor(site, store, live, events), store, live, listener


def _read_only(disk: Path, store: EventStore) -> None:
    # A mount with files open for writing cannot be remounted read-only (the kernel does it
    # anyway on a disk error): the store's idle connections are closed first.
    store.engine.dispose()
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def _visit(supervisor: Supervisor, at: float) -> list[Event]:
    events = [_event(k, at + i) for i, k in enumerate(("customer_arrived", "greeting_prompt"))]
    events.append(_event("greeting_missed", at + 5))
    for event in events:
        supervisor._handle(EventMessage("lobby", event.model_dump(mode="json"), "door_post"))
    return events


def _stored(store: EventStore) -> list[tuple[str, float]]:
    return [(e.event.type, e.event.start) for e in store.events(limit=10_000)]


def _refused() -> float:
    return float(metrics.EVENTS_REFUSED.labels("lobby")._value.get())


@pytest.mark.parametrize("fault", ["full", "read_only"])
def test_no_event_or_prompt_is_lost_while_the_disk_refuses_writes(
    small_disk: Path, tmp_path: Path, fault: str
) -> None:
    supervisor, store, live, listener = _supervisor(small_disk, tmp_path / "spill")
    before = _visit(supervisor, START)
    assert _stored(store) == [(e.type, e.start) for e in before]
    refused_before = _refused()

    if fault == "full":
        filler = _fill(small_disk)
    else:
        _read_only(small_disk, store)
    during: list[Event] = []
    began = time.monotonic()
    for visit in range(3):
        during += _visit(supervisor, START + 100 + 10 * visit)
    handling_s = time.monotonic() - began
    # The prompts went out at once, without waiting for a store that cannot take them.
    prompts = [m for m in listener.wait_for(12) if m.kind == "prompt"]
    assert len(prompts) == 4
    assert handling_s < 1.0, f"{handling_s:.2f} s to hand on 9 events while the disk refused them"
    assert _refused() - refused_before >= 1
    client = TestClient(create_app(supervisor.site, store, live))
    health = client.get("/health")
    assert health.status_code == 503
    assert health.json()["status"] == "degraded"
    assert "9" in health.json()["problems"][0]  # how many events wait to be stored

    if fault == "full":
        filler.unlink()
    else:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    supervisor.events.store_pending()
    expected = [(e.type, e.start) for e in before + during]
    assert _stored(store) == expected  # each once, in order
    assert client.get("/health").json() == {"status": "ok", "problems": []}


def test_events_waiting_beyond_memory_go_to_the_spill_file_and_survive_a_restart(
    small_disk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from etiquette.service.store import pending as pending_events

    monkeypatch.setattr(pending_events, "MEMORY_LIMIT", 4)
    spill = tmp_path / "spill"
    supervisor, store, _, _ = _supervisor(small_disk, spill)
    _read_only(small_disk, store)
    during: list[Event] = []
    for visit in range(4):
        during += _visit(supervisor, START + 10 * visit)
    assert any(spill.iterdir()), "the events beyond memory are in a spill file"
    supervisor.stop()  # a clean stop writes the ones in memory there too
    assert sum(len(p.read_text().splitlines()) for p in spill.iterdir()) == 12

    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    again, store, _, _ = _supervisor(small_disk, spill)
    again.events.store_pending()
    assert _stored(store) == [(e.type, e.start) for e in during]
    assert not any(p.read_text() for p in spill.iterdir())


def test_the_spill_folder_is_not_the_data_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="spill_dir"):
        SiteConfig.model_validate(
            {
                "cameras": [{"name": "lobby", "source": "0"}],
                "storage": {"data_dir": str(tmp_path), "spill_dir": str(tmp_path / "spill")},
            }
        )
    default = SiteConfig.model_validate({"cameras": [{"name": "a", "source": "0"}]})
    assert not default.storage.spill_path().is_relative_to(default.storage.data_dir.resolve())


def test_the_live_service_keeps_prompting_and_says_so_on_the_dashboard_while_the_disk_is_full(
    tmp_path: Path, browser: Browser
) -> None:
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "64m")
    try:
        site = demo_site(disk / "data", free_port(), speed=3.0, loop=True)
        storage = site.storage.model_copy(update={"spill_dir": tmp_path / "spill"})
        site = site.model_copy(update={"storage": storage})
        with running_service(site, ("viewer",)) as (address, tokens):
            url = f"http://{address}"
            viewer = {"Authorization": f"Bearer {tokens['viewer']}"}
            _wait(lambda: httpx.get(f"{url}/api/events", headers=viewer).json(), 90)
            filler = _fill(disk)
            prompts_before = metrics.PROMPTS_SENT.labels("lobby")._value.get()
            _wait(lambda: httpx.get(f"{url}/health").status_code == 503, 90)
            page = browser.new_page()
            page.goto(f"{url}/dashboard?token={tokens['viewer']}")
            page.wait_for_function(
                "document.getElementById('alerts').textContent.includes('事件数据库拒绝写入')",
                timeout=10000,
            )
            page.close()
            # The sample loops: the next arrival's prompt goes out although nothing is stored.
            _wait(lambda: metrics.PROMPTS_SENT.labels("lobby")._value.get() > prompts_before, 90)
            refused = httpx.get(f"{url}/metrics", headers=viewer).text
            assert "etiquette_events_pending" in refused
            filler.unlink()
            _wait(lambda: httpx.get(f"{url}/health").status_code == 200, 30)
            stored = httpx.get(f"{url}/api/events?type=greeting_prompt", headers=viewer).json()
            assert len(stored) >= 2  # the one prompted while the disk was full is stored too
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _wait(condition: Callable[[], object], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout_s:.0f} s")
