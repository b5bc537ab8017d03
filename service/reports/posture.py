"""Posture lapses over time for the shift report: by hour, and on the chart's time scale (the
hours of a shift or day; over longer spans days, weeks, months or years), at a cost bounded by
the number of lapses, never by the time between the first and the last."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta, tzinfo
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PostureUnit = Literal["hour", "day", "week", "month", "year"]
# The time scale is the finest unit with at most this many periods from the first lapse's to
# the last's; those are all listed, zeros too. Beyond the last, only periods with lapses.
MOST_PERIODS: dict[PostureUnit, int] = {"hour": 24, "day": 31, "week": 26, "month": 36, "year": 36}
LABELS: dict[PostureUnit, str] = {
    "hour": "%H:%M",
    "day": "%Y-%m-%d",
    "week": "%Y-%m-%d",  # its Monday
    "month": "%Y-%m",
    "year": "%Y",
}


class PosturePeriod(BaseModel):
    """Posture lapses that started within one period (local time): an hour, day, week (from
    Monday), month or year."""

    model_config = ConfigDict(frozen=True)

    start: float = Field(description="The period's start (epoch seconds, local time).")
    lapses: int
    off_s: float = Field(description="The lapses' off-standard time, summed (seconds).")
    unit: PostureUnit = "hour"

    def label(self, zone: tzinfo | None = None) -> str:
        return datetime.fromtimestamp(self.start, zone).strftime(LABELS[self.unit])


class PostureTimeline(BaseModel):
    """Posture lapses on a time scale that suits the span they cover (the chart, the table)."""

    model_config = ConfigDict(frozen=True)

    unit: PostureUnit = "hour"
    complete: bool = Field(
        True,
        description="Every period from the first lapse's to the last's is listed, zeros too; "
        "false: only the periods with lapses (too many years between them).",
    )
    periods: list[PosturePeriod] = Field(default_factory=list)


def period_start(timestamp: float, unit: PostureUnit, zone: tzinfo | None = None) -> float:
    """The start of the hour, day, week (Monday), month or year ``timestamp`` is in, in
    ``zone`` (default: the machine's)."""
    moment = datetime.fromtimestamp(timestamp, zone)
    if unit == "hour":
        return moment.replace(minute=0, second=0, microsecond=0).timestamp()
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0, fold=0)
    if unit == "week":
        day -= timedelta(days=day.weekday())
    elif unit == "month":
        day = day.replace(day=1)
    elif unit == "year":
        day = day.replace(month=1, day=1)
    return day.timestamp()


# From a period's start, a time in the next period whatever the DST changes and month lengths.
_INTO_NEXT: dict[PostureUnit, float] = {
    "hour": 3601.0,
    "day": 26 * 3600.0,
    "week": 7 * 86400 + 7200.0,
    "month": 32 * 86400.0,
    "year": 367 * 86400.0,
}


def next_period(start: float, unit: PostureUnit, zone: tzinfo | None = None) -> float:
    """The start of the period after the one starting at ``start`` (never backwards, across a
    DST change too)."""
    return max(period_start(start + _INTO_NEXT[unit], unit, zone), start + 1800)


def _periods(
    lapses: list[tuple[float, float]], unit: PostureUnit, zone: tzinfo | None = None
) -> tuple[list[PosturePeriod], bool]:
    """Lapses (start, off_s) by the period they started in, and whether every period from the
    first to the last is listed (at most MOST_PERIODS[unit] of them; else only those with
    lapses). Costs O(lapses + MOST_PERIODS)."""
    if not lapses:
        return [], True
    counts: Counter[float] = Counter()
    seconds: defaultdict[float, float] = defaultdict(float)
    for start, off in lapses:
        period = period_start(start, unit, zone)
        counts[period] += 1
        seconds[period] += off
    starts, last = set(counts), max(counts)
    walked = [min(counts)]
    while walked[-1] < last and len(walked) < MOST_PERIODS[unit]:
        walked.append(next_period(walked[-1], unit, zone))
    complete = walked[-1] >= last
    if complete:
        starts.update(walked)
    periods = [
        PosturePeriod(start=s, lapses=counts[s], off_s=round(seconds[s], 1), unit=unit)
        for s in sorted(starts)
    ]
    return periods, complete


def by_hour(lapses: list[tuple[float, float]], zone: tzinfo | None = None) -> list[PosturePeriod]:
    """The hours with a lapse; when they are at most a day's hours apart, every hour between
    them too (zeros)."""
    return _periods(lapses, "hour", zone)[0]


def timeline(lapses: list[tuple[float, float]], zone: tzinfo | None = None) -> PostureTimeline:
    """The lapses by the finest unit that lists every period from the first to the last in at
    most MOST_PERIODS[unit]; past all of them, the years with lapses."""
    if not lapses:
        return PostureTimeline()
    unit: PostureUnit
    for unit in ("hour", "day", "week", "month", "year"):
        periods, complete = _periods(lapses, unit, zone)
        if complete:
            break
    return PostureTimeline(unit=unit, complete=complete, periods=periods)
