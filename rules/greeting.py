"""Door arrivals and greeting timing: each arrival opens a greeting opportunity (customers
arriving together share one); a bow or welcome gesture by the door-post staff member that
starts within the window (or up to early_s before the arrival) answers it: on time if it starts
within on_time_s of the arrival, late after that; an unanswered opportunity is missed.

Acts are only known some time after they start (a bow once it has lasted min_duration_s, a
gesture once it has ended), so an opportunity whose window has passed stays open while the
door-post staff member is in the middle of something that began inside the window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from etiquette.rules.config import GreetingConfig
from etiquette.rules.events import (
    ArrivalEvent,
    ArrivalValues,
    BowValues,
    BowVerdict,
    Event,
    GreetingEvent,
    GreetingValues,
    GreetingVerdict,
    MissedEvent,
    MissedValues,
    Phase,
    PromptEvent,
    PromptValues,
)

# However long an act in progress keeps an expired opportunity open.
MAX_PENDING_S = 10.0


@dataclass
class StaffAct:
    """A bow or welcome gesture by a staff member at the door post."""

    track: int
    start: float
    kind: str  # bow or welcome_gesture
    finished: bool = False
    end: float = 0.0
    bow: BowValues | None = None
    bow_verdict: BowVerdict | None = None


@dataclass
class Opportunity:
    arrival: float
    customers: list[int]
    acts: list[StaffAct] = field(default_factory=list)


def local_day(timestamp: float) -> dt.date:
    """The calendar day of a capture time, in the machine's time zone."""
    return dt.datetime.fromtimestamp(timestamp).date()  # the branch's local day


@dataclass(frozen=True)
class GreetingMemory:
    """What a greeting timer must not forget when its camera's runner restarts: the days that
    already had their first customer, and the arrival still waiting for its outcome. Folded
    from the events the timer reported (``after``), so whoever stores them can keep it."""

    days_with_arrivals: frozenset[dt.date] = frozenset()
    open_arrival: float | None = None
    open_customers: tuple[int, ...] = ()

    def after(self, event: Event) -> GreetingMemory:
        """This memory once ``event`` has been reported."""
        if isinstance(event, ArrivalEvent):
            days = self.days_with_arrivals | {local_day(event.start)}
            # An arrival joins the open opportunity; if it opens a new one, its prompt follows.
            joined = self.open_arrival is not None
            customers = (*self.open_customers, event.track) if joined else ()
            return replace(self, days_with_arrivals=days, open_customers=customers)
        if isinstance(event, PromptEvent):
            return replace(self, open_arrival=event.start, open_customers=(event.track,))
        if isinstance(event, GreetingEvent | MissedEvent):
            return replace(self, open_arrival=None, open_customers=())
        return self


class GreetingTimer:
    def __init__(self, config: GreetingConfig, memory: GreetingMemory | None = None) -> None:
        self.config = config
        self.open: Opportunity | None = None
        self.recent_acts: list[StaffAct] = []
        self.days_with_arrivals: set[dt.date] = set()
        if memory is not None:
            self.days_with_arrivals = set(memory.days_with_arrivals)
            if memory.open_arrival is not None:
                self.open = Opportunity(memory.open_arrival, list(memory.open_customers))

    def _answers(self, act: StaffAct, opportunity: Opportunity) -> bool:
        earliest = opportunity.arrival - self.config.early_s
        return earliest <= act.start <= opportunity.arrival + self.config.window_s

    def arrival(
        self, track: int, timestamp: float, floor: tuple[float, float], staff_present: bool
    ) -> list[Event]:
        events = self.expire(timestamp, staff_present, pending_since=None)
        day = local_day(timestamp)
        first = day not in self.days_with_arrivals
        self.days_with_arrivals.add(day)
        events.append(
            ArrivalEvent(
                phase=Phase.END,
                track=track,
                role="customer",
                start=timestamp,
                end=timestamp,
                values=ArrivalValues(first_of_day=first, floor=floor),
            )
        )
        if self.open is not None and timestamp - self.open.arrival <= self.config.group_s:
            self.open.customers.append(track)
            return events
        self.open = Opportunity(timestamp, [track])
        self.open.acts = [a for a in self.recent_acts if self._answers(a, self.open)]
        events.append(
            PromptEvent(
                phase=Phase.END,
                track=track,
                role="customer",
                start=timestamp,
                end=timestamp,
                values=PromptValues(text=self.config.prompt_text, customers=1),
            )
        )
        return events

    def act_started(self, act: StaffAct) -> None:
        horizon = act.start - self.config.early_s
        self.recent_acts = [a for a in self.recent_acts if a.start >= horizon]
        self.recent_acts.append(act)
        if self.open is not None and self._answers(act, self.open):
            self.open.acts.append(act)

    def act_dropped(self, act: StaffAct) -> None:
        """A bow that turned out not to be one (walking, knees bent, too long)."""
        if act in self.recent_acts:
            self.recent_acts.remove(act)
        if self.open is not None and act in self.open.acts:
            self.open.acts.remove(act)

    def expire(
        self, timestamp: float, staff_present: bool, pending_since: float | None
    ) -> list[Event]:
        """Close the open opportunity when an act answering it has finished, or when its
        window has passed and nothing the door-post staff is doing began inside it.
        ``pending_since`` is when their unfinished bow or gesture began (None if none)."""
        opportunity = self.open
        if opportunity is None:
            return []
        finished = [a for a in opportunity.acts if a.finished]
        if finished:
            self.open = None
            return [self._greeting(opportunity, finished)]
        closes = opportunity.arrival + self.config.window_s
        if timestamp <= closes:
            return []
        waiting = any(not a.finished for a in opportunity.acts) or (
            pending_since is not None and pending_since <= closes
        )
        if waiting and timestamp <= closes + MAX_PENDING_S:
            return []
        self.open = None
        return [self._missed(opportunity, timestamp, staff_present)]

    def finish(self, timestamp: float, staff_present: bool) -> list[Event]:
        """End of a recording: an opportunity whose window had not yet passed has no
        outcome and is dropped (its arrival and prompt are already out)."""
        if self.open is not None:
            for act in self.open.acts:
                if not act.finished:  # cut off mid-act: it did start in time
                    act.finished, act.end = True, timestamp
        events = self.expire(timestamp, staff_present, pending_since=None)
        opportunity = self.open
        self.open = None
        if opportunity is not None and timestamp > opportunity.arrival + self.config.window_s:
            events.append(self._missed(opportunity, timestamp, staff_present))
        return events

    def _missed(self, opportunity: Opportunity, timestamp: float, staff_present: bool) -> Event:
        return MissedEvent(
            phase=Phase.END,
            track=opportunity.customers[0],
            role="customer",
            start=opportunity.arrival,
            end=timestamp,
            values=MissedValues(customers=len(opportunity.customers), staff_present=staff_present),
        )

    def _timeliness(self, latency_s: float) -> GreetingVerdict:
        """On time or late; a greeting begun before the arrival (within early_s) is on time."""
        on_time = latency_s <= self.config.on_time_s
        return GreetingVerdict.ON_TIME if on_time else GreetingVerdict.LATE

    def _greeting(self, opportunity: Opportunity, finished: list[StaffAct]) -> Event:
        first = min(finished, key=lambda a: a.start)
        bow = next((a for a in finished if a.kind == "bow"), None)
        latency = round(first.start - opportunity.arrival, 3)
        return GreetingEvent(
            phase=Phase.END,
            track=first.track,
            role="staff",
            start=first.start,
            end=max(a.end for a in finished),
            values=GreetingValues(
                latency_s=latency,
                by_track=first.track,
                bow_deg=None if bow is None or bow.bow is None else bow.bow.peak_deg,
                bow_verdict=None if bow is None else bow.bow_verdict,
                gesture=any(a.kind == "welcome_gesture" for a in finished),
                customers=len(opportunity.customers),
                customer_tracks=list(opportunity.customers),
            ),
            verdict=self._timeliness(latency),
        )
