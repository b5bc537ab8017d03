"""Today at a glance, for the manager's dashboard: the figures of the site's day so far, in
total and per post, computed by the shift report (one computation, so the dashboard and the
report never disagree)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as clock

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from etiquette.service.api.app import UNAUTHORISED, Viewer
from etiquette.service.config import SiteConfig
from etiquette.service.live.state import LiveState
from etiquette.service.reports.models import PostSummary, ShiftReport
from etiquette.service.reports.shift import attributed_post, shift_report
from etiquette.service.store.events import EventStore
from etiquette.service.vocabulary import named


class Figures(BaseModel):
    """What the manager looks at first."""

    model_config = ConfigDict(frozen=True)

    arrivals: int = Field(0, description="Customers who arrived.")
    greeted_on_time: int = Field(0, description="Greetings within the on-time limit.")
    greeted_late: int = Field(0, description="Greetings after the on-time limit.")
    missed: int = Field(0, description="Arrivals nobody greeted within the window.")
    bows: int = Field(0, description="Staff bows made (finished).")
    bows_to_standard: int = Field(0, description="Of those, bows to the standard depth.")
    posture_lapses: int = Field(0, description="Standing-posture lapses.")


class PostFigures(Figures):
    post: str = Field(description="The post's id (for /api/events?post=).")
    name: str = Field(description="What people read for the post.")


class Today(BaseModel):
    day: str = Field(description="The site's date today (YYYY-MM-DD).")
    start: float = Field(description="The site's midnight that began today (epoch s).")
    end: float = Field(description="The next midnight (epoch s).")
    time_zone: str
    totals: Figures
    posts: list[PostFigures] = Field(description="Every post of the site, with today's figures.")


def site_day(site: SiteConfig, now: float) -> tuple[str, float, float]:
    """The site's date at ``now`` and its two midnights (a DST day is 23 or 25 hours)."""
    zone = site.zone_info()
    today = datetime.fromtimestamp(now, zone).date()
    start = datetime.combine(today, clock(0), tzinfo=zone).timestamp()
    end = datetime.combine(today + timedelta(days=1), clock(0), tzinfo=zone).timestamp()
    return today.isoformat(), start, end


def _post_figures(summary: PostSummary | None, post: str, name: str, arrivals: int) -> PostFigures:
    if summary is None:
        return PostFigures(post=post, name=name, arrivals=arrivals)
    return PostFigures(
        post=post,
        name=name,
        arrivals=arrivals,
        greeted_on_time=summary.greetings_on_time,
        greeted_late=summary.greetings_late,
        missed=summary.greetings_missed,
        bows=summary.bows,
        bows_to_standard=summary.bows_to_standard,
        posture_lapses=summary.posture_lapses,
    )


def today_figures(
    site: SiteConfig, store: EventStore, posts: list[str], now: float | None = None
) -> Today:
    """Today's figures from the shift report of the site's day so far."""
    day, start, end = site_day(site, time.time() if now is None else now)
    report: ShiftReport = shift_report(store, site, start, end)
    door_post = site.rules.greeting.door_post
    # The report has no arrivals per post; they count where the report puts them (door post).
    arrived: dict[str | None, int] = {}
    for event in store.events(since=start, until=end, types=["customer_arrived"], limit=100_000):
        where = attributed_post(event, door_post)
        arrived[where] = arrived.get(where, 0) + 1
    summaries = {summary.post: summary for summary in report.posts}
    every_post = sorted({door_post, *posts, *summaries})
    totals = Figures(
        arrivals=report.arrivals,
        greeted_on_time=report.greetings_on_time,
        greeted_late=report.greetings_late,
        missed=report.greetings_missed,
        bows=len(report.bow_depths),
        bows_to_standard=report.bows_to_standard,
        posture_lapses=report.posture_lapses,
    )
    return Today(
        day=day,
        start=start,
        end=end,
        time_zone=site.time_zone_name(),
        totals=totals,
        posts=[
            _post_figures(summaries.get(post), post, named(site.names, post), arrived.get(post, 0))
            for post in every_post
        ],
    )


def today_router(site: SiteConfig) -> APIRouter:
    router = APIRouter()

    @router.get("/api/today", response_model=Today, responses=UNAUTHORISED, tags=["reports"])
    def today(_: Viewer, request: Request) -> Today:
        """Today's figures (the site's day so far), in total and per post."""
        live: LiveState = request.app.state.live
        return today_figures(site, request.app.state.store, live.posts)

    return router
