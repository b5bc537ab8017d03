"""A synthetic branch day: one scripted scene per process of the deck (opening line-up,
greeting and guiding, queue diversion, the teller's five steps, polite farewell), each
with the outcome it was scripted to have. No real footage of these processes exists, so
the people are synthetic bodies on a known floor, seen through a known camera with the pose
model's landmark noise (the same actors the rules' tests are measured with)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time

from etiquette.calibration.camera_file import CameraFile, DoorLine, Zones
from etiquette.service.offline.synthetic.actors import (
    Actor,
    camera_file,
    counter_camera,
    teller_at_counter,
)
from etiquette.service.offline.synthetic.body import Pose, TellerPose
from etiquette.service.offline.synthetic.camera import SyntheticCamera
from etiquette.service.offline.synthetic.motion import (
    Stop,
    bow_profile,
    ease,
    guiding_hold,
    routed_actor,
    salute,
)

LOBBY, COUNTER = "lobby", "counter_1"
DOOR_STAFF, TELLER, GUIDE = 1, 2, 3  # enrolled staff (the demo's rules say so)
DOOR_POST_AT = (1.7, 1.3)
TELLER_POST_AT = (-2.9, 4.8)
COUNTER_1_AT = (-2.9, 3.8)  # where the customer stands at counter 1
SELF_SERVICE_AT = (3.1, 4.1)
QUEUE_Y = 4.1


def _box(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def lobby_camera() -> tuple[SyntheticCamera, CameraFile]:
    """The lobby camera, 3.2 m up on the back wall 9 m from the door, looking at it: the door
    (y = 0), the door post and the ticket machine beside it, the queue in front of the
    counters, counter 1's customer place and teller post, and the self-service machines."""
    camera = SyntheticCamera(
        height_m=3.2, tilt_deg=30.0, focal_px=800.0, yaw_deg=180.0, position_xy=(0.0, 9.0)
    )
    zones = Zones(
        door=DoorLine(a=[-1.2, 0.0], b=[1.2, 0.0], inside=[0.0, 2.0]),
        posts={
            "door_post": _box(1.2, 0.8, 2.2, 1.8),
            "counter_1": _box(-3.4, 4.4, -2.4, 5.2),
            "counter_2": _box(2.2, 4.8, 3.2, 5.6),
        },
        counters={"counter_1": _box(-3.4, 3.4, -2.4, 4.2)},
        queue=_box(-1.6, 3.6, 1.6, 4.6),
        areas={
            "ticket_machine": _box(-2.6, 0.6, -1.6, 2.0),
            "self_service": _box(2.6, 3.6, 3.6, 4.6),
        },
    )
    return camera, camera_file(camera).model_copy(update={"zones": zones})


def counter_1_camera() -> tuple[SyntheticCamera, CameraFile]:
    """Counter 1's own camera, facing the teller at seated head height (chest or hips up)."""
    camera = counter_camera()
    return camera, camera_file(camera).model_copy(update={"faces_post": COUNTER})


@dataclass(frozen=True)
class Expected:
    """What a scene was scripted to produce, as people read it (``says``): ``count`` events
    of ``type``, each with this ``verdict`` (if given), one of them with these ``values``."""

    says: str
    type: str
    count: int = 1
    verdict: str | None = None
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Scene:
    """People on one camera from a local clock time, and what they were scripted to do."""

    process: str  # the report's process name
    title: str  # what happens, for people
    camera: str
    clock: time
    seconds: float
    actors: list[Actor]
    scripted: list[Expected]
    fps: float = 10.0
    seed: int = 0
    also: list[Scene] = field(default_factory=list)  # the same moment on another camera


def _standing(
    track: int,
    at: tuple[float, float],
    facing_deg: float,
    act: Callable[[float], Pose] | None = None,
) -> Actor:
    return Actor(track, act or (lambda t: Pose()), lambda t: at, facing_deg=facing_deg)


def opening() -> Scene:
    """08:59:30: the door post and counter 1 are manned, counter 2 is empty (so the posts are
    prompted 20 s before opening); the branch opens at 09:00:00, the first customer walks
    in at 09:00:05, the lobby manager bows and the teller salutes."""
    customer = routed_actor(10, [(0.0, 0.3, -2.0), (35.0, 0.3, -2.0), (38.3, 0.3, 2.0)], 90.0)
    door_staff = _standing(DOOR_STAFF, DOOR_POST_AT, 180.0, bow_profile(15.0, 37.2, 0.8, 0.5, 0.8))
    teller = _standing(TELLER, TELLER_POST_AT, -90.0, salute(37.5, 2.5))
    return Scene(
        process="opening",
        title="开门迎宾：2号柜台未到岗 / opening line-up, counter 2 empty",
        camera=LOBBY,
        clock=time(8, 59, 30),
        seconds=75.0,
        actors=[door_staff, teller, customer],
        scripted=[
            Expected(
                "开门前提示2号柜台到岗 / the empty post prompted before opening",
                "opening_prompt",
                values={"empty_posts": ["counter_2"]},
            ),
            Expected(
                "开门迎宾未达标（缺岗） / line-up off standard: a post empty",
                "opening_lineup",
                verdict="off_standard",
            ),
            Expected("柜员举手礼 / the teller's raised-hand salute", "salute"),
            Expected(
                "首位客户及时鞠躬迎宾 / the first customer greeted with a bow in time",
                "greeting",
                verdict="on_time",
            ),
        ],
    )


# The guided customer comes in 0.8 m right of the door's middle, stops 1.3 m inside, then
# walks 2.9 m along -x at 0.8 m/s into the ticket machine area; the lobby manager walks at
# their front left (ahead and to their left: -x, -y) with the guiding gesture.
ENTERING: list[Stop] = [(0.0, 0.8, -4.0), (5.3, 0.8, 1.3), (9.0, 0.8, 1.3), (12.6, -2.1, 1.3)]


def guiding() -> Scene:
    """09:12: a customer is greeted with a bow and guided to the ticket machine at their
    front left with the guiding gesture."""
    bow, hand = bow_profile(15.0, 4.6, 0.8, 0.5, 0.8), guiding_hold(9.5, 2.0, left=True)

    def act(t: float) -> Pose:
        return Pose(bow_deg=bow(t).bow_deg, hand=hand(t).hand)

    staff_route: list[Stop] = [
        (0.0, *DOOR_POST_AT),
        (7.0, *DOOR_POST_AT),
        (8.0, 0.2, 0.7),
        (9.0, 0.2, 0.7),
        (12.6, -2.7, 0.7),
    ]
    return Scene(
        process="guiding",
        title="迎宾引导：左前方引导至取号机 / guided at the front left to the ticket machine",
        camera=LOBBY,
        clock=time(9, 12),
        seconds=16.0,
        actors=[
            routed_actor(DOOR_STAFF, staff_route, 180.0, act),
            routed_actor(10, ENTERING, 90.0),
        ],
        scripted=[
            Expected("鞠躬迎宾及时 / greeted with a bow in time", "greeting", verdict="on_time"),
            Expected(
                "左前方引导、指引手势至取号机 / front left, gesture, to the tickets",
                "guiding",
                verdict="to_standard",
                values={"destination": "ticket_machine"},
            ),
        ],
        fps=15.0,
    )


def queue() -> Scene:
    """10:30: four customers queue in front of the counters; the prompt is due 10 s in
    (2 s to count as queued, then 8 s held); a staff member comes to them at about 14 s and
    one customer leaves the queue for the self-service machines at 18 s."""
    customers = [
        routed_actor(10 + i, [(0.0, x, QUEUE_Y)], 90.0) for i, x in enumerate((-0.9, -0.3, 0.3))
    ]
    leaving: list[Stop] = [(0.0, 0.9, QUEUE_Y), (18.0, 0.9, QUEUE_Y), (20.2, *SELF_SERVICE_AT)]
    staff: list[Stop] = [(0.0, 3.5, 3.3), (12.0, 3.5, 3.3), (15.0, 0.5, 3.3)]
    return Scene(
        process="diversion",
        title="客户分流：排队4人，提示后二次分流 / a queue of four, prompted and diverted",
        camera=LOBBY,
        clock=time(10, 30),
        seconds=26.0,
        actors=[*customers, routed_actor(13, leaving, 90.0), routed_actor(GUIDE, staff, 180.0)],
        scripted=[
            Expected("柜台排队提示二次分流 / the queue prompt", "queue_prompt"),
            Expected(
                "工作人员到达排队客户身边 / a staff member comes to the queue", "queue_response"
            ),
            Expected(
                "4位客户排队，1位转自助机 / four queued, one diverted to self-service",
                "queue_wait",
                count=4,
                values={"left_to": "self_service"},
            ),
        ],
        seed=3,
    )


def _served(t: float) -> TellerPose:
    """Seated until the customer arrives (5 s), up by 6.5 s; both hands reach across the
    counter twice; looking down at the desk between, and after the customer as they go."""
    reach = 60.0 * (
        ease(t, 11.0, 0.3) * (1 - ease(t, 12.5, 0.3))
        + ease(t, 22.0, 0.3) * (1 - ease(t, 23.5, 0.3))
    )
    looking_down = ease(t, 8.0, 0.5) * (1 - ease(t, 27.0, 0.5))
    return TellerPose(
        sit=1.0 - ease(t, 5.5, 1.0),
        reach_deg=(reach, reach),
        hands_apart_m=0.15,
        nod_deg=35.0 * looking_down * (1.0 - reach / 60.0),
    )


def teller() -> Scene:
    """10:45: a customer walks to counter 1 (seen by the lobby camera) and is served: the
    teller stands up as they arrive, hands over twice with both hands and watches them go
    (seen by counter 1's camera)."""
    visit: list[Stop] = [
        (0.0, 0.0, 2.5),
        (4.5, *COUNTER_1_AT),
        (30.0, *COUNTER_1_AT),
        (34.0, 0.3, 2.0),
    ]
    counter_side = Scene(
        process="teller",
        title="1号柜台摄像机 / counter 1's camera",
        camera=COUNTER,
        clock=time(10, 45),
        seconds=36.0,
        actors=[teller_at_counter(TELLER, _served)],
        scripted=[
            Expected("柜员起身相迎 / the teller stands up", "stood_up"),
            Expected(
                "两次双手递接 / two handovers with both hands",
                "handover",
                count=2,
                values={"both_hands": True},
            ),
        ],
    )
    return Scene(
        process="teller",
        title="临柜五部曲：起身相迎、双手递接、目送 / stand, both hands, watch them go",
        camera=LOBBY,
        clock=time(10, 45),
        seconds=36.0,
        actors=[routed_actor(10, visit, 90.0)],
        scripted=[
            Expected("客户到1号柜台办理业务 / a customer served at counter 1", "counter_visit"),
            Expected(
                "临柜五部曲达标 / the teller's five steps to standard",
                "teller_service",
                verdict="to_standard",
                values={"watched_leaving": True},
            ),
        ],
        also=[counter_side],
    )


LEAVING: list[Stop] = [(0.0, 0.3, 6.5), (8.5, 0.3, -2.0)]


def farewell(escorted: bool) -> Scene:
    """A customer walks from the counters out through the door at 1 m/s; with ``escorted``,
    the lobby manager walks beside them to the door."""
    actors: list[Actor] = [routed_actor(10, LEAVING, -90.0)]
    if escorted:
        actors.append(routed_actor(DOOR_STAFF, [(0.0, 1.1, 6.5), (6.2, 1.1, 0.3)], -90.0))
    return Scene(
        process="farewell",
        title=(
            "礼貌送客：陪同送至门口 / escorted to the door"
            if escorted
            else "礼貌送客：客户独自离开 / the customer leaves alone"
        ),
        camera=LOBBY,
        clock=time(11, 20) if escorted else time(11, 25),
        seconds=10.0,
        actors=actors,
        scripted=[
            Expected(
                "客户出门 / the customer goes out of the door",
                "door_crossing",
                values={"direction": "out"},
            ),
            Expected(
                "陪同送客至门口 / escorted to the door"
                if escorted
                else "未送客：客户独自离开 / not escorted: left alone",
                "farewell",
                verdict="to_standard" if escorted else "off_standard",
            ),
        ],
        seed=1 if escorted else 2,
    )


def branch_day() -> list[Scene]:
    return [opening(), guiding(), queue(), teller(), farewell(True), farewell(False)]
