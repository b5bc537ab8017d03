"""The branch's opening hours: when it opens on each weekday, the holidays it stays closed
and the extra days it opens (调休), in the branch's own time zone. The opening line-up rule
asks it for the next opening as capture-clock (epoch) seconds."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from pydantic import Field, field_validator, model_validator

from etiquette.settings import Settings

# A weekly schedule with one open day finds it within a week; one more day covers the rest
# of today.
LOOKAHEAD_DAYS = 8
HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock(value: Any) -> Any:
    """A time of day as "HH:MM" (24-hour); the messages say how to write one."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML reads 10:30 unquoted as the base-60 number 630.
        raise ValueError(
            f'{value} is not HH:MM; write the time in quotes, e.g. "10:30" '
            "(unquoted, YAML reads 10:30 as the number 630)"
        )
    if not isinstance(value, str) or not HH_MM.match(value):
        raise ValueError(f'{value!r} is not HH:MM (24-hour, e.g. "09:00")')
    return value


def _parse(clock: str) -> time:
    hours, minutes = clock.split(":")
    return time(int(hours), int(minutes))


class WeeklyOpening(Settings):
    """When the branch opens on each weekday; null (or left out): closed that day."""

    mon: str | None = Field(None, description="Monday's opening time, HH:MM (null: closed).")
    tue: str | None = Field(None, description="Tuesday's opening time, HH:MM (null: closed).")
    wed: str | None = Field(None, description="Wednesday's opening time, HH:MM (null: closed).")
    thu: str | None = Field(None, description="Thursday's opening time, HH:MM (null: closed).")
    fri: str | None = Field(None, description="Friday's opening time, HH:MM (null: closed).")
    sat: str | None = Field(None, description="Saturday's opening time, HH:MM (null: closed).")
    sun: str | None = Field(None, description="Sunday's opening time, HH:MM (null: closed).")

    _times = field_validator(*WEEKDAYS, mode="before")(_clock)

    def on(self, day: date) -> str | None:
        return getattr(self, WEEKDAYS[day.weekday()])  # type: ignore[no-any-return]


class ScheduleConfig(Settings):
    """开门时间 The branch's opening hours, in its time zone (time_zone)."""

    opening: WeeklyOpening = Field(
        default_factory=WeeklyOpening,
        title="开门时间 Opening times",
        description=(
            'Opening time per weekday, e.g. mon: "09:00" ... sun: null (closed). Quote the times.'
        ),
    )
    holidays: list[date] = Field(
        default_factory=list,
        title="休息日 Holidays",
        description="Dates the branch stays closed whatever the weekday (YYYY-MM-DD).",
    )
    extra_days: dict[date, str] = Field(
        default_factory=dict,
        title="调休上班 Extra working days",
        description=(
            "Dates the branch opens outside its weekly hours (调休) or at another time, "
            'with that opening time: e.g. 2026-10-10: "09:00".'
        ),
    )

    @field_validator("extra_days", mode="before")
    @classmethod
    def _extra_times(cls, days: Any) -> Any:
        if isinstance(days, dict):
            for day, clock in days.items():
                try:
                    _clock(clock)
                except ValueError as error:
                    raise ValueError(f"{day}: {error}") from None
        return days

    @model_validator(mode="after")
    def _not_both(self) -> ScheduleConfig:
        both = sorted(set(self.holidays) & set(self.extra_days))
        if both:
            listed = ", ".join(d.isoformat() for d in both)
            raise ValueError(f"{listed} is both a holiday and an extra working day; keep one")
        return self

    def opening_on(self, day: date) -> str | None:
        """The opening time on a local date (None: closed)."""
        if day in self.holidays:
            return None
        return self.extra_days.get(day) or self.opening.on(day)


class Schedule:
    """Opening hours in a time zone, answering with epoch seconds."""

    def __init__(self, config: ScheduleConfig, zone: tzinfo) -> None:
        self.config, self.zone = config, zone

    def next_opening(self, after: float) -> float | None:
        """The first opening at or after ``after`` (epoch seconds) within LOOKAHEAD_DAYS;
        None if the branch does not open in that time. A local time that a daylight-saving
        change skips is read with the offset before the change."""
        today = datetime.fromtimestamp(after, self.zone).date()
        for offset in range(LOOKAHEAD_DAYS + 1):
            day = today + timedelta(days=offset)
            clock = self.config.opening_on(day)
            if clock is None:
                continue
            opening = datetime.combine(day, _parse(clock), tzinfo=self.zone).timestamp()
            if opening >= after:
                return opening
        return None
