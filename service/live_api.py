"""Live routes: prompts and events over WebSocket and Server-Sent Events, prompt audio."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, StreamingResponse

from service.api import authorised
from service.hub import Hub, LiveMessage
from service.speech import mime_type
from service.store import EventStore, TokenInfo

AUDIO_NAME = re.compile(r"^[0-9a-f]{16,64}\.(ogg|wav)$")
LISTENERS = ("admin", "viewer", "earpiece")
Listener = Annotated[TokenInfo, authorised(*LISTENERS)]


def _as_text(message: LiveMessage) -> str:
    return json.dumps(message.model_dump(mode="json"), ensure_ascii=False)


def add_live_routes(app: FastAPI, hub: Hub, audio_dir: Path) -> None:
    @app.get("/api/prompts/audio/{name}", tags=["live"])
    def prompt_audio(name: str, _: Listener) -> FileResponse:
        """The spoken prompt (token may be given as ?token= for audio elements)."""
        path = audio_dir / name
        if not AUDIO_NAME.match(name) or not path.is_file():
            raise HTTPException(404, "no such prompt audio")
        return FileResponse(path, media_type=mime_type(path))

    @app.get("/api/live/stream", tags=["live"])
    async def live_stream(
        _: Listener, post: Annotated[str | None, Query(max_length=64)] = None
    ) -> StreamingResponse:
        """Server-Sent Events: the last prompts, then each new prompt, warning and event."""

        async def stream() -> AsyncIterator[str]:
            for message in list(hub.recent):
                yield f"data: {_as_text(message)}\n\n"
            async for message in hub.listen(post):
                yield f"data: {_as_text(message)}\n\n"

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    @app.websocket("/ws/live")
    async def live_socket(websocket: WebSocket, post: str | None = None) -> None:
        """The same messages over a WebSocket (token as ?token=; without a valid one the
        handshake is refused with HTTP 403)."""
        store: EventStore = websocket.app.state.store
        token = websocket.query_params.get("token")
        info = store.token_role(token) if token else None
        if info is None or info.role not in LISTENERS:
            await websocket.close(code=4401 if info is None else 4403)
            return
        await websocket.accept()
        try:
            for message in list(hub.recent):
                await websocket.send_text(_as_text(message))
            async for message in hub.listen(post):
                await websocket.send_text(_as_text(message))
        except WebSocketDisconnect:
            return
