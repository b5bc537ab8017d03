"""Door arrivals and greeting timing: each arrival opens a greeting opportunity (customers
arriving together share one); a bow or welcome gesture by the door-post staff member that
starts within the window answers it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rules.config import GreetingConfig
from rules.events import (
    ArrivalValues,
    BowValues,
    Event,
    GreetingValues,
    MissedValues,
    Phase,
    PromptValues,
)


@dataclass
class StaffAct:
    """A bow or welcome gesture by a staff member at the door post."""

    track: int
    start: float
    kind: str  # bow or welcome_gesture
    finished: bool = False
    end: float = 0.0
    bow: BowValues | None = None
    bow_verdict: str | None = None


@dataclass
class Opportunity:
    arrival: float
    customers: list[int]
    acts: list[StaffAct] = field(default_factory=list)


class GreetingTimer:
    def __init__(self, config: GreetingConfig) -> None:
        self.config = config
        self.open: Opportunity | None = None
        self.recent_acts: list[StaffAct] = []
        self.days_with_arrivals: set[dt.date] = set()

    def arrival(self, track: int, timestamp: float, floor: tuple[float, float]) -> list[Event]:
        day = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).date()
        first = day not in self.days_with_arrivals
        self.days_with_arrivals.add(day)
        events = [
            Event(
                type="customer_arrived",
                phase=Phase.END,
                track=track,
                role="customer",
                start=timestamp,
                end=timestamp,
                values=ArrivalValues(first_of_day=first, floor=floor),
            )
        ]
        if self.open is not None and timestamp - self.open.arrival <= self.config.group_s:
            self.open.customers.append(track)
            return events
        self.open = Opportunity(timestamp, [track])
        self.open.acts = [a for a in self.recent_acts if a.start >= timestamp - self.config.early_s]
        events.append(
            Event(
                type="greeting_prompt",
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
        self.recent_acts = [
            a for a in self.recent_acts if act.start - a.start <= self.config.early_s
        ]
        self.recent_acts.append(act)
        opportunity = self.open
        if opportunity is not None and act.start <= opportunity.arrival + self.config.window_s:
            opportunity.acts.append(act)

    def update(self, timestamp: float, staff_present: bool) -> list[Event]:
        """Close the open opportunity when an act in it has finished, or when its window
        passed with none started."""
        opportunity = self.open
        if opportunity is None:
            return []
        finished = [a for a in opportunity.acts if a.finished]
        if finished:
            self.open = None
            return [self._greeting(opportunity, finished)]
        waiting = any(not a.finished for a in opportunity.acts)
        if waiting or timestamp <= opportunity.arrival + self.config.window_s:
            return []
        self.open = None
        return [
            Event(
                type="greeting_missed",
                phase=Phase.END,
                track=opportunity.customers[0],
                role="customer",
                start=opportunity.arrival,
                end=timestamp,
                values=MissedValues(
                    customers=len(opportunity.customers), staff_present=staff_present
                ),
            )
        ]

    def act_dropped(self, act: StaffAct) -> None:
        """A bow that turned out not to be one (walking, knees bent)."""
        if self.open is not None and act in self.open.acts:
            self.open.acts.remove(act)

    def _greeting(self, opportunity: Opportunity, finished: list[StaffAct]) -> Event:
        first = min(finished, key=lambda a: a.start)
        bow = next((a for a in finished if a.kind == "bow"), None)
        return Event(
            type="greeting",
            phase=Phase.END,
            track=first.track,
            role="staff",
            start=first.start,
            end=max(a.end for a in finished),
            peak=None,
            values=GreetingValues(
                latency_s=round(first.start - opportunity.arrival, 3),
                by_track=first.track,
                bow_deg=None if bow is None or bow.bow is None else bow.bow.peak_deg,
                bow_verdict=None if bow is None else bow.bow_verdict,
                gesture=any(a.kind == "welcome_gesture" for a in finished),
                customers=len(opportunity.customers),
            ),
            verdict="on_time"
            if first.start <= opportunity.arrival + self.config.window_s
            else "late",
        )
