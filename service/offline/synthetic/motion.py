"""How synthetic people move and act over time: bows, nods, walking routes, the welcome
and guiding gestures, the raised-hand salute."""

from __future__ import annotations

import math
from collections.abc import Callable

from etiquette.service.offline.synthetic.actors import Actor
from etiquette.service.offline.synthetic.body import SHOULDER_HEIGHT, TRUNK_M, HandPose, Pose


def bow_profile(
    depth_deg: float, start_s: float, down_s: float, hold_s: float, up_s: float
) -> Callable[[float], Pose]:
    """Upright, smoothly down to ``depth_deg``, hold, and back up."""

    def pose_at(t: float) -> Pose:
        u = t - start_s
        if u <= 0 or u >= down_s + hold_s + up_s:
            return Pose()
        if u < down_s:
            share = 0.5 - 0.5 * math.cos(math.pi * u / down_s)
        elif u < down_s + hold_s:
            share = 1.0
        else:
            share = 0.5 + 0.5 * math.cos(math.pi * (u - down_s - hold_s) / up_s)
        return Pose(bow_deg=depth_deg * share)

    return pose_at


def nod_profile(depth_deg: float, start_s: float, duration_s: float) -> Callable[[float], Pose]:
    def pose_at(t: float) -> Pose:
        u = (t - start_s) / duration_s
        if not 0 < u < 1:
            return Pose()
        return Pose(nod_deg=depth_deg * math.sin(math.pi * u))

    return pose_at


def walking(
    speed_mps: float, start: tuple[float, float], heading_deg: float, lean_deg: float = 3.0
) -> tuple[Callable[[float], Pose], Callable[[float], tuple[float, float]]]:
    psi = math.radians(heading_deg)

    def pose_at(t: float) -> Pose:
        return Pose(bow_deg=lean_deg, stride=math.sin(2 * math.pi * 0.9 * t))

    def position_at(t: float) -> tuple[float, float]:
        return (start[0] + speed_mps * t * math.cos(psi), start[1] + speed_mps * t * math.sin(psi))

    return pose_at, position_at


def welcome_sweep(
    start_s: float, duration_s: float, together: bool = True, height: float = 1.1
) -> Callable[[float], Pose]:
    """The right hand swept out from in front of the waist to the side, palm up-forward,
    fingers pointing the way."""

    def pose_at(t: float) -> Pose:
        u = (t - start_s) / duration_s
        if not 0 <= u <= 1:
            return Pose()
        share = 0.5 - 0.5 * math.cos(math.pi * u)
        wrist = (-0.12 - 0.45 * share, height, 0.28 + 0.05 * share)
        fingers = (-0.8, 0.1, 0.5)
        return Pose(hand=HandPose(wrist, fingers, palm=(-0.3, 0.3, 0.9), together=together))

    return pose_at


def guiding_hold(start_s: float, duration_s: float, left: bool = False) -> Callable[[float], Pose]:
    """An arm (the right, or the ``left``) held out to the side at chest height, palm up,
    fingers together."""

    def pose_at(t: float) -> Pose:
        if not start_s <= t <= start_s + duration_s:
            return Pose()
        hand = HandPose(
            wrist=(-0.62, 1.32, 0.25), fingers=(-0.9, 0.0, 0.4), palm=(0.0, 1.0, 0.0), left=left
        )
        return Pose(hand=hand)

    return pose_at


Stop = tuple[float, float, float]  # (time s, floor x, floor y)


def route(stops: list[Stop]) -> Callable[[float], tuple[float, float]]:
    """A floor path through timed stops, straight between them; still before the first and
    after the last (a stop repeated at two times is standing there)."""

    def position_at(t: float) -> tuple[float, float]:
        if t <= stops[0][0]:
            return stops[0][1], stops[0][2]
        for index in range(1, len(stops)):
            (t0, x0, y0), (t1, x1, y1) = stops[index - 1], stops[index]
            if t <= t1:
                share = (t - t0) / (t1 - t0) if t1 > t0 else 1.0
                return x0 + share * (x1 - x0), y0 + share * (y1 - y0)
        return stops[-1][1], stops[-1][2]

    return position_at


def route_velocity(stops: list[Stop], t: float) -> tuple[float, float]:
    """The exact floor velocity along a route at ``t`` (m/s)."""
    for index in range(1, len(stops)):
        (t0, x0, y0), (t1, x1, y1) = stops[index - 1], stops[index]
        if t0 <= t < t1:
            return (x1 - x0) / (t1 - t0), (y1 - y0) / (t1 - t0)
    return 0.0, 0.0


def route_pose(
    stops: list[Stop], act: Callable[[float], Pose] | None = None, lean_deg: float = 3.0
) -> Callable[[float], Pose]:
    """Striding while the route moves, standing otherwise; a bow or a hand from ``act``."""

    def pose_at(t: float) -> Pose:
        acted = act(t) if act is not None else Pose()
        vx, vy = route_velocity(stops, t)
        if vx == 0.0 and vy == 0.0:
            return acted
        return Pose(
            bow_deg=acted.bow_deg or lean_deg,
            stride=math.sin(2 * math.pi * 0.9 * t),
            hand=acted.hand,
        )

    return pose_at


def routed_actor(
    track_id: int, stops: list[Stop], facing_deg: float, act: Callable[[float], Pose] | None = None
) -> Actor:
    return Actor(track_id, route_pose(stops, act), route(stops), facing_deg=facing_deg)


def ease(t: float, start_s: float, duration_s: float) -> float:
    """0 before start_s, 1 after start_s + duration_s, a smooth S between."""
    if duration_s <= 0:
        return 0.0 if t < start_s else 1.0
    u = min(1.0, max(0.0, (t - start_s) / duration_s))
    return 0.5 - 0.5 * math.cos(math.pi * u)


def salute(
    start_s: float, duration_s: float, wrist_height: float = 1.78
) -> Callable[[float], Pose]:
    """举手礼: the right hand raised beside the head, fingers together pointing up, palm
    forward, held for ``duration_s``; standing otherwise."""

    def pose_at(t: float) -> Pose:
        if not start_s <= t <= start_s + duration_s:
            return Pose()
        hand = HandPose(
            wrist=(-0.30, wrist_height, 0.08), fingers=(-0.1, 1.0, 0.0), palm=(0.0, 0.0, 1.0)
        )
        return Pose(hand=hand)

    return pose_at


def salute_height(wrist_height: float) -> float:
    """The exact wrist height above the shoulder of :func:`salute`, in trunk lengths."""
    return (wrist_height - SHOULDER_HEIGHT) / TRUNK_M
