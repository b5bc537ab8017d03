"""A camera runner that restarts (a calibration saved, a crash) starts a new greeting timer:
given what the old one had seen (GreetingMemory, folded from the events it reported), the
arrival it had prompted still gets its outcome and the day's first customer is not announced
again."""

from __future__ import annotations

import datetime as dt

from etiquette.rules.config import GreetingConfig
from etiquette.rules.events import ArrivalEvent, Event
from etiquette.rules.greeting import GreetingMemory, GreetingTimer, StaffAct

MORNING = dt.datetime(2026, 11, 30, 9, 0).timestamp()
CONFIG = GreetingConfig()  # window_s 3 s


def _remembered(events: list[Event]) -> GreetingMemory:
    memory = GreetingMemory()
    for event in events:
        memory = memory.after(event)
    return memory


def _first_of_day(events: list[Event]) -> bool:
    arrival = next(e for e in events if isinstance(e, ArrivalEvent))
    return arrival.values.first_of_day


def test_the_prompted_arrival_still_gets_its_outcome_after_a_restart() -> None:
    before = GreetingTimer(CONFIG)
    reported = before.arrival(4, MORNING, (0.0, 0.5), staff_present=True)
    assert [e.type for e in reported] == ["customer_arrived", "greeting_prompt"]

    after = GreetingTimer(CONFIG, _remembered(reported))
    missed = after.expire(MORNING + 15.0, staff_present=True, pending_since=None)
    assert [e.type for e in missed] == ["greeting_missed"]
    assert missed[0].start == MORNING and missed[0].track == 4

    forgetful = GreetingTimer(CONFIG)  # what a restart did before
    assert forgetful.expire(MORNING + 15.0, staff_present=True, pending_since=None) == []


def test_a_greeting_after_the_restart_answers_the_remembered_arrival() -> None:
    reported = GreetingTimer(CONFIG).arrival(4, MORNING, (0.0, 0.5), staff_present=True)
    after = GreetingTimer(CONFIG, _remembered(reported))
    act = StaffAct(9, MORNING + 1.0, "bow", finished=True, end=MORNING + 2.5)
    after.act_started(act)
    greeting = after.expire(MORNING + 2.5, staff_present=True, pending_since=None)
    assert [(e.type, e.verdict) for e in greeting] == [("greeting", "on_time")]


def test_the_first_customer_of_the_day_is_not_announced_again() -> None:
    reported = GreetingTimer(CONFIG).arrival(4, MORNING, (0.0, 0.5), staff_present=True)
    after = GreetingTimer(CONFIG, _remembered(reported))
    later = after.arrival(5, MORNING + 600.0, (0.0, 0.5), staff_present=True)
    assert not _first_of_day(later)
    tomorrow = after.arrival(6, MORNING + 86400.0, (0.0, 0.5), staff_present=True)
    assert _first_of_day(tomorrow)


def test_an_outcome_closes_the_remembered_opportunity_and_grouped_arrivals_join_it() -> None:
    timer = GreetingTimer(CONFIG)
    reported = timer.arrival(4, MORNING, (0.0, 0.5), staff_present=True)
    reported += timer.arrival(5, MORNING + 1.0, (0.0, 0.5), staff_present=True)  # together
    memory = _remembered(reported)
    assert memory.open_arrival == MORNING and memory.open_customers == (4, 5)
    reported += timer.expire(MORNING + 15.0, staff_present=True, pending_since=None)
    closed = _remembered(reported)
    assert closed.open_arrival is None and closed.open_customers == ()
    assert closed.days_with_arrivals == frozenset({dt.date(2026, 11, 30)})
