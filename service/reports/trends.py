"""How the branch is doing over days, weeks and months: the on-time greeting rate and the
bows-to-standard rate of each period beside the period before and the target.

Read with one narrow query (time, type, verdict, role: no JSON values parsed), so a few months
of events cost a fraction of a second."""

from __future__ import annotations

from bisect import bisect_left
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from etiquette.rules.events import FINISHED_BOW_VERDICTS, BowVerdict, GreetingVerdict
from etiquette.service.store.events import EventStore
from etiquette.service.store.models import EventRow

TrendUnit = Literal["day", "week", "month"]
TREND_TYPES = ("customer_arrived", "greeting", "greeting_missed", "bow")
MOST_DAYS = 31  # a longer report lists its weeks and months only
LEAST_DAYS = 7
WEEKS, MONTHS = 4, 3  # the rows shown, up to the report's end


class TrendRow(BaseModel):
    """One day, week (from Monday) or month in the site's time zone."""

    model_config = ConfigDict(frozen=True)

    unit: TrendUnit
    start: float
    end: float
    label: str
    arrivals: int
    judged: int = Field(description="Greetings and misses: the on-time rate's denominator.")
    on_time: int
    bows: int
    bows_to_standard: int
    partial: bool = Field(description="The period is not over (or the report ends inside it).")
    previous_on_time_rate: float | None = None
    previous_bows_rate: float | None = None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.judged if self.judged else None

    @property
    def bows_rate(self) -> float | None:
        return self.bows_to_standard / self.bows if self.bows else None


def _midnight(day: date, zone: tzinfo) -> float:
    return datetime.combine(day, time(0), tzinfo=zone).timestamp()


def _day(timestamp: float, zone: tzinfo) -> date:
    return datetime.fromtimestamp(timestamp, zone).date()


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def periods(start: float, end: float, zone: tzinfo) -> list[tuple[TrendUnit, date, date, str]]:
    """The periods to list, each with the one before it first (for the comparison): unit,
    first day, day after the last, label."""
    last = _day(end - 1e-3, zone)
    found: list[tuple[TrendUnit, date, date, str]] = []
    # At least the last week's days: a shift's report shows how its day compares.
    first = min(_day(start, zone), last - timedelta(days=LEAST_DAYS - 1))
    if (last - first).days < MOST_DAYS:
        day = first - timedelta(days=1)
        while day <= last:
            found.append(("day", day, day + timedelta(days=1), day.strftime("%m-%d %a")))
            day += timedelta(days=1)
    monday = last - timedelta(days=last.weekday())
    for back in range(WEEKS, -1, -1):
        week = monday - timedelta(weeks=back)
        found.append(("week", week, week + timedelta(weeks=1), f"{week:%m-%d} 起 from"))
    for back in range(MONTHS, -1, -1):
        month = _month_start(last, back)
        found.append(("month", month, _month_start(month, -1), f"{month:%Y-%m}"))
    return found


def trends(store: EventStore, start: float, end: float, zone: tzinfo, now: float) -> list[TrendRow]:
    """Days of the report (at least the last 7; none past a month), its last weeks and
    months, each with the rates of the period before beside it; the first period of each unit
    only gives that."""
    listed = periods(start, end, zone)
    bounds = [(u, _midnight(a, zone), _midnight(b, zone), label) for u, a, b, label in listed]
    since = min(b[1] for b in bounds)
    until = max(b[2] for b in bounds)
    query = (
        select(EventRow.start, EventRow.type, EventRow.verdict, EventRow.role)
        .where(EventRow.start >= since, EventRow.start < until)
        .where(EventRow.type.in_(TREND_TYPES))
        .order_by(EventRow.start)
    )
    with store.engine.connect() as connection:
        rows = connection.execute(query).all()
    times = [row[0] for row in rows]
    finished = {str(v) for v in FINISHED_BOW_VERDICTS}
    found: list[TrendRow] = []
    previous: TrendRow | None = None
    for unit, begin, stop, label in bounds:
        counts = dict.fromkeys(("arrivals", "judged", "on_time", "bows", "standard"), 0)
        for _, kind, verdict, role in rows[bisect_left(times, begin) : bisect_left(times, stop)]:
            if kind == "customer_arrived":
                counts["arrivals"] += 1
            elif kind == "greeting_missed":
                counts["judged"] += 1
            elif kind == "greeting":
                counts["judged"] += 1
                counts["on_time"] += verdict != GreetingVerdict.LATE
            elif role == "staff" and verdict in finished:
                counts["bows"] += 1
                counts["standard"] += verdict == BowVerdict.TO_STANDARD
        row = TrendRow(
            unit=unit,
            start=begin,
            end=stop,
            label=label,
            arrivals=counts["arrivals"],
            judged=counts["judged"],
            on_time=counts["on_time"],
            bows=counts["bows"],
            bows_to_standard=counts["standard"],
            partial=stop > min(now, end) + 1e-3,
        )
        if previous is not None and previous.unit == unit:
            found.append(
                row.model_copy(
                    update={
                        "previous_on_time_rate": previous.on_time_rate,
                        "previous_bows_rate": previous.bows_rate,
                    }
                )
            )
        previous = row
    return found
