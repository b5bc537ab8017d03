"""What a shift report holds: the figures, per staff member and per post, and the moments
to coach; built by ``shift.py``, rendered by ``render.py``."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from etiquette.service.reports.arrivals import ArrivalAccount
from etiquette.service.reports.posture import PosturePeriod, PostureTimeline
from etiquette.service.reports.processes import ProcessRow
from etiquette.service.reports.trends import TrendRow
from etiquette.service.reports.uptime import CameraUptime

HISTOGRAM_EDGES = (0, 5, 10, 15, 20, 25, 30, 40, 60, 90)


def zone_of(name: str) -> tzinfo | None:
    """The time zone a report names: an IANA name or a fixed offset (UTC+08:00); None for
    none given (the machine's)."""
    if not name:
        return None
    if name.startswith("UTC") and len(name) == 9:
        sign = -1 if name[3] == "-" else 1
        return timezone(sign * timedelta(hours=int(name[4:6]), minutes=int(name[7:9])))
    return ZoneInfo(name)


class StaffSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    track: int
    camera: str
    bows: int
    bows_to_standard: int
    bow_depths: list[float]
    welcome_gestures: int
    guiding_gestures: int
    greetings: int
    posture_lapses: int
    posture_off_s: float


class PostSummary(BaseModel):
    """One door or desk post's numbers over the shift."""

    model_config = ConfigDict(frozen=True)

    post: str
    greetings_on_time: int
    greetings_late: int
    greetings_missed: int
    bows: int
    bows_to_standard: int
    welcome_gestures: int
    guiding_gestures: int
    posture_lapses: int
    posture_off_s: float

    @property
    def gestures(self) -> int:
        return self.welcome_gestures + self.guiding_gestures


class Moment(BaseModel):
    """One of the shift's worst moments, for the trainer to look at."""

    model_config = ConfigDict(frozen=True)

    event_id: int
    camera: str
    start: float
    what: str
    severity: float = Field(description="Larger is worse; the list is sorted by it.")
    clip_id: int | None = Field(
        None, description="The coaching clip of this event, if one was kept."
    )


class ShiftReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    site: str
    start: float
    end: float
    post: str | None
    events: int
    arrivals: int
    first_customer_at: float | None
    prompts: int
    greetings_on_time: int
    greetings_late: int
    greetings_missed: int
    greeting_latencies_s: list[float]
    bow_target_deg: float
    bow_tolerance_deg: float
    bow_depths: list[float]
    bows_to_standard: int
    bow_verdicts: dict[str, int]
    customer_bows: int = Field(
        0, description="Finished bows by people who are not staff (not etiquette; apart)."
    )
    welcome_gestures: int
    guiding_gestures: int
    posture_lapses: int
    posture_off_s: float
    staff: list[StaffSummary]
    posts: list[PostSummary] = Field(
        description="Per door or desk post, by name; events without a post are not in it.",
    )
    posture_by_hour: list[PosturePeriod] = Field(
        description="The hours with a posture lapse (where it started, local time); when the "
        "first and last are at most a day's hours apart, every hour between them too (zeros).",
    )
    posture_timeline: PostureTimeline = Field(
        default_factory=PostureTimeline,
        description="Posture lapses on the charts' time scale: the hours (as posture_by_hour) "
        "when they fit in a day, else the finest of days, weeks, months or years that lists "
        "every period between the first and the last in a few dozen (else the years with lapses).",
    )
    worst: list[Moment]
    time_zone: str = Field("", description="The site's time zone; every time is in it.")
    names: dict[str, str] = Field(
        default_factory=dict, description="Display names of the posts and cameras by id."
    )
    account: ArrivalAccount = Field(
        default_factory=ArrivalAccount,
        description="Every arrival of the period in exactly one bucket (they sum to arrivals).",
    )
    on_time_target: float = Field(0.9, description="The branch's on-time greeting target.")
    bows_target: float = Field(0.9, description="The branch's bows-to-standard target.")
    trends: list[TrendRow] = Field(
        default_factory=list, description="Days, weeks and months, each with the one before."
    )
    cameras: list[CameraUptime] = Field(
        default_factory=list, description="Each camera's uptime over the period (to now)."
    )
    processes: list[ProcessRow] = Field(
        default_factory=list,
        description="The rest of the deck: opening, guiding, diversion, teller, farewell.",
    )

    @property
    def zone(self) -> tzinfo | None:
        return zone_of(self.time_zone)

    @property
    def bows_rate(self) -> float | None:
        return self.bows_to_standard / len(self.bow_depths) if self.bow_depths else None

    @property
    def empty(self) -> bool:
        return self.events == 0

    @property
    def on_time_share(self) -> float | None:
        total = self.greetings_on_time + self.greetings_late + self.greetings_missed
        return self.greetings_on_time / total if total else None

    @property
    def median_latency_s(self) -> float | None:
        return statistics.median(self.greeting_latencies_s) if self.greeting_latencies_s else None

    def shift_label(self) -> str:
        fmt = "%Y-%m-%d %H:%M"
        start = datetime.fromtimestamp(self.start, self.zone).strftime(fmt)
        end = datetime.fromtimestamp(self.end, self.zone).strftime(fmt)
        zone = f" ({self.time_zone})" if self.time_zone else ""
        return f"{start} – {end}{zone}"
