"""What every event has: its phase, the track, the role and when; typed values per kind."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Phase(StrEnum):
    START = "start"
    UPDATE = "update"
    END = "end"


class Values(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PersonRole = Literal["staff", "customer"]


class EventBase(BaseModel):
    """What every event has: its phase, the track, the role, and when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    phase: Phase
    track: int
    role: PersonRole | None
    start: float = Field(description="Seconds (capture time).")
    end: float
    peak: float | None = None

    def record(self) -> dict[str, object]:
        """The events.jsonl object of a finished event."""
        return self.model_dump(mode="json", exclude={"phase"})
