"""Live messages to browsers and earpieces: prompts and events, fanned out over asyncio.

Producers live in other threads (the supervisor); ``publish`` hands each message to the event
loop thread-safely. A subscriber picks a post (the earpiece at the door post) or everything.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

QUEUE_SIZE = 100
RECENT = 20


class LiveMessage(BaseModel):
    """What a listener receives."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["prompt", "warning", "event"]
    # The stored event; None while the database refuses it (stored later, prompt at once).
    event_id: int | None
    camera: str
    type: str
    post: str | None
    text: str | None = None
    audio_url: str | None = None
    captured_at: float  # capture time of the frame that caused it (epoch s)
    published_at: float


@dataclass
class Hub:
    loop: asyncio.AbstractEventLoop | None = None
    subscribers: list[tuple[str | None, asyncio.Queue[LiveMessage]]] = field(default_factory=list)
    recent: deque[LiveMessage] = field(default_factory=lambda: deque(maxlen=RECENT))
    # The greeting prompt's audio once rendered: an earpiece's test sound plays the real voice.
    prompt_audio_url: str | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def publish(self, message: LiveMessage) -> None:
        """From any thread."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._deliver, message)

    def _deliver(self, message: LiveMessage) -> None:
        self.recent.append(message)
        for post, queue in self.subscribers:
            if _for(post, message):
                _offer(queue, message)

    async def listen(
        self,
        post: str | None,
        replay: bool = True,
        idle_s: float | None = None,
        after_id: int | None = None,
    ) -> AsyncGenerator[LiveMessage | None, None]:
        """The recent messages for ``post`` (if ``replay``; with ``after_id``, only those
        stored after that event: a reconnecting earpiece asks for what it missed), then each
        new one; None after each ``idle_s`` without one (a heartbeat: a stream learns that its
        client left only when it writes). Registering and replaying happen in the loop's
        thread, so nothing published meanwhile is lost."""
        queue: asyncio.Queue[LiveMessage] = asyncio.Queue(QUEUE_SIZE)
        entry = (post, queue)
        self.subscribers.append(entry)
        if replay:
            for message in list(self.recent):
                if _for(post, message) and _missed(after_id, message):
                    _offer(queue, message)
        try:
            while True:
                try:
                    yield await asyncio.wait_for(queue.get(), idle_s)
                except TimeoutError:
                    yield None
        finally:
            self.subscribers.remove(entry)


def _for(post: str | None, message: LiveMessage) -> bool:
    """Everything for a listener without a post; for a post, its own and unaddressed ones."""
    return post is None or message.post in (None, post)


def _missed(after_id: int | None, message: LiveMessage) -> bool:
    """Stored after ``after_id``; one the database had refused (no id yet) cannot be placed
    and is sent again (the page recognises it by its capture time)."""
    return after_id is None or message.event_id is None or message.event_id > after_id


def _offer(queue: asyncio.Queue[LiveMessage], message: LiveMessage) -> None:
    if queue.full():
        queue.get_nowait()  # a stalled listener loses its oldest message
    queue.put_nowait(message)
