"""The site file's `clips` section: which events get a coaching clip and how long clips are
kept (a light module: the site file is read without loading any model)."""

from __future__ import annotations

from pydantic import Field

from etiquette.service.store.models import ClipReason
from etiquette.settings import Settings

ALL_REASONS: list[ClipReason] = [
    "missed_greeting",
    "late_greeting",
    "bow_off_standard",
    "good_bow",
    "posture_lapse",
    "guiding_off_standard",
    "good_guiding",
    "not_escorted",
    "teller_off_standard",
    "long_queue",
]


class ClipConfig(Settings):
    """Which events get a coaching clip, how much around them, and how long clips are kept."""

    enabled: bool = Field(True, description="Write coaching clips from the live cameras.")
    reasons: list[ClipReason] = Field(
        default_factory=lambda: list(ALL_REASONS),
        description="Events that get a clip (by default all of these kinds).",
    )
    pre_s: float = Field(3.0, ge=0, le=30, description="Seconds kept before the event.")
    post_s: float = Field(3.0, ge=0, le=30, description="Seconds kept after the event.")
    max_event_s: float = Field(
        20.0, gt=0, le=120, description="Longer events are cut to their last seconds."
    )
    blur_staff: bool = Field(False, description="Also blur staff faces (customers' always are).")
    max_age_days: float = Field(
        30.0, gt=0, description="Clips older than this are deleted, unless marked for training."
    )
    quota_mb: float = Field(
        2000.0,
        gt=0,
        description="Clips beyond this total are deleted oldest first, unless marked for training.",
    )
    min_free_mb: float = Field(
        500.0,
        ge=0,
        description="Clip writing pauses (with an alert) while the disk has less free space.",
    )
