"""The live hub: per-post delivery, replay of recent messages, stalled listeners."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from etiquette.service.live.hub import QUEUE_SIZE, Hub, LiveMessage


def _message(event_id: int, post: str | None) -> LiveMessage:
    return LiveMessage(
        kind="prompt",
        event_id=event_id,
        camera="lobby",
        type="greeting_prompt",
        post=post,
        text="t",
        captured_at=0.0,
        published_at=0.0,
    )


async def _id(listener: AsyncGenerator[LiveMessage | None, None]) -> int | None:
    message = await anext(listener)
    assert message is not None  # no heartbeats asked for
    return message.event_id


def test_posts_replay_and_order() -> None:
    async def scenario() -> tuple[list[int | None], list[int | None]]:
        hub = Hub()
        hub.attach(asyncio.get_running_loop())
        hub._deliver(_message(1, "door_post"))
        hub._deliver(_message(2, "counter_1"))
        door = hub.listen("door_post")
        everyone = hub.listen(None)
        door_seen = [await _id(door)]  # replay: only its own post
        all_seen = [await _id(everyone), await _id(everyone)]
        hub.publish(_message(3, None))  # unaddressed: for every listener
        hub.publish(_message(4, "counter_1"))
        door_seen.append(await _id(door))
        all_seen += [await _id(everyone), await _id(everyone)]
        await door.aclose()
        await everyone.aclose()
        assert hub.subscribers == []
        return door_seen, all_seen

    door_seen, all_seen = asyncio.run(scenario())
    assert door_seen == [1, 3]
    assert all_seen == [1, 2, 3, 4]


def test_a_stalled_listener_keeps_the_newest() -> None:
    async def scenario() -> int:
        hub = Hub()
        listener = hub.listen(None, replay=False)
        first = asyncio.ensure_future(anext(listener))
        await asyncio.sleep(0)
        for event_id in range(QUEUE_SIZE + 10):
            hub._deliver(_message(event_id, None))
        await first
        received = [await _id(listener) for _ in range(QUEUE_SIZE - 1)]
        await listener.aclose()
        last = received[-1]
        assert last is not None
        return last

    assert asyncio.run(scenario()) == QUEUE_SIZE + 9
