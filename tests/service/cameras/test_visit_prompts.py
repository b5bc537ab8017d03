"""The queue's second-diversion prompt and the opening prompt reach the lobby manager's
earpiece like the greeting prompt: stored, then published as prompts with their own text."""

from __future__ import annotations

from pathlib import Path

from etiquette.rules.events import Phase
from etiquette.service.cameras.event_keeper import EventKeeper
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
        ("prompt", "opening_prompt", "door_post", "距开门还有5分钟，counter_1尚未到岗"),
    ]
    assert [m.event_id is not None for m in received] == [True, True]
    assert [e.event.type for e in store.events(limit=10)] == ["queue_prompt", "opening_prompt"]
