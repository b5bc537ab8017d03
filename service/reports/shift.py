"""Post-shift etiquette reports: what happened in a shift, per post and staff member, from the
stored events (the numbers; the formats are in render.py; the models in models.py)."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo

from etiquette.rules.events import (
    FINISHED_BOW_VERDICTS,
    ArrivalEvent,
    BowEvent,
    BowVerdict,
    GestureEvent,
    GreetingEvent,
    GreetingVerdict,
    MissedEvent,
    PostureEvent,
)
from etiquette.service.config import SiteConfig
from etiquette.service.reports.arrivals import account
from etiquette.service.reports.models import Moment, PostSummary, ShiftReport, StaffSummary
from etiquette.service.reports.posture import by_hour, timeline
from etiquette.service.reports.processes import process_rows
from etiquette.service.reports.trends import trends
from etiquette.service.reports.uptime import uptime
from etiquette.service.store.events import EventStore, StoredEvent
from etiquette.service.vocabulary import label, quantity

# The greeting timer reports an arrival's outcome at most this long after it (its window, an
# act in progress, a margin): till then an arrival without one is pending, after it lost.
SETTLE_MARGIN_S = 15.0
OUTCOMES = ("greeting", "greeting_missed")

WORST_MOMENTS = 8


@dataclass
class _Tally:
    """One staff member's counts while the events are read."""

    depths: list[float] = field(default_factory=list)
    standard: int = 0
    welcome: int = 0
    guiding: int = 0
    greetings: int = 0
    lapses: int = 0
    off_s: float = 0.0

    def summary(self, camera: str, track: int) -> StaffSummary:
        return StaffSummary(
            track=track,
            camera=camera,
            bows=len(self.depths),
            bows_to_standard=self.standard,
            bow_depths=[round(d, 1) for d in self.depths],
            welcome_gestures=self.welcome,
            guiding_gestures=self.guiding,
            greetings=self.greetings,
            posture_lapses=self.lapses,
            posture_off_s=round(self.off_s, 1),
        )


@dataclass
class _PostTally:
    """One post's counts while the events are read."""

    on_time: int = 0
    late: int = 0
    missed: int = 0
    bows: int = 0
    standard: int = 0
    welcome: int = 0
    guiding: int = 0
    lapses: int = 0
    off_s: float = 0.0

    def summary(self, post: str) -> PostSummary:
        return PostSummary(
            post=post,
            greetings_on_time=self.on_time,
            greetings_late=self.late,
            greetings_missed=self.missed,
            bows=self.bows,
            bows_to_standard=self.standard,
            welcome_gestures=self.welcome,
            guiding_gestures=self.guiding,
            posture_lapses=self.lapses,
            posture_off_s=round(self.off_s, 1),
        )


# Greeting outcomes and what leads to them: stored without a post (only posture values carry
# one), they belong to the door post.
DOOR_EVENTS = frozenset({"greeting", "greeting_missed", "greeting_prompt", "customer_arrived"})


def attributed_post(event: StoredEvent, door_post: str | None) -> str | None:
    """The post an event counts for: its own, or for door events stored without one (the
    greeting timer does not know posts) the door post."""
    if event.post is None and event.event.type in DOOR_EVENTS:
        return door_post
    return event.post


def build_report(
    events: list[StoredEvent],
    *,
    site: str,
    start: float,
    end: float,
    post: str | None,
    bow_target_deg: float,
    bow_tolerance_deg: float,
    clips: Mapping[int, int] | None = None,
    door_post: str | None = None,
    zone: tzinfo | None = None,
    later_outcomes: Sequence[StoredEvent] = (),
    now: float | None = None,
    settle_s: float = 60.0,
) -> ShiftReport:
    """Aggregate one shift's stored events. ``clips`` maps a stored event id to its coaching
    clip's id, so that the worst moments link to what the trainer can watch. Greeting events
    (and arrivals, prompts) stored without a post count for ``door_post`` in the posts table.
    Arrivals are accounted for with the outcomes among ``events`` and ``later_outcomes`` (those
    stored just after the end, for the last arrivals); one without is pending until
    ``settle_s`` after it (as of ``now``), then lost. Hours are those of ``zone``."""
    clip_of = clips or {}
    kinds = Counter(e.event.type for e in events)
    staff: dict[tuple[str, int], _Tally] = defaultdict(_Tally)
    posts: dict[str, _PostTally] = defaultdict(_PostTally)
    lapses: list[tuple[float, float]] = []
    depths: list[float] = []
    latencies: list[float] = []
    worst: list[Moment] = []
    verdicts: Counter[str] = Counter()
    customer_bows = 0
    late = 0
    off_total = 0.0
    first_customer = None

    def moment(event: StoredEvent, what: str, severity: float) -> Moment:
        return Moment(
            event_id=event.id,
            camera=event.camera,
            start=event.event.start,
            what=what,
            severity=severity,
            clip_id=clip_of.get(event.id),
        )

    for stored in events:
        event = stored.event
        tally = staff[(stored.camera, event.track)]
        name = attributed_post(stored, door_post)
        at = posts[name] if name is not None else _PostTally()  # a throwaway without a post
        if isinstance(event, ArrivalEvent) and first_customer is None:
            first_customer = event.start
        elif isinstance(event, BowEvent) and event.verdict in FINISHED_BOW_VERDICTS:
            if event.role != "staff":
                customer_bows += 1
                continue
            depth = event.values.peak_deg
            tally.depths.append(depth)
            depths.append(depth)
            verdicts[event.verdict or "unknown"] += 1
            at.bows += 1
            if event.verdict == BowVerdict.TO_STANDARD:
                tally.standard += 1
                at.standard += 1
            else:
                what = _what("bow", label("verdict", event.verdict), depth, "deg", event.track)
                worst.append(moment(stored, what, severity=abs(depth - bow_target_deg)))
        elif isinstance(event, GestureEvent) and event.role == "staff":
            if event.type == "welcome_gesture":
                tally.welcome += 1
                at.welcome += 1
            else:
                tally.guiding += 1
                at.guiding += 1
        elif isinstance(event, GreetingEvent):
            latency = event.values.latency_s
            latencies.append(latency)
            tally.greetings += 1
            if event.verdict == GreetingVerdict.LATE:
                late += 1
                at.late += 1
                what = _what("greeting", label("verdict", "late"), latency, "s", event.track)
                # Below a missed greeting (100), above bows and most posture lapses.
                worst.append(moment(stored, what, severity=50.0 + latency))
            else:
                at.on_time += 1
        elif isinstance(event, MissedEvent):
            at.missed += 1
            missed = f"{label('event', 'greeting_missed')} · greeting missed"
            worst.append(moment(stored, missed, severity=100.0))
        elif isinstance(event, PostureEvent):
            off = event.values.off_s
            off_total += off
            tally.lapses += 1
            tally.off_s += off
            at.lapses += 1
            at.off_s += off
            lapses.append((event.start, off))
            listed = "、".join(label("posture_fault", r) for r in event.values.reasons)
            what = _what(
                "posture", listed or label("verdict", "off_standard"), off, "s", event.track
            )
            worst.append(moment(stored, what, severity=10.0 + off))
    low, high = bow_target_deg - bow_tolerance_deg, bow_target_deg + bow_tolerance_deg
    summaries = [
        tally.summary(camera, track)
        for (camera, track), tally in sorted(staff.items())
        if tally.depths or tally.welcome or tally.guiding or tally.greetings or tally.lapses
    ]
    return ShiftReport(
        site=site,
        start=start,
        end=end,
        post=post,
        events=len(events),
        arrivals=kinds["customer_arrived"],
        first_customer_at=first_customer,
        prompts=kinds["greeting_prompt"],
        greetings_on_time=kinds["greeting"] - late,
        greetings_late=late,
        greetings_missed=kinds["greeting_missed"],
        greeting_latencies_s=[round(v, 3) for v in latencies],
        bow_target_deg=bow_target_deg,
        bow_tolerance_deg=bow_tolerance_deg,
        bow_depths=[round(d, 1) for d in depths],
        bows_to_standard=sum(1 for d in depths if low <= d <= high),
        bow_verdicts=dict(verdicts),
        customer_bows=customer_bows,
        welcome_gestures=kinds["welcome_gesture"],
        guiding_gestures=kinds["guiding_gesture"],
        posture_lapses=kinds["posture"],
        posture_off_s=round(off_total, 1),
        staff=summaries,
        posts=[posts[name].summary(name) for name in sorted(posts)],
        posture_by_hour=by_hour(lapses, zone),
        posture_timeline=timeline(lapses, zone),
        worst=sorted(worst, key=lambda m: -m.severity)[:WORST_MOMENTS],
        processes=process_rows(events),
        account=account(
            [e for e in events if e.event.type == "customer_arrived"],
            [e for e in (*events, *later_outcomes) if e.event.type in OUTCOMES],
            now=time.time() if now is None else now,
            settle_s=settle_s,
        ),
    )


def _what(kind: str, verdict: str, value: float, unit: str, track: int) -> str:
    """A moment as the trainer reads it: 鞠躬 幅度不够 4° · 员工 3 号 (bow too shallow, staff 3)."""
    return (
        f"{label('event', kind)} {verdict} {quantity(value, unit)} · 员工 {track} 号 staff #{track}"
    )


def shift_report(
    store: EventStore, site: SiteConfig, start: float, end: float, post: str | None = None
) -> ShiftReport:
    """The report of one shift from the store, its worst moments linked to their clips, with
    its trends, targets and camera uptime, in the site's time zone."""
    door_post = site.rules.greeting.door_post
    greeting = site.rules.greeting
    settle_s = greeting.window_s + greeting.group_s + SETTLE_MARGIN_S
    events = store.events(since=start, until=end, limit=10_000_000)
    later = store.events(since=end, until=end + settle_s, types=OUTCOMES, limit=100_000)
    if post is not None:  # after attribution: the door post's report has its greetings
        events = [event for event in events if attributed_post(event, door_post) == post]
        later = [event for event in later if attributed_post(event, door_post) == post]
    now = time.time()
    zone = site.zone_info()
    names = {**site.names, **{camera.name: camera.shown_name for camera in site.cameras}}
    built = build_report(
        events,
        site=site.site,
        start=start,
        end=end,
        post=post,
        bow_target_deg=site.rules.bow.target_deg,
        bow_tolerance_deg=site.rules.bow.tolerance_deg,
        clips=store.clips.by_event(start, end),
        door_post=door_post,
        zone=zone,
        later_outcomes=later,
        now=now,
        settle_s=settle_s,
    )
    shown_until = min(end, max(now, start))
    cameras = {camera.name: camera.shown_name for camera in site.cameras}
    targets = site.reports.targets
    return built.model_copy(
        update={
            "time_zone": site.time_zone_name(),
            "names": names,
            "on_time_target": targets.on_time_rate,
            "bows_target": targets.bows_to_standard_rate,
            "trends": trends(store, start, end, zone, now),
            "cameras": uptime(
                store.camera_status.changes(start, shown_until), cameras, start, shown_until
            ),
        }
    )
