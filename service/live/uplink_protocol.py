"""What branch boxes and head office say to each other over MQTT (shared by both ends).

Per branch ``B`` under a prefix ``P``:

- ``P/B/outbox`` (box -> head office, QoS 1): one :class:`OutboxEntry` per message, in order;
- ``P/B/ack`` (head office -> box, QoS 1, retained): :class:`Ack`, the last number of the
  box's stream that head office has committed (retained, so a box that reconnects learns
  it at once);
- ``P/B/status`` (box -> head office, QoS 1, retained; the broker's will when the box goes
  silent): :class:`BranchStatus`;
- ``P/B/clip-request`` (head office -> box): :class:`ClipRequest`; the box answers on
  ``P/B/clip-reply/{request}`` with :func:`clip_reply` (a JSON line, then the MP4's bytes).

The branch is the topic's, never the payload's: the broker's access rules let each branch's
user write only under its own ``P/B/``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Ack(BaseModel):
    model_config = ConfigDict(frozen=True)

    stream: str
    seq: int = Field(ge=0, description="Everything of the stream up to this is committed.")
    gap: bool = Field(
        False, description="An entry after a missing one was refused: send again from seq + 1."
    )


class CameraHealth(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    shown_name: str
    online: bool


class ReportSettings(BaseModel):
    """What head office needs to build this branch's report as the branch would."""

    model_config = ConfigDict(frozen=True)

    bow_target_deg: float = 15.0
    bow_tolerance_deg: float = 5.0
    door_post: str | None = "door_post"
    names: dict[str, str] = Field(default_factory=dict)
    on_time_target: float | None = None
    bows_target: float | None = None


class BranchStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    online: bool = Field(description="False: the broker's will, sent when the box went silent.")
    sent_at: datetime | None = None
    site: str | None = Field(None, description="The branch's name, for people.")
    time_zone: str | None = None
    version: str | None = Field(None, description="The box's software version.")
    cameras: list[CameraHealth] = Field(default_factory=list)
    backlog: int = Field(0, description="Entries in the outbox not yet confirmed.")
    oldest_waiting: datetime | None = None
    report: ReportSettings | None = None


class ClipRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    request: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    clip: int = Field(description="The clip's id at the branch (its entry's body.id).")


def topic(prefix: str, branch: str, kind: str) -> str:
    return f"{prefix}/{branch}/{kind}"


def branch_of(prefix: str, name: str) -> tuple[str, str] | None:
    """``(branch, kind)`` of a topic under ``prefix``, or None."""
    head = prefix + "/"
    if not name.startswith(head):
        return None
    branch, _, kind = name[len(head) :].partition("/")
    return (branch, kind) if branch and kind else None


def clip_reply(request: str, error: str | None, data: bytes = b"") -> bytes:
    header: dict[str, Any] = {"request": request, "error": error, "size": len(data)}
    return json.dumps(header).encode() + b"\n" + data


def read_clip_reply(payload: bytes) -> tuple[dict[str, Any], bytes]:
    head, _, data = payload.partition(b"\n")
    return json.loads(head), data
