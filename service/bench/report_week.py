"""`etiquette bench-report`: a week of synthetic shifts (two posts, about 1,000 events a day)
written into a real SQLite store in a temporary folder, then the weekly report built and
rendered as HTML, PDF and CSV, timed. The same week is what the report's tests and screenshots
look at."""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from etiquette.rules.events import (
    ArrivalValues,
    BowValues,
    Event,
    GestureValues,
    GreetingValues,
    MissedValues,
    PostureValues,
    PromptValues,
    parse_event,
)
from etiquette.service.config import SiteConfig
from etiquette.service.store.camera_status import CameraStatusRow
from etiquette.service.store.events import EventStore
from etiquette.service.store.models import EventRow

DOOR, DESK = "door_post", "desk_1"
CAMERAS = {"lobby": "大堂门口", "counter": "柜台"}
NAMES = {DOOR: "门口迎宾岗", DESK: "1 号柜台"}
OPENS, CLOSES = 8.5, 17.5  # the shift, local hours
# On the third day of the last week the counter camera is offline 10:00-12:00.
OUTAGE = (5, 10.0, 12.0)  # days before the end, from, to (hours)


def demo_site(data_dir: Path, time_zone: str = "Asia/Shanghai") -> SiteConfig:
    return SiteConfig.model_validate(
        {
            "site": "演示支行 Demo branch",
            "time_zone": time_zone,
            "names": NAMES,
            "cameras": [{"name": c, "display_name": n, "source": "0"} for c, n in CAMERAS.items()],
            "storage": {"data_dir": str(data_dir)},
            "server": {"base_url": "http://10.1.2.3:8080"},
        }
    )


def _event(kind: str, t: float, track: int, role: str, values: Any, **more: Any) -> Event:
    fields = {"type": kind, "phase": "end", "track": track, "role": role, "start": t}
    return parse_event({**fields, "end": more.pop("end", t), "values": values, **more})


def _day_events(rng: random.Random, opens: float, per_day: int) -> list[tuple[str, Event]]:
    """One shift: greeting opportunities at the door (some customers together, a few with no
    verdict), then bows, gestures and posture lapses at both posts up to ``per_day`` events."""
    made: list[tuple[str, Event]] = []
    span = (CLOSES - OPENS) * 3600
    customer = 1000
    for index in range(max(1, per_day // 8)):
        t = opens + (index + rng.random()) * span / max(1, per_day // 8)
        together = 2 if rng.random() < 0.15 else 1
        for joined in range(together):
            floor = ArrivalValues(first_of_day=index == 0 and joined == 0, floor=(0.2, 0.5))
            made.append(
                ("lobby", _event("customer_arrived", t + 2 * joined, customer, "customer", floor))
            )
            customer += 1
        made.append(
            (
                "lobby",
                _event(
                    "greeting_prompt",
                    t,
                    customer - together,
                    "customer",
                    PromptValues(text="客户进门，请迎宾", customers=1),
                ),
            )
        )
        fate = rng.random()
        if fate < 0.04:
            continue  # the track was lost before a verdict
        if fate < 0.16:
            values = MissedValues(customers=together, staff_present=rng.random() < 0.5)
            made.append(
                (
                    "lobby",
                    _event(
                        "greeting_missed", t, customer - together, "customer", values, end=t + 10
                    ),
                )
            )
            continue
        latency = round(rng.uniform(0.2, 2.0) if fate < 0.85 else rng.uniform(2.2, 6.0), 3)
        verdict = "on_time" if latency <= 2.0 else "late"
        greeted = GreetingValues(latency_s=latency, by_track=1, customers=together)
        made.append(
            (
                "lobby",
                _event(
                    "greeting",
                    t + latency,
                    1,
                    "staff",
                    greeted,
                    end=t + latency + 1.5,
                    verdict=verdict,
                ),
            )
        )
    while len(made) < per_day:
        t = opens + rng.random() * span
        camera, track = ("lobby", 1) if rng.random() < 0.5 else ("counter", 2)
        kind = rng.random()
        if kind < 0.5:
            depth = rng.gauss(15, 5)
            verdict = (
                "to_standard" if 10 <= depth <= 20 else "too_shallow" if depth < 10 else "too_deep"
            )
            bow = BowValues(
                peak_deg=depth, time_to_peak_s=0.7, hold_s=0.3, duration_s=1.5, reference="gravity"
            )
            made.append(
                (camera, _event("bow", t, track, "staff", bow, end=t + 1.5, verdict=verdict))
            )
        elif kind < 0.85:
            gesture = GestureValues(
                hand="right", sweep=0.6, fingers_together_share=0.9, duration_s=1
            )
            name = "welcome_gesture" if camera == "lobby" else "guiding_gesture"
            made.append((camera, _event(name, t, track, "staff", gesture, end=t + 1)))
        else:
            post = DOOR if camera == "lobby" else DESK
            reasons = [rng.choice(("leaning", "arms_crossed", "head_down", "hands_behind_back"))]
            off = round(rng.uniform(6, 90), 1)
            lapse = PostureValues(off_s=off, reasons=reasons, post=post)
            made.append(
                (
                    camera,
                    _event(
                        "posture", t, track, "staff", lapse, end=t + off, verdict="off_standard"
                    ),
                )
            )
    return made


def write_week(
    store: EventStore,
    site: SiteConfig,
    first: date,
    days: int = 7,
    per_day: int = 1000,
    seed: int = 0,
) -> int:
    """Store ``days`` synthetic shifts from ``first`` (site time) in one transaction per day,
    with the cameras' status changes (online all week but the outage); the events written."""
    rng = random.Random(seed)
    zone = site.zone_info()
    written = 0
    created = datetime.now(UTC)
    with Session(store.engine) as session, session.begin():
        start = datetime.combine(first, datetime.min.time(), zone).timestamp()
        for camera in CAMERAS:
            session.add(CameraStatusRow(camera=camera, at=start - 3600, online=True, reason=None))
        days_back, hour_from, hour_to = OUTAGE
        day_number = days - days_back
        if day_number >= 0:
            outage_day = datetime.combine(
                first + timedelta(days=day_number), datetime.min.time(), zone
            )
            down = outage_day.timestamp() + hour_from * 3600
            session.add(
                CameraStatusRow(
                    camera="counter", at=down, online=False, reason="no frames from the camera"
                )
            )
            session.add(
                CameraStatusRow(
                    camera="counter",
                    at=outage_day.timestamp() + hour_to * 3600,
                    online=True,
                    reason=None,
                )
            )
    for offset in range(days):
        midnight = datetime.combine(first + timedelta(days=offset), datetime.min.time(), zone)
        made = _day_events(rng, midnight.timestamp() + OPENS * 3600, per_day)
        rows = []
        for camera, event in made:
            post = getattr(event.values, "post", None)
            if post is None and event.type in ("bow", "welcome_gesture", "guiding_gesture"):
                post = DOOR if camera == "lobby" else DESK
            rows.append(
                EventRow(
                    camera=camera,
                    type=event.type,
                    phase="end",
                    track=event.track,
                    role=event.role,
                    start=event.start,
                    end=event.end,
                    peak=None,
                    values=event.values.model_dump(mode="json"),
                    verdict=event.verdict,
                    post=post,
                    created_at=created,
                )
            )
        with Session(store.engine) as session, session.begin():
            session.add_all(rows)
        written += len(rows)
    return written


def bench_report(days: int = 7, per_day: int = 1000, out: Path | None = None) -> dict[str, Any]:
    """Write the week, then time the weekly report in HTML, PDF and CSV (one JSON object)."""
    from etiquette.service.reports.render import render
    from etiquette.service.reports.shift import shift_report

    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        site = demo_site(Path(folder))
        zone = site.zone_info()
        first = datetime.now(zone).date() - timedelta(days=days)
        with EventStore(site.database_url()) as store:
            started = time.perf_counter()
            written = write_week(store, site, first, days, per_day)
            stored_s = time.perf_counter() - started
            start = datetime.combine(first, datetime.min.time(), zone).timestamp()
            # Warm-up, as a running service is: imports, fonts, WeasyPrint's first page.
            began = time.perf_counter()
            render(shift_report(store, site, start, start + 3600), "pdf")
            warm_up_s = time.perf_counter() - began
            cpu = time.process_time()
            end = datetime.combine(
                first + timedelta(days=days), datetime.min.time(), zone
            ).timestamp()
            started = time.perf_counter()
            report = shift_report(store, site, start, end)
            built_s = time.perf_counter() - started
            timings: dict[str, float] = {}
            sizes: dict[str, int] = {}
            for form in ("html", "pdf", "csv"):
                began = time.perf_counter()
                body = render(report, form, base_url=site.server.public_url())
                timings[form] = round(time.perf_counter() - began, 3)
                sizes[form] = len(body)
                if out is not None:
                    out.mkdir(parents=True, exist_ok=True)
                    (out / f"week.{form}").write_bytes(body)
            cpu_s = time.process_time() - cpu
    total = built_s + sum(timings.values())
    return {
        "days": days,
        "events": written,
        "store_s": round(stored_s, 3),
        "build_s": round(built_s, 3),
        "render_s": timings,
        "total_s": round(total, 3),
        "cpu_s": round(cpu_s, 3),  # beside total_s: how much of it waited for a busy CPU
        "warm_up_s": round(warm_up_s, 3),
        "bytes": sizes,
        "arrivals": report.account.arrivals,
        "buckets": dict(report.account.buckets()),
        "pass": total < 5.0,
    }
