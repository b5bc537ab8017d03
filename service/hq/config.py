"""The head-office file (HQ.yaml): its database, the broker the branches deliver to, where
its API listens, and the branches it expects."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import ConfigDict, Field, ValidationError

from etiquette.settings import Settings

HQ_DATABASE_URL_ENV = "ETIQUETTE_HQ_DATABASE_URL"
HQ_MQTT_PASSWORD_ENV = "ETIQUETTE_HQ_MQTT_PASSWORD"


class HqConfigError(ValueError):
    """A head-office file that cannot be used, with what to fix."""


class HqBroker(Settings):
    model_config = ConfigDict(frozen=True)

    host: str = Field("127.0.0.1", description="The MQTT broker the branches deliver to.")
    port: int = Field(8883, ge=1, le=65535, description="Its port (8883: MQTT over TLS).")
    tls: bool = Field(True, description="Connect with TLS.")
    ca_file: Path | None = Field(
        None, description="CA certificate (PEM) of the broker; empty: the system's CAs."
    )
    username: str = Field(
        "hq",
        description=f"Head office's user at the broker; the password comes from {HQ_MQTT_PASSWORD_ENV}.",
    )
    topic_prefix: str = Field("etiquette/v1", description="As the branches' uplink.topic_prefix.")
    client_id: str = Field(
        "etiquette-hq",
        description="Head office's MQTT client id (a persistent session: entries sent while it is down wait at the broker).",
    )


class HqServer(Settings):
    model_config = ConfigDict(frozen=True)

    host: str = Field("127.0.0.1", description="Where head office's API and pages listen.")
    port: int = Field(8090, ge=1, le=65535, description="Its port.")


class KnownBranch(Settings):
    model_config = ConfigDict(frozen=True)

    id: str = Field(description="The branch's uplink.branch.")
    name: str = Field(description="Its name, for people (e.g. 浦东支行).")
    region: str | None = Field(
        None,
        description="Its region as people read it (e.g. 华东区); a region token's --scope names it.",
    )


class HqConfig(Settings):
    """Head office: one service for all the bank's branches."""

    model_config = ConfigDict(frozen=True)

    name: str = Field("总行 Head office", description="What the pages call this service.")
    time_zone: str | None = Field(
        None,
        description="Head office's time zone for its pages (an IANA name such as Asia/Shanghai); each branch's report is in the branch's own zone. Default: the server's.",
    )
    database_url: str = Field(
        "",
        description=f"PostgreSQL URL (postgresql+psycopg://user@host:5432/db); {HQ_DATABASE_URL_ENV} overrides it.",
    )
    broker: HqBroker = Field(default_factory=HqBroker, description="The broker.")
    server: HqServer = Field(default_factory=HqServer, description="The API and pages.")
    branches: list[KnownBranch] = Field(
        default_factory=list,
        description="The branches expected, with names and regions; others are taken in as they appear.",
    )
    silent_after_s: float = Field(
        180.0, gt=0, description="A branch not heard from for this long is alerted as silent."
    )
    clip_cache_dir: Path = Field(
        Path("hq-clips"), description="Where clips fetched from branches are kept."
    )
    clip_timeout_s: float = Field(
        30.0, gt=0, description="How long to wait for a branch to send a clip asked for."
    )
    batch: int = Field(
        500, ge=1, le=10_000, description="At most this many entries taken in per transaction."
    )

    def database(self) -> str:
        url = os.environ.get(HQ_DATABASE_URL_ENV) or self.database_url
        if not url:
            raise HqConfigError(
                f"no database: set database_url in the head-office file or {HQ_DATABASE_URL_ENV}"
            )
        return url


def load_hq(path: Path) -> HqConfig:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise HqConfigError(
            f"{path}: cannot read the head-office file ({error.strerror})"
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise HqConfigError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise HqConfigError(f"{path}: expected a mapping with database_url, broker, ...")
    try:
        config = HqConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise HqConfigError(f"{path}: {where}: {first['msg']}") from None
    base = path.parent
    return config.model_copy(update={"clip_cache_dir": base / config.clip_cache_dir.expanduser()})
