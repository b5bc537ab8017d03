"""The report's section on the rest of a visit (issue 14): the opening line-up, guiding,
the queue and its second diversion, the teller's five steps and the polite farewell, one row
each, from the stored events."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, Field

from etiquette.rules.visit_events import (
    FarewellEvent,
    GuidingEvent,
    OpeningEvent,
    QueueResponseEvent,
    QueueWaitEvent,
    TellerServiceEvent,
)
from etiquette.service.store.events import StoredEvent
from etiquette.service.vocabulary import label, quantity

# The processes in the order of a branch's day (vocabulary ids, category "process").
PROCESSES = ("opening", "guiding", "queue", "teller", "farewell")


class Figure(BaseModel):
    """One measured figure of a process, as people read it."""

    name: str = Field(description="Chinese, then English.")
    value: str


class ProcessRow(BaseModel):
    """One process over the report's period."""

    process: str = Field(description="Which process (a vocabulary id, category process).")
    occasions: int = Field(description="How many times the process was called for.")
    to_standard: int = Field(description="...and how many of those met the standard.")
    figures: list[Figure] = Field(default_factory=list)
    faults: dict[str, int] = Field(
        default_factory=dict, description="Process fault ids and how often each was seen."
    )

    @property
    def rate(self) -> float | None:
        return None if self.occasions == 0 else self.to_standard / self.occasions


def _share(part: int, whole: int) -> str:
    return "–" if whole == 0 else f"{round(100 * part / whole)}%"


def _median(values: Sequence[float], unit: str) -> str:
    return quantity(statistics.median(values), unit) if values else "–"


def _of(events: Iterable[StoredEvent], kind: type) -> list:  # type: ignore[type-arg]
    return [e.event for e in events if isinstance(e.event, kind)]


def _opening(events: Sequence[StoredEvent]) -> ProcessRow:
    found: list[OpeningEvent] = _of(events, OpeningEvent)
    faults: Counter[str] = Counter()
    posts = manned = salutes = 0
    for event in found:
        salutes += event.values.salutes
        for post in event.values.posts:
            posts += 1
            manned += post.present
            if not post.present:
                faults["post_empty"] += 1
            elif post.standing is False:
                faults["sitting"] += 1
            elif post.posture_ok is False:
                faults["posture_off"] += 1
    prompts = sum(1 for e in events if e.event.type == "opening_prompt")
    return ProcessRow(
        process="opening",
        occasions=len(found),
        to_standard=sum(e.verdict == "to_standard" for e in found),
        figures=[
            Figure(name="岗位到位率 posts manned", value=_share(manned, posts)),
            Figure(name="开门前提示 prompts before opening", value=str(prompts)),
            Figure(name="举手礼 salutes", value=str(salutes)),
        ],
        faults=dict(faults),
    )


def _guiding(events: Sequence[StoredEvent]) -> ProcessRow:
    found: list[GuidingEvent] = _of(events, GuidingEvent)
    shares = [e.values.front_left_share for e in found if e.values.front_left_share is not None]
    faults = Counter(f for e in found for f in e.values.faults)
    return ProcessRow(
        process="guiding",
        occasions=len(found),
        to_standard=sum(e.verdict == "to_standard" for e in found),
        figures=[
            Figure(
                name="左前方引导时间占比 time at the customer's front left",
                value="–" if not shares else f"{round(100 * statistics.mean(shares))}%",
            ),
            Figure(
                name="做了指引手势 guiding gesture made",
                value=_share(sum(e.values.gesture for e in found), len(found)),
            ),
            Figure(
                name="引导到位 led to the area",
                value=_share(sum(e.values.destination is not None for e in found), len(found)),
            ),
        ],
        faults=dict(faults),
    )


def _queue(events: Sequence[StoredEvent]) -> ProcessRow:
    prompts = sum(1 for e in events if e.event.type == "queue_prompt")
    responses: list[QueueResponseEvent] = _of(events, QueueResponseEvent)
    waits: list[QueueWaitEvent] = _of(events, QueueWaitEvent)
    diverted = sum(w.values.after_prompt for w in waits)
    latest = max((w.values.wait_s for w in waits), default=None)
    return ProcessRow(
        process="queue",
        occasions=prompts,
        to_standard=min(prompts, len(responses)),
        figures=[
            Figure(name="排队客户 customers queued", value=str(len(waits))),
            Figure(
                name="等候中位数 median wait", value=_median([w.values.wait_s for w in waits], "s")
            ),
            Figure(name="最长等候 longest wait", value=quantity(latest, "s")),
            Figure(
                name="提示后到场中位数 median time to come to the queue",
                value=_median([r.values.latency_s for r in responses], "s"),
            ),
            Figure(name="二次分流客户 customers diverted", value=str(diverted)),
        ],
    )


def _teller(events: Sequence[StoredEvent]) -> ProcessRow:
    found: list[TellerServiceEvent] = _of(events, TellerServiceEvent)
    seated = [e for e in found if e.values.stood_up is not None]
    handovers = sum(e.values.handovers for e in found)
    watched = [e for e in found if e.values.watched_leaving is not None]
    return ProcessRow(
        process="teller",
        occasions=len(found),
        to_standard=sum(e.verdict == "to_standard" for e in found),
        figures=[
            Figure(
                name="起身相迎 stood up to greet",
                value=_share(sum(bool(e.values.stood_up) for e in seated), len(seated)),
            ),
            Figure(
                name="双手递接 both-hand handovers",
                value=_share(sum(e.values.both_hands for e in found), handovers),
            ),
            Figure(
                name="目送客户 watched the customer leave",
                value=_share(sum(bool(e.values.watched_leaving) for e in watched), len(watched)),
            ),
        ],
        faults=dict(Counter(f for e in found for f in e.values.faults)),
    )


def _farewell(events: Sequence[StoredEvent]) -> ProcessRow:
    found: list[FarewellEvent] = _of(events, FarewellEvent)
    escorted = [e for e in found if e.values.escorted]
    return ProcessRow(
        process="farewell",
        occasions=len(found),
        to_standard=len(escorted),
        figures=[
            Figure(
                name="陪同步行中位数 median distance walked together",
                value=_median([e.values.together_m for e in escorted], "m"),
            )
        ],
        faults={"not_escorted": len(found) - len(escorted)} if len(found) > len(escorted) else {},
    )


def process_rows(events: Sequence[StoredEvent]) -> list[ProcessRow]:
    """One row per process of the deck beyond the door greeting, in the order of a visit."""
    return [
        _opening(events),
        _guiding(events),
        _queue(events),
        _teller(events),
        _farewell(events),
    ]


def fault_text(faults: dict[str, int]) -> str:
    """The faults seen, most frequent first: 未在客户左前方引导 ×3、未做指引手势 ×1."""
    ordered = sorted(faults.items(), key=lambda item: -item[1])
    return "、".join(f"{label('process_fault', fault)} ×{count}" for fault, count in ordered)
