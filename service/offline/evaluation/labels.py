"""The truth format for labelled real clips (one YAML file, many clips).

Frames are 0-based indices into the clip as decoded. Example::

    clips:
      - name: xiph_bowing
        path: ../../../shared/data/video/xiph_bowing_qcif.mp4  # relative to this file
        camera: null                       # camera file, relative to this file (arrivals)
        tolerance_frames: 3                # timing slack of the labels themselves
        people:                            # how many people are in view, by frame range
          - {frames: [0, 51], count: 0}
          - {frames: [61, 195], count: 1}
        events:
          - {type: bow, start: 129, peak: [137, 151], end: 170, depth_deg: [45, 60]}
        complete: [bow, welcome_gesture]   # every event of these types is labelled
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ScoredType = Literal[
    "bow", "welcome_gesture", "guiding_gesture", "customer_arrived", "door_crossing"
]


class LabelError(ValueError):
    """The labels file cannot be used; the message says what to fix."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PeopleRange(Strict):
    frames: tuple[int, int] = Field(description="First and last frame (inclusive).")
    count: int | None = Field(None, ge=0, description="Exactly this many people in view.")
    min: int | None = Field(None, ge=0, description="At least this many (crowds).")
    max: int | None = Field(None, ge=0, description="At most this many.")
    acquire: bool = Field(
        True,
        description="Whether the range starts with people already standing in clear view, "
        "so that the time until they are all reported counts as acquisition delay.",
    )

    @model_validator(mode="after")
    def _bounds(self) -> PeopleRange:
        if self.frames[1] < self.frames[0]:
            raise ValueError(f"frames {list(self.frames)}: the last frame is before the first")
        if self.count is None and self.min is None and self.max is None:
            raise ValueError("give count, or min and/or max")
        return self

    @property
    def low(self) -> int:
        return self.count if self.count is not None else (self.min or 0)

    @property
    def high(self) -> int:
        return self.count if self.count is not None else (self.max if self.max is not None else 99)


class LabelledEvent(Strict):
    type: ScoredType
    start: int = Field(
        description="First frame of the event; of a moment (customer_arrived, door_crossing): "
        "the first frame it may be said to happen (an arrival: a foot planted on the door line)."
    )
    end: int = Field(
        description="Last frame of the event; of a moment: the last frame it may be said to "
        "happen (an arrival: both feet over the line, or standing still astride it)."
    )
    peak: tuple[int, int] | None = Field(
        None, description="Frames within which the peak lies (bows: the deepest moment)."
    )
    depth_deg: tuple[float, float] | None = Field(
        None, description="The bow's depth band, degrees (by eye or from a known motion)."
    )
    note: str = ""

    @model_validator(mode="after")
    def _order(self) -> LabelledEvent:
        if self.end < self.start:
            raise ValueError(f"{self.type} {self.start}-{self.end}: end before start")
        return self


class LabelledClip(Strict):
    name: str
    path: str = Field(description="The video, relative to the labels file.")
    camera: str | None = Field(None, description="Camera file, relative to the labels file.")
    tolerance_frames: int = Field(
        3, ge=0, description="How far a reported start or end may lie outside the label."
    )
    people: list[PeopleRange] = Field(default_factory=list)
    events: list[LabelledEvent] = Field(default_factory=list)
    complete: list[ScoredType] = Field(
        default_factory=lambda: list[ScoredType](["bow", "welcome_gesture"]),
        description="Event types labelled exhaustively in this clip: a reported event of "
        "these types that matches no label is a false positive.",
    )
    note: str = ""


class LabelsFile(Strict):
    clips: list[LabelledClip]


def load_labels(path: Path) -> tuple[LabelsFile, Path]:
    """The labels and the folder their paths are relative to."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabelError(f"{path}: no such labels file") from None
    except yaml.YAMLError as error:
        raise LabelError(f"{path}: not valid YAML ({error})") from None
    try:
        labels = LabelsFile.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise LabelError(f"{path}: {where}: {first['msg']}") from None
    return labels, path.parent
