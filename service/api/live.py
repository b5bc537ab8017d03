"""Live routes: prompts and events over WebSocket and Server-Sent Events, prompt audio."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse

from etiquette.service.api.app import NOT_FOUND, UNAUTHORISED, UrlViewer, authorised
from etiquette.service.api.pages import WEB, page
from etiquette.service.live.hub import Hub, LiveMessage
from etiquette.service.live.speech import mime_type
from etiquette.service.live.state import LiveState
from etiquette.service.store.events import EventStore, TokenInfo
from etiquette.service.store.models import ROLES

PAGE_ASSETS = {
    "common.js": "text/javascript",
    "calibrate.js": "text/javascript",
    "calibrate-text.js": "text/javascript",
    "calibrate-draw.js": "text/javascript",
    "calibrate-live.js": "text/javascript",
}
MJPEG_EVERY_S = 0.25
HEARTBEAT_S = 10.0  # an event stream writes at least this often, to notice a client gone
AUDIO_NAME = re.compile(r"^[0-9a-f]{16,64}\.(ogg|wav)$")
LISTENERS = ROLES  # every role may listen
Listener = Annotated[TokenInfo, authorised(*LISTENERS)]
UrlListener = Annotated[TokenInfo, authorised(*LISTENERS, in_url=True)]  # also ?token=


def _as_text(message: LiveMessage) -> str:
    return json.dumps(message.model_dump(mode="json"), ensure_ascii=False)


def add_live_routes(app: FastAPI, hub: Hub, audio_dir: Path, live: LiveState) -> None:
    @app.get("/web/{name}", include_in_schema=False)
    def page_asset(name: str) -> FileResponse:
        """The pages' scripts (no token: they hold no data)."""
        media_type = PAGE_ASSETS.get(name)
        if media_type is None:
            raise HTTPException(404, f"no page asset {name!r}")
        return FileResponse(WEB / name, media_type=media_type)

    @app.get("/earpiece", response_class=HTMLResponse, tags=["pages"])
    def earpiece_page(_: UrlListener) -> HTMLResponse:
        """The page a staff phone opens (?token= an earpiece token)."""
        return page("earpiece.html")

    @app.get("/dashboard", response_class=HTMLResponse, tags=["pages"])
    def dashboard_page(_: UrlViewer) -> HTMLResponse:
        """The manager's live view and today's events (?token= a viewer token)."""
        return page("dashboard.html")

    @app.get("/api/posts", response_model=list[str], tags=["live"])
    def posts(_: Listener) -> list[str]:
        """The staff posts drawn in the cameras' zones."""
        return live.posts

    @app.get(
        "/api/cameras/{name}/snapshot.jpg",
        tags=["cameras"],
        responses={**NOT_FOUND, 200: {"content": {"image/jpeg": {}}}},
    )
    def snapshot(name: str, _: UrlViewer) -> Response:
        """The latest annotated frame (token also as ?token=, for an <img>)."""
        jpeg = live.view(name)
        if jpeg is None:
            raise HTTPException(404, f"no picture from camera {name!r} yet")
        return Response(jpeg, media_type="image/jpeg")

    @app.get(
        "/api/cameras/{name}/live.mjpeg",
        responses={**NOT_FOUND, 200: {"content": {"multipart/x-mixed-replace": {}}}},
        tags=["cameras"],
    )
    async def live_view(name: str, _: UrlViewer) -> StreamingResponse:
        """Annotated frames as a multipart JPEG stream (an <img> can show it; token also as
        ?token=)."""
        if name not in {c.name for c in live.camera_list()}:
            raise HTTPException(404, f"no camera {name!r}")

        async def frames() -> AsyncIterator[bytes]:
            last: bytes | None = None
            sent = 0.0
            while True:
                jpeg = live.view(name)
                # The same frame again now and then: a stalled camera's viewer that left is
                # noticed by the write.
                again = time.monotonic() - sent >= HEARTBEAT_S
                if jpeg is not None and (jpeg is not last or again):
                    last, sent = jpeg, time.monotonic()
                    yield (b"--frame\r\nContent-Type: image/jpeg\r\n\r\n" + jpeg + b"\r\n")
                await asyncio.sleep(MJPEG_EVERY_S)

        return StreamingResponse(frames(), media_type="multipart/x-mixed-replace; boundary=frame")

    @app.get(
        "/api/prompts/audio/{name}",
        responses={**NOT_FOUND, 200: {"content": {"audio/ogg": {}, "audio/wav": {}}}},
        tags=["live"],
    )
    def prompt_audio(name: str, _: UrlListener) -> FileResponse:
        """The spoken prompt (token may be given as ?token= for audio elements)."""
        path = audio_dir / name
        if not AUDIO_NAME.match(name) or not path.is_file():
            raise HTTPException(404, "no such prompt audio")
        return FileResponse(path, media_type=mime_type(path))

    @app.get(
        "/api/live/stream",
        responses={**UNAUTHORISED, 200: {"content": {"text/event-stream": {}}}},
        tags=["live"],
    )
    async def live_stream(
        _: UrlListener, post: Annotated[str | None, Query(max_length=64)] = None
    ) -> StreamingResponse:
        """Server-Sent Events: the last prompts, then each new prompt, warning and event (token
        also as ?token=, for an EventSource)."""

        async def stream() -> AsyncIterator[str]:
            async for message in hub.listen(post, idle_s=HEARTBEAT_S):
                yield ": heartbeat\n\n" if message is None else f"data: {_as_text(message)}\n\n"

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
        sending = asyncio.create_task(_send_messages(websocket, hub, post))
        try:
            # The client says nothing; its receive ends when it leaves, and so do we.
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
        finally:
            sending.cancel()


async def _send_messages(websocket: WebSocket, hub: Hub, post: str | None) -> None:
    try:
        async for message in hub.listen(post):
            if message is not None:
                await websocket.send_text(_as_text(message))
    except (WebSocketDisconnect, RuntimeError):  # closed meanwhile
        return
