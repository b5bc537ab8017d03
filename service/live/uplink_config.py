"""The site file's ``uplink`` section: how this branch's box reaches head office."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ConfigDict, Field, field_validator

from etiquette.service.live.mqtt import valid_topic_prefix
from etiquette.settings import Settings

UPLINK_PASSWORD_ENV = "ETIQUETTE_UPLINK_PASSWORD"
_BRANCH_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class UplinkConfig(Settings):
    """Store and forward to head office over MQTT (QoS 1): every stored event and clip entry
    is queued in the edge store's outbox and delivered at least once, in order, caught up at
    a bounded rate after an outage."""

    model_config = ConfigDict(frozen=True)

    branch: str = Field(
        description="This branch's id at head office: lower-case letters, digits, - and _ "
        "(it is the MQTT topic level and, by default, the user name)."
    )
    host: str = Field(description="Head office's MQTT broker (or the local bridge).")
    port: int = Field(8883, ge=1, le=65535, description="Broker port (8883: MQTT over TLS).")
    tls: bool = Field(True, description="Connect with TLS. Off only on a trusted local bridge.")
    ca_file: Path | None = Field(
        None,
        description="CA certificate (PEM) that signed the broker's certificate; empty: the "
        "system's CAs.",
    )
    cert_file: Path | None = Field(
        None, description="This box's client certificate (PEM), if the broker asks for one."
    )
    key_file: Path | None = Field(None, description="The client certificate's private key.")
    username: str | None = Field(
        None,
        description="User name at the broker (default: branch). The password comes from the "
        f"environment variable {UPLINK_PASSWORD_ENV}, never from this file.",
    )
    topic_prefix: str = Field(
        "etiquette/v1",
        description="Topics are {topic_prefix}/{branch}/outbox, /ack, /status, "
        "/clip-request and /clip-reply/{request}.",
    )
    max_rate: float = Field(
        50.0,
        gt=0,
        description="At most this many entries per second, so that catching up after an "
        "outage never takes the box's CPU or the branch's line from the cameras.",
    )
    window: int = Field(
        200, ge=1, le=10_000, description="At most this many entries sent and not yet confirmed."
    )
    ack_timeout_s: float = Field(
        15.0,
        gt=0,
        description="Entries sent and not confirmed within this are sent again (head office "
        "keeps each once).",
    )
    heartbeat_s: float = Field(
        30.0, gt=0, description="How often the box tells head office it is alive and how it is."
    )

    @field_validator("branch")
    @classmethod
    def _branch_id(cls, value: str) -> str:
        if not _BRANCH_ID.match(value):
            raise ValueError(
                f"branch {value!r}: use 1-64 lower-case letters, digits, - and _ "
                "(e.g. sh-pudong-01)"
            )
        return value

    @field_validator("topic_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        return valid_topic_prefix(value)
