"""What the event keeper does with the events of a whole visit: the queue's and the opening's
prompts reach the lobby manager's earpiece like the greeting prompt, and the teller's five
steps are judged from the lobby camera's counter visits and the counter camera's acts."""

from __future__ import annotations

from pathlib import Path

from etiquette.calibration.camera_file import CameraFile, save_camera
from etiquette.rules.events import Event, Phase
from etiquette.service.cameras.event_keeper import EventKeeper, counter_posts
from etiquette.service.cameras.runner import EventMessage
from etiquette.service.config import SiteConfig
from etiquette.service.live.state import LiveState
from etiquette.service.store.events import EventStore
from tests.factories import event
from tests.service.store.test_event_survival import Listener

AT = 1_796_000_000.0


def test_queue_and_opening_prompts_are_spoken_to_the_door_post(tmp_path: Path) -> None:
    site = SiteConfig.model_validate(
        {
            "cameras": [{"name": "lobby", "source": "0"}],
            "storage": {"data_dir": str(tmp_path / "data")},
            "prompts": {"enabled": False},
            "names": {"counter_1": "1号柜台"},
        }
    )
    site.storage.data_dir.mkdir(parents=True)
    store = EventStore(site.database_url())
    listener = Listener()
    keeper = EventKeeper(site, store, LiveState(), listener.hub, None)
    queue = event(
        type="queue_prompt",
        phase=Phase.END,
        track=-1,
        role=None,
        start=AT,
        end=AT,
        values={"text": "柜台排队4人，请二次分流", "length": 4, "held_s": 61.0},
    )
    opening = event(
        type="opening_prompt",
        phase=Phase.END,
        track=-1,
        role=None,
        start=AT + 10,
        end=AT + 10,
        values={
            "text": "距开门还有5分钟，counter_1尚未到岗",
            "empty_posts": ["counter_1"],
            "before_s": 300,
        },
    )
    for sent in (queue, opening):
        keeper.handle(EventMessage("lobby", sent.model_dump(mode="json"), None))
    received = listener.wait_for(2)
    assert [(m.kind, m.type, m.post, m.text) for m in received] == [
        ("prompt", "queue_prompt", "door_post", "柜台排队4人，请二次分流"),
        ("prompt", "opening_prompt", "door_post", "距开门还有5分钟，1号柜台尚未到岗"),
    ]
    assert [m.event_id is not None for m in received] == [True, True]
    assert [e.event.type for e in store.events(limit=10)] == ["queue_prompt", "opening_prompt"]


def _visit_and_acts(start: float) -> list[tuple[str, Event]]:
    """A customer at counter_1 seen by the lobby camera, the teller's acts by the counter's."""

    def act(kind: str, at: float, seconds: float, values: dict[str, object]) -> Event:
        return event(
            type=kind,
            phase=Phase.END,
            track=1,
            role="staff",
            start=at,
            end=at + seconds,
            values={"post": "counter_1", **values},
        )

    visit = event(
        type="counter_visit",
        phase=Phase.END,
        track=7,
        role="customer",
        start=start,
        end=start + 60,
        values={"counter": "counter_1", "duration_s": 60.0},
    )
    return [
        ("counter", act("stood_up", start + 1, 0, {"sat_s": 120.0})),
        ("counter", act("handover", start + 20, 2, {"both_hands": True, "duration_s": 2.0})),
        ("counter", act("handover", start + 40, 2, {"both_hands": False, "duration_s": 2.0})),
        ("counter", act("attention", start + 58, 4, {"duration_s": 4.0})),
        ("lobby", visit),
    ]


def test_the_tellers_steps_are_judged_from_both_cameras_events(tmp_path: Path) -> None:
    """The lobby camera's counter visit and the counter camera's acts meet in the keeper;
    a counter without a counter camera is not judged (its teller is not seen)."""
    cameras = tmp_path / "cameras"
    cameras.mkdir()
    save_camera(CameraFile(image_size=[640, 480], faces_post="counter_1"), cameras / "c.yaml")
    site = SiteConfig.model_validate(
        {
            "cameras": [
                {"name": "lobby", "source": "0"},
                {"name": "counter", "source": "1", "camera_file": str(cameras / "c.yaml")},
            ],
            "storage": {"data_dir": str(tmp_path / "data")},
            "prompts": {"enabled": False},
        }
    )
    site.storage.data_dir.mkdir(parents=True)
    store = EventStore(site.database_url())
    keeper = EventKeeper(site, store, LiveState(), Listener().hub, None)
    assert counter_posts(site) == {"counter_1"}
    for camera, sent in _visit_and_acts(AT):
        keeper.handle(EventMessage(camera, sent.model_dump(mode="json"), None))
    other = event(
        type="counter_visit",
        phase=Phase.END,
        track=8,
        role="customer",
        start=AT + 100,
        end=AT + 130,
        values={"counter": "counter_2", "duration_s": 30.0},
    )
    keeper.handle(EventMessage("lobby", other.model_dump(mode="json"), None))
    keeper.close()  # the last visit's windows are still open: judged on closing
    judged = store.events(types=["teller_service"], limit=10)
    assert len(judged) == 1
    service = judged[0]
    assert (service.camera, service.post) == ("lobby", "counter_1")
    assert service.event.verdict == "off_standard"
    assert service.event.values.model_dump(
        include={"stood_up", "handovers", "both_hands", "watched_leaving", "faults"}
    ) == {  # type: ignore[union-attr]
        "stood_up": True,
        "handovers": 2,
        "both_hands": 1,
        "watched_leaving": True,
        "faults": ["one_handed"],
    }
