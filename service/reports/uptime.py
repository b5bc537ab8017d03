"""Each camera's uptime over a report's period, from its stored online/offline changes: a
quiet shift (camera online, nobody came) must read differently from a dead camera."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from etiquette.service.store.camera_status import StatusChange

# Offline stretches shorter than this are reconnects, not outages worth a line of the report.
BRIEF_OUTAGE_S = 60.0


class Outage(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: float
    end: float
    reason: str | None = None

    @property
    def seconds(self) -> float:
        return self.end - self.start


class CameraUptime(BaseModel):
    """One camera over the period (up to now, for a period not yet over)."""

    model_config = ConfigDict(frozen=True)

    camera: str
    name: str = Field(description="What people read for the camera.")
    online_s: float
    offline_s: float
    unknown_s: float = Field(
        description="Time before the camera's first stored change (history not yet kept)."
    )
    outages: list[Outage] = Field(
        default_factory=list, description="Offline stretches of a minute or more."
    )

    @property
    def known_s(self) -> float:
        return self.online_s + self.offline_s

    @property
    def share(self) -> float | None:
        return self.online_s / self.known_s if self.known_s else None


def uptime(
    changes: Iterable[StatusChange],
    cameras: dict[str, str],
    start: float,
    end: float,
) -> list[CameraUptime]:
    """``changes`` as from ``CameraStatusLog.changes(start, end)``: each camera's state at
    ``start`` (its change before), then its changes; ``cameras`` are id -> display name, each
    listed even without a change (all unknown)."""
    by_camera: dict[str, list[StatusChange]] = defaultdict(list)
    for change in changes:
        by_camera[change.camera].append(change)
    found = []
    for camera in sorted(set(cameras) | set(by_camera)):
        seconds = {True: 0.0, False: 0.0}
        unknown = 0.0
        outages: list[Outage] = []
        state: StatusChange | None = None
        at = start
        ordered: list[StatusChange | None] = [*sorted(by_camera[camera], key=lambda c: c.at)]
        for step in [*ordered, None]:  # None: the period's end
            until = end if step is None else min(max(step.at, start), end)
            if state is None:
                unknown += until - at
            else:
                seconds[state.online] += until - at
                if not state.online and until - at >= BRIEF_OUTAGE_S:
                    outages.append(Outage(start=at, end=until, reason=state.reason))
            at, state = until, step if step is not None else state
        found.append(
            CameraUptime(
                camera=camera,
                name=cameras.get(camera, camera),
                online_s=round(seconds[True], 1),
                offline_s=round(seconds[False], 1),
                unknown_s=round(unknown, 1),
                outages=_merged(outages),
            )
        )
    return found


def _merged(outages: list[Outage]) -> list[Outage]:
    """Back-to-back offline stretches (offline, then offline for another reason) as one."""
    merged: list[Outage] = []
    for outage in outages:
        if merged and merged[-1].end >= outage.start:
            merged[-1] = merged[-1].model_copy(update={"end": outage.end})
        else:
            merged.append(outage)
    return merged
