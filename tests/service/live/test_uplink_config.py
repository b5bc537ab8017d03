"""The uplink's settings and its rate bound (the catch-up after an outage)."""

from __future__ import annotations

import time

import pytest
from pydantic import ValidationError

from etiquette.service.live.uplink import _Bucket
from etiquette.service.live.uplink_config import UplinkConfig
from etiquette.service.live.uplink_protocol import branch_of, clip_reply, read_clip_reply


@pytest.mark.parametrize("branch", ["", "Pudong", "sh/pudong", "sh+1", "#", "a" * 65])
def test_a_branch_id_that_cannot_be_a_topic_level_is_refused(branch: str) -> None:
    with pytest.raises(ValidationError, match="branch"):
        UplinkConfig(branch=branch, host="hq.example")


def test_catching_up_never_goes_faster_than_the_rate() -> None:
    bucket = _Bucket(rate=200.0, burst=20)
    began = time.monotonic()
    granted = 0
    while time.monotonic() - began < 0.5:
        granted += bucket.take(1000)
        time.sleep(0.005)
    elapsed = time.monotonic() - began
    assert 0 < granted <= 200.0 * elapsed + 20


def test_topics_and_clip_replies_round_trip() -> None:
    assert branch_of("etiquette/v1", "etiquette/v1/b1/outbox") == ("b1", "outbox")
    assert branch_of("etiquette/v1", "etiquette/v1/b1/clip-reply/r1") == ("b1", "clip-reply/r1")
    assert branch_of("etiquette/v1", "other/b1/outbox") is None
    header, data = read_clip_reply(clip_reply("r1", None, b"\x00\x01\n\x02"))
    assert header == {"request": "r1", "error": None, "size": 4} and data == b"\x00\x01\n\x02"
