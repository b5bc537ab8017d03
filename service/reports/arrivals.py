"""Every customer arrival accounted for: greeted on time, late, missed, greeted together with
another arrival, still waiting for its verdict, or lost before one. The buckets always sum to
the arrivals, so the manager's figures reconcile.

The greeting timer opens one greeting opportunity per arrival, or lets an arrival join the
opportunity still open (customers arriving together, ``customers`` on the outcome); the
outcome (a greeting or a miss) names the opportunity by its first arrival's time: a miss
starts at it, a greeting ``latency_s`` after it.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict

from pydantic import BaseModel, ConfigDict, Field

from etiquette.rules.events import GreetingEvent, GreetingVerdict, MissedEvent
from etiquette.service.store.events import StoredEvent

# An outcome's arrival time is stored rounded to the millisecond (latency_s); this absorbs that.
SAME_ARRIVAL_S = 0.01
# The buckets in the order the report lists them, with their footnotes (Chinese, English).
BUCKETS: tuple[tuple[str, str, str, str], ...] = (
    (
        "on_time",
        "及时迎宾",
        "greeted on time",
        "在规定时间内迎宾。Greeted within the on-time limit.",
    ),
    (
        "late",
        "迎宾迟了",
        "greeted late",
        "迎宾了，但超过了及时时限。Greeted, after the on-time limit.",
    ),
    (
        "missed",
        "未迎宾",
        "missed",
        "迎宾时限内无人迎宾。Nobody greeted within the greeting window.",
    ),
    (
        "grouped",
        "同行客户",
        "arrived together",
        "与前一位客户同时到店，一次迎宾计入前一位。Arrived with the customer before; one "
        "greeting (or miss) counts for them both, under the first.",
    ),
    (
        "pending",
        "待定",
        "still pending",
        "迎宾时限尚未结束，还没有结论。The greeting window has not yet passed: no verdict yet.",
    ),
    (
        "lost",
        "无结论",
        "no verdict",
        "到店后没有结论：摄像头或服务在时限内停止，或客户离开画面。No verdict was recorded: the "
        "camera or the service stopped, or the customer left the picture, within the window.",
    ),
)


class ArrivalAccount(BaseModel):
    """Where every arrival of the period went; the buckets sum to ``arrivals``."""

    model_config = ConfigDict(frozen=True)

    arrivals: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0
    grouped: int = 0
    pending: int = 0
    lost: int = 0
    outside: int = Field(
        0,
        description="Greetings and misses in the period whose arrival is not in it (it came "
        "before the period began): not in the buckets.",
    )

    @property
    def judged(self) -> int:
        """Greeting opportunities with a verdict: the on-time rate's denominator."""
        return self.on_time + self.late + self.missed

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.judged if self.judged else None

    def buckets(self) -> list[tuple[str, int]]:
        return [(key, getattr(self, key)) for key, *_ in BUCKETS]


def _arrival_time(event: StoredEvent) -> float:
    if isinstance(event.event, GreetingEvent):
        return event.event.start - event.event.values.latency_s
    return event.event.start


def account(
    arrivals: list[StoredEvent], outcomes: list[StoredEvent], *, now: float, settle_s: float
) -> ArrivalAccount:
    """Match each outcome (greeting or miss, of any time) to its first arrival and to those
    that joined it, by camera; an arrival without one is pending while the timer may still
    judge it (``settle_s`` after it, as of ``now``), else lost."""
    by_camera: dict[str, list[float]] = defaultdict(list)
    for arrival in arrivals:
        by_camera[arrival.camera].append(arrival.event.start)
    for times in by_camera.values():
        times.sort()
    taken: dict[str, list[bool]] = {c: [False] * len(t) for c, t in by_camera.items()}
    counts = dict.fromkeys(("on_time", "late", "missed", "grouped"), 0)
    outside = 0
    for outcome in sorted(outcomes, key=_arrival_time):
        times, used = by_camera.get(outcome.camera, []), taken.get(outcome.camera, [])
        at = _arrival_time(outcome)
        index = bisect_left(times, at - SAME_ARRIVAL_S)
        while index < len(times) and used[index]:
            index += 1
        if index == len(times) or times[index] > at + SAME_ARRIVAL_S:
            outside += 1  # its arrival came before the period
            continue
        used[index] = True
        event = outcome.event
        if isinstance(event, MissedEvent):
            counts["missed"] += 1
            joined = event.values.customers - 1
        else:
            assert isinstance(event, GreetingEvent)
            late = event.verdict == GreetingVerdict.LATE
            counts["late" if late else "on_time"] += 1
            joined = event.values.customers - 1
        # Those who joined are the next arrivals not yet taken, in the order they came.
        follower = index + 1
        while joined > 0 and follower < len(times):
            if not used[follower]:
                used[follower] = True
                counts["grouped"] += 1
                joined -= 1
            follower += 1
    pending = lost = 0
    for camera, times in by_camera.items():
        for time, used_already in zip(times, taken[camera], strict=True):
            if not used_already:
                if now < time + settle_s:
                    pending += 1
                else:
                    lost += 1
    return ArrivalAccount(
        arrivals=len(arrivals), pending=pending, lost=lost, outside=outside, **counts
    )
