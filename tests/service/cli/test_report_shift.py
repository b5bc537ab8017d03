"""`etiquette report --shift`: a shift's clock times are the branch's, from the site file's
time zone, whatever zone the box itself runs in."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from etiquette.service.cli.serve import parse_shift
from etiquette.service.config import SiteError

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_clock_times_are_read_in_the_branch_zone() -> None:
    start, end = parse_shift("2026-12-07T08:30/2026-12-07T12:00", SHANGHAI)
    assert start == datetime(2026, 12, 7, 8, 30, tzinfo=SHANGHAI).timestamp()
    assert end == datetime(2026, 12, 7, 12, 0, tzinfo=SHANGHAI).timestamp()


def test_a_zone_given_in_the_shift_wins() -> None:
    start, _ = parse_shift("2026-12-07T00:30+00:00/2026-12-07T04:00+00:00", SHANGHAI)
    assert start == datetime(2026, 12, 7, 0, 30, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    "text", ["2026-12-07T08:30", "yesterday/today", "2026-12-07T12:00/2026-12-07T08:30"]
)
def test_a_bad_shift_says_how_to_write_one(text: str) -> None:
    with pytest.raises(SiteError, match="--shift"):
        parse_shift(text, SHANGHAI)
