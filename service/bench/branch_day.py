"""A bank branch's day of events as its box stores them, for head office's bench (`etiquette
bench-hq`). The rates are a branch's, not a demo's:

- 150-400 customers a day (uniform), arriving over 08:30-17:30 with the late-morning and
  mid-afternoon peaks of a branch;
- each arrival: a door crossing in, customer_arrived, greeting_prompt, then a greeting (80 %
  on time, 8 % late, with a staff bow in 85 % of them and a welcome gesture in half) or a
  greeting_missed (10 %; 2 % lose the track before a verdict); guiding in 40 % (a guiding
  gesture in most); a queue wait in 65 %; in 75 % a counter visit and the teller's service
  (attention, one to three handovers, a stand-up in 30 %); a farewell and a door crossing out;
- per camera 20-60 posture lapses a day; 0-12 queue prompts with a staff response in 80 %;
  the opening line-up.

That is about 13 events a customer, ~3,500 a branch-day. Door, queue and guiding events are the
lobby camera's; the counter events share the counter cameras (with one camera, all are the
lobby's)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from etiquette.rules.events import Event, parse_event

OPENS, CLOSES = 8.5, 17.5  # the branch's hours, local
CUSTOMERS = (150, 400)
# Arrivals by hour from opening (relative weights): late morning and mid-afternoon peaks.
HOURLY = (0.6, 1.2, 1.4, 1.1, 0.7, 0.9, 1.2, 1.1, 0.8)
DOOR_STAFF, GUIDE_STAFF = 1, 3
DOOR, LOBBY_POST = "door_post", "lobby_post"
BOW_VERDICTS = ((10.0, "too_shallow"), (20.0, "to_standard"), (90.0, "too_deep"))


@dataclass(frozen=True)
class Cameras:
    lobby: str
    counters: tuple[str, ...]


def cameras_of(count: int) -> Cameras:
    """lobby, counter, counter_2, ...; one camera is the lobby and serves the counter too."""
    if count <= 1:
        return Cameras("lobby", ("lobby",))
    names = ["counter"] + [f"counter_{k}" for k in range(2, count)]
    return Cameras("lobby", tuple(names))


def _event(
    kind: str, start: float, track: int, role: str, values: dict[str, Any], **more: Any
) -> Event:
    fields = {"type": kind, "phase": "end", "track": track, "role": role, "start": start}
    return parse_event({"end": start, **fields, "values": values, **more})


def _arrival_time(rng: random.Random, opens: float) -> float:
    hour = rng.choices(range(len(HOURLY)), weights=HOURLY)[0]
    return opens + (hour + rng.random()) * 3600


def _bow(rng: random.Random, start: float, track: int) -> Event:
    depth = rng.gauss(15, 5)
    verdict = next(name for limit, name in BOW_VERDICTS if depth < limit)
    values = {
        "peak_deg": round(depth, 1),
        "time_to_peak_s": 0.7,
        "hold_s": 0.3,
        "duration_s": 1.5,
        "reference": "gravity",
    }
    return _event("bow", start, track, "staff", values, end=start + 1.5, verdict=verdict)


def _gesture(kind: str, start: float, track: int) -> Event:
    values = {"hand": "right", "sweep": 0.6, "fingers_together_share": 0.9, "duration_s": 1.0}
    return _event(kind, start, track, "staff", values, end=start + 1.0)


def _greeting(rng: random.Random, t: float, customer: int, first: bool) -> list[Event]:
    made = [
        _event(
            "door_crossing", t - 1.0, customer, "customer", {"direction": "in", "floor": (0.0, 0.1)}
        ),
        _event(
            "customer_arrived",
            t,
            customer,
            "customer",
            {"first_of_day": first, "floor": (0.2, 0.5)},
        ),
        _event(
            "greeting_prompt", t, customer, "customer", {"text": "客户进门，请迎宾", "customers": 1}
        ),
    ]
    fate = rng.random()
    if fate < 0.02:
        return made  # the track was lost before a verdict
    if fate < 0.12:
        values: dict[str, Any] = {"customers": 1, "staff_present": rng.random() < 0.5}
        return [*made, _event("greeting_missed", t, customer, "customer", values, end=t + 10)]
    latency = round(rng.uniform(0.2, 2.0) if fate < 0.92 else rng.uniform(2.2, 6.0), 2)
    greeted = t + latency
    values = {
        "latency_s": latency,
        "by_track": DOOR_STAFF,
        "customer_tracks": [customer],
    }
    verdict = "on_time" if latency <= 2.0 else "late"
    made.append(
        _event("greeting", greeted, DOOR_STAFF, "staff", values, end=greeted + 1.5, verdict=verdict)
    )
    if rng.random() < 0.85:
        made.append(_bow(rng, greeted, DOOR_STAFF))
    if rng.random() < 0.5:
        made.append(_gesture("welcome_gesture", greeted + 0.5, DOOR_STAFF))
    return made


def _guiding(rng: random.Random, t: float, customer: int) -> list[Event]:
    good = rng.random() < 0.75
    gesture = good or rng.random() < 0.5
    faults = [] if good else [rng.choice(("not_front_left", "destination_not_reached"))]
    faults += [] if gesture else ["no_gesture"]
    duration = rng.uniform(5, 20)
    values = {
        "customer": customer,
        "front_left_share": 0.8 if good else 0.3,
        "gesture": gesture,
        "destination": rng.choice(("ticket_machine", "self_service", "waiting")),
        "walked_m": round(duration * 0.8, 1),
        "duration_s": round(duration, 1),
        "faults": faults,
    }
    verdict = "to_standard" if not faults else "off_standard"
    made = [_event("guiding", t, GUIDE_STAFF, "staff", values, end=t + duration, verdict=verdict)]
    if gesture:
        made.append(_gesture("guiding_gesture", t + 1, GUIDE_STAFF))
    return made


def _teller(rng: random.Random, t: float, customer: int, camera: int) -> list[Event]:
    """A customer at a counter: seen on the lobby's floor, served at the counter."""
    teller, post = 10 + camera, f"desk_{camera + 1}"
    span = rng.uniform(180, 900)
    stood = rng.random() < 0.3
    handovers = rng.randint(1, 3)
    both = sum(rng.random() < 0.85 for _ in range(handovers))
    faults = [] if both == handovers else ["one_handed"]
    faults += [] if rng.random() < 0.85 else ["did_not_watch_leaving"]
    values = {
        "counter": post,
        "customer": customer,
        "stood_up": stood or None,
        "handovers": handovers,
        "both_hands": both,
        "watched_leaving": "did_not_watch_leaving" not in faults,
        "faults": faults,
    }
    made = [
        _event(
            "counter_visit",
            t,
            customer,
            "customer",
            {"counter": post, "duration_s": round(span)},
            end=t + span,
        ),
        _event("attention", t + 5, teller, "staff", {"post": post, "duration_s": 30.0}, end=t + 35),
        _event(
            "teller_service",
            t,
            teller,
            "staff",
            values,
            end=t + span,
            verdict="off_standard" if faults else "to_standard",
        ),
    ]
    if stood:
        made.append(_event("stood_up", t + 3, teller, "staff", {"post": post, "sat_s": 120.0}))
    for k in range(handovers):
        at = t + (k + 1) * span / (handovers + 1)
        hand = {"post": post, "both_hands": k < both, "duration_s": 1.5, "sitting": True}
        made.append(_event("handover", at, teller, "staff", hand, end=at + 1.5))
    return made


def _queue(rng: random.Random, t: float, customer: int) -> Event:
    wait = min(rng.expovariate(1 / 300), 3600)
    values = {"wait_s": round(wait), "left_to": "counter", "after_prompt": rng.random() < 0.1}
    return _event("queue_wait", t, customer, "customer", values, end=t + wait)


def _visit(
    rng: random.Random, t: float, customer: int, first: bool, cameras: Cameras
) -> list[tuple[str, Event]]:
    """One customer's visit from the door to the farewell, each event with its camera."""
    lobby = [*_greeting(rng, t, customer, first)]
    counter: list[Event] = []
    later = t + 30
    if rng.random() < 0.4:
        lobby += _guiding(rng, t + 5, customer)
    if rng.random() < 0.65:
        lobby.append(_queue(rng, later, customer))
        later = lobby[-1].end
    if rng.random() < 0.75:
        desk = rng.randrange(len(cameras.counters))
        served = _teller(rng, later, customer, desk)
        lobby.append(served[0])  # the counter visit, seen on the lobby's floor
        counter = served[1:]
        later = served[0].end
        camera = cameras.counters[desk]
    else:
        camera = cameras.lobby
    escorted = rng.random() < 0.7
    values = {
        "customer": customer,
        "escorted": escorted,
        "by_track": DOOR_STAFF if escorted else None,
    }
    verdict = "to_standard" if escorted else "off_standard"
    out = later + rng.uniform(20, 90)
    lobby.append(
        _event("farewell", out - 8, customer, "customer", values, end=out, verdict=verdict)
    )
    lobby.append(
        _event(
            "door_crossing", out, customer, "customer", {"direction": "out", "floor": (0.0, 0.1)}
        )
    )
    return [(cameras.lobby, e) for e in lobby] + [(camera, e) for e in counter]


def _staff_day(rng: random.Random, opens: float, cameras: Cameras) -> list[tuple[str, Event]]:
    """Posture lapses at every camera's post, queue prompts, the opening line-up."""
    span = (CLOSES - OPENS) * 3600
    made: list[tuple[str, Event]] = []
    for number, camera in enumerate(dict.fromkeys((cameras.lobby, *cameras.counters))):
        post = DOOR if camera == cameras.lobby else f"desk_{number}"
        for _ in range(rng.randint(20, 60)):
            t, off = opens + rng.random() * span, round(rng.uniform(6, 90), 1)
            reasons = [rng.choice(("leaning", "arms_crossed", "head_down", "hands_behind_back"))]
            lapse = {"off_s": off, "reasons": reasons, "post": post}
            staff = DOOR_STAFF if camera == cameras.lobby else 10 + number
            made.append(
                (
                    camera,
                    _event(
                        "posture", t, staff, "staff", lapse, end=t + off, verdict="off_standard"
                    ),
                )
            )
    for _ in range(rng.randint(0, 12)):
        t, length = _arrival_time(rng, opens), rng.randint(5, 9)
        text = {"text": f"柜台排队 {length} 人，请二次分流", "length": length, "held_s": 60.0}
        made.append((cameras.lobby, _event("queue_prompt", t, 0, "staff", text)))
        if rng.random() < 0.8:
            came = rng.uniform(10, 120)
            values = {"latency_s": round(came, 1), "length": length}
            made.append(
                (
                    cameras.lobby,
                    _event("queue_response", t, GUIDE_STAFF, "staff", values, end=t + came),
                )
            )
    posts = [
        {"post": DOOR, "track": DOOR_STAFF, "present": True, "standing": True, "posture_ok": True}
    ]
    lineup = {"opening": opens, "posts": posts, "salutes": 1}
    made.append(
        (
            cameras.lobby,
            _event(
                "opening_lineup", opens, 0, "staff", lineup, end=opens + 120, verdict="to_standard"
            ),
        )
    )
    return made


def branch_day(
    rng: random.Random, opens: float, cameras: Cameras, customers: int | None = None
) -> list[tuple[str, Event]]:
    """A branch's day from ``opens`` (epoch seconds), in the order the box stores the events
    (as they end)."""
    count = rng.randint(*CUSTOMERS) if customers is None else customers
    times = sorted(_arrival_time(rng, opens) for _ in range(count))
    made = _staff_day(rng, opens, cameras)
    for number, t in enumerate(times):
        made += _visit(rng, t, 1000 + number, number == 0, cameras)
    return sorted(made, key=lambda item: item[1].end)
