"""Which of a branch's daily figures an event adds to (the ranking's counts, kept per day as
events come in so that comparing branches never reads the events themselves)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FINISHED_BOWS = frozenset({"to_standard", "too_shallow", "too_deep", "rushed"})


def counts_of(kind: str, verdict: str | None, role: str | None) -> tuple[str, ...]:
    """The daily counters (service/hq/models.DAILY_COUNTS) one event adds 1 to."""
    if kind == "customer_arrived":
        return ("arrivals",)
    if kind == "greeting":
        return ("late",) if verdict == "late" else ("on_time",)
    if kind == "greeting_missed":
        return ("missed",)
    if kind == "bow" and role == "staff" and verdict in FINISHED_BOWS:
        return ("bows", "bows_to_standard") if verdict == "to_standard" else ("bows",)
    if kind == "posture":
        return ("posture_lapses",)
    if kind == "queue_prompt":
        return ("queue_prompts",)
    if kind == "queue_wait":
        return ("queue_waits",)
    judged = {"guiding": "guided", "farewell": "farewells", "teller_service": "teller_served"}
    if kind in judged:
        good = {
            "guided": "guided_to_standard",
            "farewells": "farewells_escorted",
            "teller_served": "teller_to_standard",
        }
        name = judged[kind]
        return (name, good[name]) if verdict == "to_standard" else (name,)
    return ()


def rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def on_time_rate(counts: Mapping[str, Any]) -> float | None:
    judged = int(counts["on_time"]) + int(counts["late"]) + int(counts["missed"])
    return rate(int(counts["on_time"]), judged)


def bows_rate(counts: Mapping[str, Any]) -> float | None:
    return rate(int(counts["bows_to_standard"]), int(counts["bows"]))
