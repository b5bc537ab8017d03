"""Small builders of the per-frame container for tests."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from etiquette.rules.events import (
    ArrivalValues,
    BowValues,
    Event,
    GestureValues,
    GreetingValues,
    MissedValues,
    Phase,
    PostureValues,
    PromptValues,
    parse_event,
)
from etiquette.service.store.models import NewClip, StoredEvent
from etiquette.vision.frame import NUM_JOINTS, People


def people(count: int, with_world: bool = True) -> People:
    rng = np.random.default_rng(count)
    keypoints = rng.uniform(0, 100, (count, NUM_JOINTS, 3))
    keypoints[:, :, 2] = 1.0
    world = (
        rng.normal(0, 0.3, (count, NUM_JOINTS, 3))
        if with_world
        else np.full((count, NUM_JOINTS, 3), np.nan)
    )
    return People(
        boxes=np.tile([0.0, 0.0, 100.0, 200.0], (count, 1)),
        scores=np.ones(count),
        keypoints=keypoints,
        world=world,
        track_ids=np.arange(1, count + 1),
    )


def event(**fields: Any) -> Event:
    """An event of the kind ``fields["type"]`` names, validated as the rules make them
    (values may be given as their model or as a dict, verdicts as their text)."""
    return parse_event(fields)


# Events of each kind as the rules report them, with the fields a test varies.


def arrival(t: float, track: int = 100, first_of_day: bool = False) -> Event:
    values = ArrivalValues(first_of_day=first_of_day, floor=(0.1, 0.5))
    return event(
        type="customer_arrived",
        phase=Phase.END,
        track=track,
        role="customer",
        start=t,
        end=t,
        values=values,
    )


def prompt(t: float, track: int = 100) -> Event:
    values = PromptValues(text="客户进门，请迎宾", customers=1)
    return event(
        type="greeting_prompt",
        phase=Phase.END,
        track=track,
        role="customer",
        start=t,
        end=t,
        values=values,
    )


def bow(
    t: float,
    depth: float = 15.0,
    verdict: str | None = "to_standard",
    track: int = 1,
    role: str = "staff",
) -> Event:
    values = BowValues(
        peak_deg=depth, time_to_peak_s=0.7, hold_s=0.3, duration_s=1.5, reference="gravity"
    )
    return event(
        type="bow",
        phase=Phase.END,
        track=track,
        role=role,
        start=t,
        end=t + 1.5,
        peak=t + 0.7,
        values=values,
        verdict=verdict,
    )


def gesture(t: float, kind: str = "welcome_gesture", track: int = 1) -> Event:
    values = GestureValues(hand="right", sweep=0.5, fingers_together_share=0.9, duration_s=1.0)
    return event(
        type=kind, phase=Phase.END, track=track, role="staff", start=t, end=t + 1.5, values=values
    )


def greeting(t: float, latency_s: float, verdict: str | None, track: int = 1) -> Event:
    """A greeting that started ``latency_s`` after an arrival at ``t``."""
    values = GreetingValues(latency_s=latency_s, by_track=track)
    return event(
        type="greeting",
        phase=Phase.END,
        track=track,
        role="staff",
        start=t + latency_s,
        end=t + latency_s + 1.0,
        values=values,
        verdict=verdict,
    )


def missed(t: float, track: int = 100, staff_present: bool = True) -> Event:
    values = MissedValues(customers=1, staff_present=staff_present)
    return event(
        type="greeting_missed",
        phase=Phase.END,
        track=track,
        role="customer",
        start=t,
        end=t + 3.0,
        values=values,
    )


def posture(t: float, off_s: float, post: str | None, track: int = 2) -> Event:
    values = PostureValues(off_s=off_s, reasons=["leaning"], post=post)
    return event(
        type="posture",
        phase=Phase.END,
        track=track,
        role="staff",
        start=t,
        end=t + off_s,
        values=values,
        verdict="off_standard",
    )


def new_clip(start: float, file: str, size_bytes: int = 1000, track: int = 1) -> NewClip:
    """A written clip of a customer's arrival with no greeting, as a runner reports it."""
    return NewClip(
        reason="missed_greeting",
        event_type="customer_arrived",
        track=track,
        role="customer",
        verdict=None,
        post=None,
        event_start=start,
        clip_start=start - 3,
        duration_s=6.0,
        file=file,
        size_bytes=size_bytes,
        summary="未迎宾 missed greeting",
    )


def stored(events: Sequence[Event], posts: Sequence[str | None] | None = None) -> list[StoredEvent]:
    """Events as the store would give them back: ids 1, 2, ..., camera lobby, these posts."""
    kept = posts or [None] * len(events)
    return [
        StoredEvent(id=i + 1, camera="lobby", post=post, created_at=datetime(2026, 11, 30), event=e)
        for i, (e, post) in enumerate(zip(events, kept, strict=True))
    ]


def shift_events(count: int, start: float, seed: int = 0) -> list[Event]:
    """``count`` events of every kind spread over an 8-hour shift from ``start``."""
    rng = random.Random(seed)
    made: list[Event] = []
    for index in range(count):
        t = start + rng.uniform(0, 8 * 3600)
        kind = index % 6
        if kind == 0:
            made.append(arrival(t, track=100 + index, first_of_day=index == 0))
        elif kind == 1:
            made.append(prompt(t, track=100 + index))
        elif kind == 2:
            depth = rng.gauss(15, 6)
            verdict = (
                "to_standard" if 10 <= depth <= 20 else "too_shallow" if depth < 10 else "too_deep"
            )
            made.append(bow(t, depth, verdict, track=1 + index % 3))
        elif kind == 3:
            latency = rng.uniform(0, 3)
            made.append(greeting(t, latency, "on_time" if latency <= 2.0 else "late"))
        elif kind == 4:
            made.append(missed(t, track=100 + index))
        elif index % 12 == 5:
            made.append(posture(t, 9.0, "door_post"))
        else:
            made.append(gesture(t))
    return made
