"""The site's opening hours: parsing, time zones (the branch's, never the box's), holidays,
extra working days, daylight saving, and the messages a wrong site file gets."""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from etiquette.service.cameras.runner import RunnerJob
from etiquette.service.cameras.scene import scene_context
from etiquette.service.config import SiteError, load_site
from etiquette.service.schedule import Schedule, ScheduleConfig
from tests.service.cameras.test_runner_restart import _site as _runner_site
from tests.service.cameras.test_runner_restart import _supervisor

WEEK = {"mon": "09:00", "tue": "09:00", "wed": "09:00", "thu": "09:00", "fri": "09:00"}
WEEK_YAML = """
  opening:
    mon: "09:00"
    tue: "09:00"
    wed: "09:00"
    thu: "09:00"
    fri: "09:00"
    sat: "09:30"
    sun: null
"""


def _epoch(text: str, zone: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp()


def _site(tmp_path: Path, schedule: str, time_zone: str = "Asia/Shanghai") -> Path:
    path = tmp_path / "site.yaml"
    path.write_text(
        f"time_zone: {time_zone}\ncameras:\n  - name: door\n    source: '0'\nschedule:{schedule}",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def box_in_utc() -> Iterator[None]:
    """The machine's own clock in UTC (a server), whatever the branch's zone."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_a_shanghai_branch_on_a_utc_box_opens_at_nine_shanghai_time(
    tmp_path: Path, box_in_utc: None
) -> None:
    site = load_site(_site(tmp_path, WEEK_YAML))
    schedule = site.opening_schedule()
    assert schedule is not None
    # Friday 2026-12-04 07:00 Shanghai (Thursday 23:00 UTC): opens at 09:00 Shanghai, 01:00 UTC.
    opening = schedule.next_opening(_epoch("2026-12-04T07:00", "Asia/Shanghai"))
    assert opening == datetime(2026, 12, 4, 1, 0, tzinfo=UTC).timestamp()
    # At the very opening it is that opening; a second later, the next working day's.
    assert schedule.next_opening(opening) == opening  # type: ignore[arg-type]
    saturday = schedule.next_opening(opening + 1)  # type: ignore[operator]
    assert saturday == _epoch("2026-12-05T09:30", "Asia/Shanghai")
    # Saturday after opening: Sunday is closed, so Monday 09:00.
    assert schedule.next_opening(saturday + 60) == _epoch(  # type: ignore[operator]
        "2026-12-07T09:00", "Asia/Shanghai"
    )


def test_holidays_are_skipped_and_extra_days_open() -> None:
    config = ScheduleConfig.model_validate(
        {
            "opening": WEEK,
            "holidays": ["2026-10-01", "2026-10-02"],
            "extra_days": {"2026-10-10": "10:00"},  # a Saturday worked for a holiday (调休)
        }
    )
    schedule = Schedule(config, ZoneInfo("Asia/Shanghai"))
    # 2026-09-30 is a Wednesday: after its opening, Thursday and Friday are holidays.
    after = _epoch("2026-09-30T12:00", "Asia/Shanghai")
    assert schedule.next_opening(after) == _epoch("2026-10-05T09:00", "Asia/Shanghai")
    after = _epoch("2026-10-09T12:00", "Asia/Shanghai")
    assert schedule.next_opening(after) == _epoch("2026-10-10T10:00", "Asia/Shanghai")


def test_closed_for_longer_than_the_look_ahead_is_none() -> None:
    schedule = Schedule(ScheduleConfig(), ZoneInfo("Asia/Shanghai"))
    assert schedule.next_opening(_epoch("2026-12-04T07:00", "Asia/Shanghai")) is None
    holidays = [f"2026-10-{day:02d}" for day in range(1, 11)]
    closed = Schedule(
        ScheduleConfig.model_validate({"opening": WEEK, "holidays": holidays}),
        ZoneInfo("Asia/Shanghai"),
    )
    assert closed.next_opening(_epoch("2026-09-30T12:00", "Asia/Shanghai")) is None


@pytest.mark.parametrize(
    ("before", "after", "utc_hour"),
    [
        ("2026-03-27T12:00", "2026-03-30T09:00", 7),  # Monday after the spring change: CEST
        ("2026-10-23T12:00", "2026-10-26T09:00", 8),  # Monday after the autumn change: CET
        ("2026-01-09T12:00", "2026-01-12T09:00", 8),  # winter: CET
    ],
)
def test_a_berlin_branch_opens_at_nine_local_across_daylight_saving(
    before: str, after: str, utc_hour: int
) -> None:
    schedule = Schedule(ScheduleConfig.model_validate({"opening": WEEK}), ZoneInfo("Europe/Berlin"))
    opening = schedule.next_opening(_epoch(before, "Europe/Berlin"))
    assert opening == _epoch(after, "Europe/Berlin")
    assert datetime.fromtimestamp(opening, UTC).hour == utc_hour  # type: ignore[arg-type]


def test_no_schedule_means_no_opening_checks(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("cameras:\n  - name: door\n    source: '0'\n", encoding="utf-8")
    assert load_site(path).opening_schedule() is None


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ('\n  opening:\n    mon: "9am"\n', "'schedule.opening.mon': '9am' is not HH:MM"),
        ('\n  opening:\n    mon: "24:00"\n', "'schedule.opening.mon': '24:00' is not HH:MM"),
        (
            "\n  opening:\n    tue: 10:30\n",
            r'630 is not HH:MM; write the time in quotes, e.g. "10:30"',
        ),
        ('\n  opening:\n    monday: "09:00"\n', "unknown key 'schedule.opening.monday'"),
        ('\n  holidays: ["2026-02-30"]\n', "'schedule.holidays.0': Input should be a valid date"),
        ("\n  holidays: [2026-13-01]\n", r"not valid YAML \(month must be in 1..12\)"),
        ('\n  extra_days:\n    2026-10-10: "8"\n', "2026-10-10: '8' is not HH:MM"),
        (
            '\n  holidays: [2026-10-10]\n  extra_days:\n    2026-10-10: "09:00"\n',
            "2026-10-10 is both a holiday and an extra working day",
        ),
    ],
)
def test_bad_schedules_say_what_to_fix(tmp_path: Path, schedule: str, message: str) -> None:
    with pytest.raises(SiteError, match=message) as raised:
        load_site(_site(tmp_path, schedule))
    print(f"\n{raised.value}")


def test_the_camera_runners_are_given_the_sites_schedule(tmp_path: Path) -> None:
    """The supervisor hands each runner the schedule (it crosses a process boundary: it must
    pickle), and the runner's rules ask it for the next opening."""
    site = _runner_site(tmp_path).model_copy(
        update={
            "time_zone": "Asia/Shanghai",
            "schedule": ScheduleConfig.model_validate({"opening": WEEK}),
        }
    )
    jobs: list[RunnerJob] = []
    supervisor, store = _supervisor(site, jobs)
    try:
        supervisor._spawn("lobby")
    finally:
        store.close()
    schedule = pickle.loads(pickle.dumps(jobs[-1].schedule))
    assert schedule is not None
    after = _epoch("2026-12-04T07:00", "Asia/Shanghai")
    assert schedule.next_opening(after) == _epoch("2026-12-04T09:00", "Asia/Shanghai")
    context = scene_context(None, schedule.next_opening)
    assert context.next_opening is not None
    assert context.next_opening(after) == schedule.next_opening(after)
    assert scene_context(None).next_opening is None
