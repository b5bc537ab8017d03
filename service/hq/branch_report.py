"""A branch's report at head office: the same report code as the branch's own, on the events
the branch delivered, with the branch's settings from its last status."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as clock

from etiquette.service.hq.db import HqStore
from etiquette.service.hq.models import BranchRow
from etiquette.service.hq.queries import branch_clips, branch_events
from etiquette.service.live.uplink_protocol import BranchStatus, ReportSettings
from etiquette.service.reports.models import ShiftReport
from etiquette.service.reports.shift import OUTCOMES, SETTLE_MARGIN_S, build_report

GREETING_SETTLE_S = 6.0 + SETTLE_MARGIN_S  # the deck's window and grouping, as the branch's


def day_bounds(first: date, last: date, zone: tzinfo | None) -> tuple[float, float]:
    """Epoch seconds of the start of ``first`` and the end of ``last`` in ``zone`` (None:
    the server's)."""
    start = datetime.combine(first, clock(), zone)
    end = datetime.combine(last + timedelta(days=1), clock(), zone)
    return start.timestamp(), end.timestamp()


def branch_report(store: HqStore, branch: BranchRow, first: date, last: date) -> ShiftReport:
    status = BranchStatus.model_validate(branch.status) if branch.status else None
    settings = (status.report if status is not None else None) or ReportSettings()
    zone = store.zone_of(branch.id)
    start, end = day_bounds(first, last, zone)
    events = branch_events(store, branch.id, start, end)
    later = branch_events(store, branch.id, end, end + GREETING_SETTLE_S, types=OUTCOMES)
    clips = {
        clip.event_edge_id: clip.edge_id
        for clip in branch_clips(store, branch.id, start, end)
        if clip.event_edge_id is not None
    }
    report = build_report(
        events,
        site=branch.name,
        start=start,
        end=end,
        post=None,
        bow_target_deg=settings.bow_target_deg,
        bow_tolerance_deg=settings.bow_tolerance_deg,
        clips=clips,
        door_post=settings.door_post,
        zone=zone,
        later_outcomes=later,
        now=time.time(),
        settle_s=GREETING_SETTLE_S,
    )
    update: dict[str, object] = {"time_zone": str(zone), "names": settings.names}
    if settings.on_time_target is not None:
        update["on_time_target"] = settings.on_time_target
    if settings.bows_target is not None:
        update["bows_target"] = settings.bows_target
    return report.model_copy(update=update)
