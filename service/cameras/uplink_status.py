"""What the box tells head office about itself, from the site file and the cameras' state."""

from __future__ import annotations

from pathlib import Path

from etiquette.service.config import SiteConfig
from etiquette.service.live.state import LiveState
from etiquette.service.live.uplink_protocol import BranchStatus, CameraHealth, ReportSettings
from etiquette.service.store.events import EventStore


def branch_status(site: SiteConfig, live: LiveState) -> BranchStatus:
    """The branch's name, zone, report settings and each camera online or not (the uplink
    adds its version, backlog and time)."""
    seen = {camera.name: camera.online for camera in live.camera_list()}
    targets = site.reports.targets
    return BranchStatus(
        online=True,
        site=site.site,
        time_zone=site.time_zone_name(),
        cameras=[
            CameraHealth(name=c.name, shown_name=c.shown_name, online=seen.get(c.name, False))
            for c in site.cameras
        ],
        report=ReportSettings(
            bow_target_deg=site.rules.bow.target_deg,
            bow_tolerance_deg=site.rules.bow.tolerance_deg,
            door_post=site.rules.greeting.door_post,
            names={**site.names, **{c.name: c.shown_name for c in site.cameras}},
            on_time_target=targets.on_time_rate,
            bows_target=targets.bows_to_standard_rate,
        ),
    )


def clip_file(site: SiteConfig, store: EventStore, clip_id: int) -> Path | None:
    """The MP4 of a clip head office asked for (already blurred), if the branch still keeps
    it; never a path outside the clips folder."""
    clip = store.clips.get(clip_id)
    if clip is None:
        return None
    root = site.clips_dir().resolve()
    path = (root / clip.file).resolve()
    return path if path.is_relative_to(root) else None
