"""What the running service knows right now: each camera's health, shared with the API."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field


class CameraHealth(BaseModel):
    """One camera as the API shows it."""

    model_config = ConfigDict(frozen=True)

    name: str
    display_name: str = Field("", description="What people read for this camera (else its id).")
    online: bool = Field(description="Frames arrived within the last few seconds.")
    fps: float = Field(description="Frames processed per second, recently.")
    dropped_frames: int = Field(description="Stale frames skipped to stay real time, in total.")
    last_frame_at: float | None = Field(description="Capture time of the last frame (epoch s).")
    error: str | None = Field(description="Why the camera is offline, if it is.")
    clips_paused: str | None = Field(
        None, description="Why coaching clips are not being written (e.g. the disk is full)."
    )


class PersonOnFloor(BaseModel):
    """Where one tracked person stands, as the rules see it, for the calibration page's check."""

    model_config = ConfigDict(frozen=True)

    track_id: int
    feet_px: tuple[float, float] = Field(description="Feet in the raw picture (pixels).")
    floor_m: tuple[float, float] = Field(description="Floor position (metres).")
    door_m: float | None = Field(
        description="Distance to the door line (metres); null without a door line."
    )
    inside: bool | None = Field(description="On the branch's side of the door line.")
    arriving: bool = Field(description="In the arrival zone.")


class PeopleOnFloor(BaseModel):
    """Everyone placed on the floor in the camera's latest live view."""

    at: float = Field(description="When this was seen (epoch s).")
    people: list[PersonOnFloor]


@dataclass
class LiveState:
    """Thread-safe camera health, updated by the runners' supervisor."""

    cameras: dict[str, CameraHealth] = field(default_factory=dict)
    views: dict[str, bytes] = field(default_factory=dict)  # latest annotated JPEG per camera
    raws: dict[str, bytes] = field(default_factory=dict)  # a recent full-size raw JPEG
    placed: dict[str, PeopleOnFloor] = field(default_factory=dict)  # with the latest view
    posts: list[str] = field(default_factory=list)
    started_at: float = field(default_factory=time.time)
    # Service-wide trouble a person must act on (events the database refuses), for /health.
    problems: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set_problem(self, key: str, text: str | None) -> None:
        with self._lock:
            if text is None:
                self.problems.pop(key, None)
            else:
                self.problems[key] = text

    def problem_list(self) -> list[str]:
        with self._lock:
            return [self.problems[key] for key in sorted(self.problems)]

    def set_camera(self, health: CameraHealth) -> None:
        with self._lock:
            self.cameras[health.name] = health

    def set_clips_paused(self, camera: str, reason: str | None) -> None:
        with self._lock:
            health = self.cameras.get(camera)
            if health is not None:
                self.cameras[camera] = health.model_copy(update={"clips_paused": reason})

    def set_view(
        self,
        camera: str,
        jpeg: bytes,
        raw: bytes | None = None,
        people: tuple[PersonOnFloor, ...] = (),
    ) -> None:
        with self._lock:
            self.views[camera] = jpeg
            self.placed[camera] = PeopleOnFloor(at=time.time(), people=list(people))
            if raw:
                self.raws[camera] = raw

    def people_on_floor(self, camera: str) -> PeopleOnFloor | None:
        with self._lock:
            return self.placed.get(camera)

    def raw(self, camera: str) -> bytes | None:
        with self._lock:
            return self.raws.get(camera)

    def view(self, camera: str) -> bytes | None:
        with self._lock:
            return self.views.get(camera)

    def camera_list(self) -> list[CameraHealth]:
        with self._lock:
            return [self.cameras[name] for name in sorted(self.cameras)]
