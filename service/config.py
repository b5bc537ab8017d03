"""The site file: one YAML per branch with its cameras, standards, storage and server.

Every section is a ``Settings`` (``extra="forbid"``, every field titled and described); secrets (a
database password, a bootstrap admin token) come from the environment, never the file.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from etiquette.calibration.config import FitGate
from etiquette.rules.config import RulesConfig
from etiquette.service.clips.config import ClipConfig
from etiquette.service.live.mqtt import MqttConfig
from etiquette.service.live.uplink_config import UplinkConfig
from etiquette.service.schedule import Schedule, ScheduleConfig
from etiquette.service.vocabulary import Language
from etiquette.settings import Settings
from etiquette.vision.config import PerceptionConfig
from etiquette.vision.sources import hide_password

DATABASE_URL_ENV = "ETIQUETTE_DATABASE_URL"
ADMIN_TOKEN_ENV = "ETIQUETTE_ADMIN_TOKEN"


class SiteError(ValueError):
    """A site file that cannot be used, with the key and the fix."""


class CameraConfig(Settings):
    """One camera of the branch."""

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="Short id: lower-case letters, digits, - and _.",
    )
    display_name: str | None = Field(
        None,
        max_length=40,
        title="显示名称 Display name",
        description="What people read for this camera on pages, e.g. 大堂门口 (lobby door). Default: the id.",
    )
    source: str = Field(
        description="rtsp:// URL, a video file (replayed as a camera; relative to the site file) or a webcam index."
    )
    camera_file: Path | None = Field(
        None, description="Calibration YAML from `etiquette calibrate` (relative to the site file)."
    )
    loop: bool = Field(False, description="Replay a video file in a loop (demo).")
    replay_speed: float = Field(
        1.0,
        gt=0,
        le=10,
        description="Play a video file this many times faster than real time (demos, benchmarks).",
    )

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name


class StorageConfig(Settings):
    data_dir: Path = Field(
        Path("etiquette-data"),
        description="Folder for the SQLite database, prompt audio and clips (relative to the site file; ~ is the user's home).",
    )
    database_url: str | None = Field(
        None,
        description=f"SQLAlchemy URL of PostgreSQL; default SQLite in data_dir. {DATABASE_URL_ENV} overrides it (keep passwords there).",
    )
    spill_dir: Path | None = Field(
        None,
        description="Folder on another disk for events the database cannot take (data disk full or read-only, database down); they are stored from there once it can. Default: a folder of its own under /var/tmp/etiquette (outside data_dir).",
    )

    @model_validator(mode="after")
    def _spill_outside_data(self) -> StorageConfig:
        if self.spill_dir is not None and _inside(self.spill_dir, self.data_dir):
            raise ValueError(
                f"spill_dir {self.spill_dir} is inside data_dir {self.data_dir}: it must be on "
                "another disk, or a full data disk would refuse it too"
            )
        return self

    def spill_path(self) -> Path:
        """The spill folder: spill_dir, or one for this data_dir under /var/tmp/etiquette."""
        if self.spill_dir is not None:
            return self.spill_dir.expanduser()
        owner = hashlib.sha256(str(self.data_dir.expanduser().resolve()).encode()).hexdigest()
        return Path("/var/tmp/etiquette") / f"spill-{owner[:12]}"


def _inside(path: Path, folder: Path) -> bool:
    return path.expanduser().resolve().is_relative_to(folder.expanduser().resolve())


class ServerConfig(Settings):
    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8080, ge=1, le=65535, description="Port to listen on.")
    base_url: str | None = Field(
        None,
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        title="对外地址 Base URL",
        description="How people's browsers reach this box, e.g. http://10.1.2.3:8080; links in PDF reports use it. Default: http://host:port.",
    )

    def public_url(self) -> str:
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")


class PromptConfig(Settings):
    enabled: bool = Field(True, description="Speak greeting prompts in the earpieces.")
    voice: str = Field("cmn", description="espeak-ng voice for the prompts (cmn: Mandarin).")


class ReportTargets(Settings):
    """What the branch aims for; reports show each figure beside its target."""

    on_time_rate: float = Field(
        0.9,
        ge=0,
        le=1,
        title="及时迎宾目标 On-time greeting target",
        description="Share of judged greeting opportunities greeted on time that the branch aims for (0.9: 90%).",
    )
    bows_to_standard_rate: float = Field(
        0.9,
        ge=0,
        le=1,
        title="鞠躬达标目标 Bows-to-standard target",
        description="Share of staff bows within the standard depth that the branch aims for (0.9: 90%).",
    )


class ReportConfig(Settings):
    targets: ReportTargets = Field(
        default_factory=ReportTargets,
        title="目标 Targets",
        description="The targets reports compare the figures with.",
    )


class SiteConfig(Settings):
    """A branch: what the service runs."""

    site: str = Field("branch", description="The branch's name, for people.")
    language: Language = Field(
        "zh",
        title="语言 Language",
        description="What pages, reports and captions are written in first: zh (Chinese, English beside it) or en. Pages also have a switch.",
    )
    time_zone: str | None = Field(
        None,
        title="时区 Time zone",
        description="The branch's time zone (an IANA name such as Asia/Shanghai), used by every page, report and export. Default: the box's.",
    )
    schedule: ScheduleConfig | None = Field(
        None,
        title="营业时间 Schedule",
        description="Opening hours, holidays and extra working days, in time_zone; the opening line-up is checked against them. Default: none (no opening checks).",
    )
    names: dict[str, str] = Field(
        default_factory=dict,
        title="显示名称 Display names",
        description="What people read for the posts, counters and zones drawn in the camera files, by their id: e.g. door_post: 门口迎宾岗.",
    )
    cameras: list[CameraConfig] = Field(min_length=1, description="The cameras to run.")
    perception: PerceptionConfig = Field(
        default_factory=PerceptionConfig,
        description="How people, poses and hands are found and followed.",
    )
    rules: RulesConfig = Field(
        default_factory=RulesConfig,
        description="The etiquette standards checked and their thresholds.",
    )
    storage: StorageConfig = Field(
        default_factory=StorageConfig, description="Where events, clips and prompts are kept."
    )
    server: ServerConfig = Field(
        default_factory=ServerConfig, description="Where the HTTP server listens."
    )
    prompts: PromptConfig = Field(
        default_factory=PromptConfig, description="The spoken prompts for the earpieces."
    )
    clips: ClipConfig = Field(
        default_factory=ClipConfig,
        description="Which events get a coaching clip and how long clips are kept.",
    )
    calibration: FitGate = Field(
        default_factory=FitGate,
        description="How far off a floor mark may be when a camera is calibrated on the calibration page.",
    )
    reports: ReportConfig = Field(
        default_factory=ReportConfig,
        title="报告 Reports",
        description="What the post-shift reports compare the figures with.",
    )
    mqtt: MqttConfig | None = Field(
        None, description="Also publish prompts and events to an MQTT broker."
    )
    uplink: UplinkConfig | None = Field(
        None,
        title="总行上报 Head-office uplink",
        description="Deliver every stored event and clip entry to head office (store and forward over MQTT). Default: none (the branch stands alone).",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, name: str | None) -> str | None:
        if name is not None:
            try:
                ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"unknown time zone {name!r}: give an IANA name such as Asia/Shanghai"
                ) from None
        return name

    def zone_info(self) -> tzinfo:
        """The branch's time zone (the box's when the site file names none)."""
        if self.time_zone is not None:
            return ZoneInfo(self.time_zone)
        local = datetime.now().astimezone().tzinfo
        return local if local is not None else UTC

    def opening_schedule(self) -> Schedule | None:
        """The opening hours in the branch's time zone (None: no schedule)."""
        return None if self.schedule is None else Schedule(self.schedule, self.zone_info())

    def time_zone_name(self) -> str:
        """The time zone as people read it beside times (e.g. Asia/Shanghai, or UTC+08:00)."""
        if self.time_zone is not None:
            return self.time_zone
        offset = datetime.now(self.zone_info()).strftime("%z")
        return f"UTC{offset[:3]}:{offset[3:]}"

    @field_validator("cameras")
    @classmethod
    def _unique_names(cls, cameras: list[CameraConfig]) -> list[CameraConfig]:
        names = [c.name for c in cameras]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"camera names must be unique; repeated: {', '.join(duplicates)}")
        return cameras

    def database_url(self) -> str:
        url = os.environ.get(DATABASE_URL_ENV) or self.storage.database_url
        if url:
            return url
        return f"sqlite:///{(self.storage.data_dir / 'events.db').resolve()}"

    def clips_dir(self) -> Path:
        """Where coaching clips are written: one folder per camera and day."""
        return self.storage.data_dir / "clips"

    def redacted(self) -> dict[str, Any]:
        """The configuration to show people: no passwords. (The MQTT password, the database
        URL from the environment and the bootstrap token are never part of it.)"""
        data = self.model_dump(mode="json")
        for camera in data["cameras"]:
            camera["source"] = hide_password(camera["source"])
        if data["storage"]["database_url"]:
            data["storage"]["database_url"] = hide_password(data["storage"]["database_url"])
        return data


def describe_error(error: ValidationError, source: str) -> str:
    """One line: which key, what is wrong, what to do."""
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"{source}: unknown key '{key}'; remove it or check its spelling"
    if first["type"] == "missing":
        return f"{source}: missing key '{key}'; add it"
    return f"{source}: '{key}': {str(first['msg']).removeprefix('Value error, ')}"


def load_site(path: Path) -> SiteConfig:
    """Read a site file; relative paths in it are taken from the file's folder."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SiteError(f"{path}: no such site file; check the path") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise SiteError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    except ValueError as error:  # PyYAML's own dates: 2026-13-01 unquoted
        raise SiteError(f"{path}: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise SiteError(f"{path}: expected a mapping with site, cameras, ...")
    try:
        site = SiteConfig.model_validate(data)
    except ValidationError as error:
        raise SiteError(describe_error(error, str(path))) from None
    base = path.resolve().parent
    cameras = [_resolved(camera, base) for camera in site.cameras]
    data_dir = base / site.storage.data_dir.expanduser()
    spill_dir = site.storage.spill_dir
    spill_dir = None if spill_dir is None else base / spill_dir.expanduser()
    storage = site.storage.model_copy(update={"data_dir": data_dir, "spill_dir": spill_dir})
    return site.model_copy(update={"cameras": cameras, "storage": storage})


def _resolved(camera: CameraConfig, base: Path) -> CameraConfig:
    """A camera whose camera file, and video file source, are taken from the site file's
    folder when relative (URLs and webcam indices stay as they are)."""
    update: dict[str, object] = {}
    if camera.camera_file is not None:
        update["camera_file"] = base / camera.camera_file.expanduser()
    source = camera.source
    if "://" not in source and not source.isdigit():
        update["source"] = str(base / Path(source).expanduser())
    return camera.model_copy(update=update)
