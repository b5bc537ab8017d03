"""Live routes: prompts and events over WebSocket and Server-Sent Events, prompt audio."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request, WebSocket
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse

from etiquette.service.api.app import NOT_FOUND, UNAUTHORISED, UrlViewer, _token, authorised
from etiquette.service.api.earpiece import (
    Listening,
    add_manifest_route,
    as_text,
    post_cameras,
    refusal,
    serve_socket,
)
from etiquette.service.api.pages import WEB, page
from etiquette.service.live.hub import Hub
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
    "calibrate-lens.js": "text/javascript",
    "dashboard.js": "text/javascript",
    "clips.js": "text/javascript",
    "earpiece.js": "text/javascript",
    "earpiece-192.png": "image/png",
    "earpiece-512.png": "image/png",
}
MJPEG_EVERY_S = 0.25
HEARTBEAT_S = 10.0  # an event stream writes at least this often, to notice a client gone
AUDIO_NAME = re.compile(r"^[0-9a-f]{16,64}\.(ogg|wav)$")
LISTENERS = ROLES  # every role may listen
Listener = Annotated[TokenInfo, authorised(*LISTENERS)]
UrlListener = Annotated[TokenInfo, authorised(*LISTENERS, in_url=True)]  # also ?token=


def add_live_routes(app: FastAPI, hub: Hub, audio_dir: Path, live: LiveState) -> None:
    posts_cameras = post_cameras(app.state.site)
    add_manifest_route(app)

    @app.get("/web/{name}", include_in_schema=False)
    def page_asset(name: str) -> FileResponse:
        """The pages' scripts (no token: they hold no data)."""
        media_type = PAGE_ASSETS.get(name)
        if media_type is None:
            raise HTTPException(404, f"no page asset {name!r}")
        return FileResponse(WEB / name, media_type=media_type)

    @app.get("/earpiece", response_class=HTMLResponse, tags=["pages"])
    def earpiece_page() -> HTMLResponse:
        """The page a staff phone opens (signed in with an earpiece token)."""
        return page("earpiece.html")

    @app.get("/dashboard", response_class=HTMLResponse, tags=["pages"])
    def dashboard_page() -> HTMLResponse:
        """The manager's live view and today's events (signed in with a viewer token)."""
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
        _: UrlListener, request: Request, post: Annotated[str | None, Query(max_length=64)] = None
    ) -> StreamingResponse:
        """Server-Sent Events: the last prompts, then each new prompt, warning and event (token
        also as ?token=, for an EventSource); a token revoked meanwhile ends the stream with an
        event "refused" (its data the close code, 4401)."""
        token, store = _token(request, in_url=True), request.app.state.store

        async def stream() -> AsyncIterator[str]:
            async for message in hub.listen(post, idle_s=HEARTBEAT_S):
                if message is not None:
                    yield f"data: {as_text(message)}\n\n"
                    continue
                code = await asyncio.to_thread(refusal, store, token)
                if code is not None:
                    yield f"event: refused\ndata: {code}\n\n"
                    return
                yield ": heartbeat\n\n"

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    @app.websocket("/ws/live")
    async def live_socket(
        websocket: WebSocket,
        post: str | None = None,
        after_id: int | None = None,
        status: bool = False,
    ) -> None:
        """The same messages over a WebSocket (token as ?token=; without a valid one the
        handshake is refused with HTTP 403, and a token revoked meanwhile closes the socket
        with code 4401). With ``after_id`` (the last event the client has) only later
        messages are replayed; with ``status=1`` a status message (server time, the post's
        cameras) comes first, every few seconds and at each camera change."""
        store: EventStore = websocket.app.state.store
        token = websocket.query_params.get("token")
        code = refusal(store, token)
        if code is not None:
            await websocket.close(code=code)
            return
        await websocket.accept()
        cameras = posts_cameras.get(post) if post else None

        async def refused() -> int | None:
            return await asyncio.to_thread(refusal, store, token)

        listening = Listening(post, after_id, cameras, status)
        await serve_socket(websocket, hub, live, listening, refused)
