"""A camera runner restarted (a calibration saved, a crash) is given what its greeting timer
had seen: the arrival it had prompted keeps its outcome, and the day's first customer is not
announced again. Also across a restart of the service (the days, from the store)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from etiquette.rules.config import GreetingConfig
from etiquette.rules.greeting import GreetingMemory, GreetingTimer, local_day
from etiquette.service.cameras.event_keeper import EventKeeper
from etiquette.service.cameras.runner import EventMessage, RunnerJob
from etiquette.service.cameras.supervisor import Supervisor
from etiquette.service.config import SiteConfig
from etiquette.service.live.hub import Hub
from etiquette.service.live.state import LiveState
from etiquette.service.store.events import EventStore

MORNING = dt.datetime(2026, 11, 30, 9, 0).timestamp()


class NotAProcess:
    """Stands in for a runner process: the test looks at the job it was given."""

    exitcode = None

    def is_alive(self) -> bool:
        return False

    def join(self, timeout: float | None = None) -> None:
        return None

    def terminate(self) -> None:
        return None


def _site(folder: Path) -> SiteConfig:
    site = SiteConfig.model_validate(
        {
            "cameras": [{"name": "lobby", "source": "0"}],
            "storage": {"data_dir": str(folder / "data")},
            "prompts": {"enabled": False},
        }
    )
    site.storage.data_dir.mkdir(parents=True, exist_ok=True)
    return site


def _supervisor(site: SiteConfig, jobs: list[RunnerJob]) -> tuple[Supervisor, EventStore]:
    def spawn(job: RunnerJob, out: Any, stop: Any) -> Any:
        jobs.append(job)
        return NotAProcess()

    store = EventStore(site.database_url())
    live = LiveState()
    events = EventKeeper(site, store, live, Hub(), None)
    return Supervisor(site, store, live, events, spawn), store


def _reported_arrival(at: float = MORNING) -> list[EventMessage]:
    """What a runner reports when a customer arrives: the arrival and its prompt."""
    timer = GreetingTimer(GreetingConfig())
    reported = timer.arrival(4, at, (0.0, 0.5), staff_present=True)
    return [EventMessage("lobby", e.model_dump(mode="json"), None) for e in reported]


def test_a_restarted_runner_is_given_the_prompted_arrival_and_the_day(tmp_path: Path) -> None:
    jobs: list[RunnerJob] = []
    supervisor, store = _supervisor(_site(tmp_path), jobs)
    try:
        supervisor._spawn("lobby")
        assert jobs[-1].greeting in (None, GreetingMemory())
        for message in _reported_arrival():
            supervisor._handle(message)
        supervisor.reload(supervisor.site.cameras[0])  # e.g. a calibration saved
        memory = jobs[-1].greeting
        assert memory is not None
        assert memory.open_arrival == MORNING and memory.open_customers == (4,)
        assert memory.days_with_arrivals == frozenset({dt.date(2026, 11, 30)})
    finally:
        store.close()


def test_a_restarted_service_remembers_the_days_that_had_customers(tmp_path: Path) -> None:
    site = _site(tmp_path)
    jobs: list[RunnerJob] = []
    supervisor, store = _supervisor(site, jobs)
    now = time.time()
    for message in _reported_arrival(now):
        supervisor._handle(message)
    store.close()

    again, store = _supervisor(site, jobs)
    try:
        again._spawn("lobby")
        memory = jobs[-1].greeting
        assert memory is not None
        assert memory.days_with_arrivals == frozenset({local_day(now)})
    finally:
        store.close()
