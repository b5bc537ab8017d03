"""What a staff earpiece needs beyond the live messages: a live socket that beats both ways
(the server's status every few seconds carries the post's cameras and re-checks the token; a
client that pinged and then falls silent is let go), and the web-app manifest that puts the
page on a phone's home screen."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse

from etiquette.calibration.camera_file import load_camera
from etiquette.service.config import SiteConfig
from etiquette.service.live.hub import Hub, LiveMessage
from etiquette.service.live.state import LiveState
from etiquette.service.store.events import EventStore
from etiquette.service.store.models import ROLES

TICK_S = 5.0  # the server's heartbeat; a page takes three missed ones for a dead connection
CHECK_S = 1.0  # the cameras are looked at this often: a change is sent at once, not at the tick
STALE_S = 8.0  # no frame this long is offline, whatever the runner said (a hung one says nothing)
SILENT_S = 15.0  # a client that pinged once and has said nothing for this long is gone
UNKNOWN_TOKEN, WRONG_ROLE = 4401, 4403  # close codes a page can tell from a network failure
ICON_SIZES = (192, 512)

Refusal = Callable[[], Awaitable[int | None]]


@dataclass(frozen=True)
class Listening:
    """What one socket asked for."""

    post: str | None
    after_id: int | None  # the last event the client has: only later ones are replayed
    cameras: list[str] | None  # the cameras the post relies on (None: all)
    status: bool  # status messages wanted (the earpiece page); older clients take only events


def refusal(store: EventStore, token: str | None) -> int | None:
    """Why ``token`` may not listen (a close code), or None when it may."""
    info = store.token_role(token) if token else None
    if info is None:
        return UNKNOWN_TOKEN
    return None if info.role in ROLES else WRONG_ROLE


def post_cameras(site: SiteConfig) -> dict[str, list[str]]:
    """The cameras whose zones draw each post: the ones an earpiece at that post relies on."""
    cameras: dict[str, list[str]] = {}
    for camera in site.cameras:
        if camera.camera_file is not None:
            for post in load_camera(camera.camera_file).zones.posts:
                cameras.setdefault(post, []).append(camera.name)
    return cameras


def camera_health(live: LiveState, cameras: list[str] | None) -> list[dict[str, Any]]:
    """The health of ``cameras`` (None: all) as an earpiece needs it."""
    now, health = time.time(), []
    for camera in live.camera_list():
        if cameras is None or camera.name in cameras:
            fresh = camera.last_frame_at is None or now - camera.last_frame_at < STALE_S
            health.append(
                {
                    "name": camera.name,
                    "display_name": camera.display_name,
                    "online": camera.online and fresh,
                    "error": camera.error if fresh else None,
                }
            )
    return health


def status_text(health: list[dict[str, Any]], hub: Hub) -> str:
    """The heartbeat: server time (the page's clock may be off), the cameras' health, and the
    prompt voice for the page's test sound."""
    status = {
        "kind": "status",
        "at": time.time(),
        "cameras": health,
        "prompt_audio_url": hub.prompt_audio_url,
    }
    return json.dumps(status, ensure_ascii=False)


async def serve_socket(
    websocket: WebSocket,
    hub: Hub,
    live: LiveState,
    listen: Listening,
    refused: Refusal,
) -> None:
    """An accepted live socket until either side leaves."""
    sending = asyncio.create_task(_send(websocket, hub, live, listen, refused))
    receiving = asyncio.create_task(_receive(websocket))
    try:
        await asyncio.wait({sending, receiving}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sending.cancel()
        receiving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sending
    if receiving.done() and not receiving.cancelled() and receiving.result():
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await websocket.close(code=1001)  # fallen silent: its connection is likely dead


async def _receive(websocket: WebSocket) -> bool:
    """Until the client leaves (False) or, once it has pinged, falls silent (True). Older
    clients never send anything: only their leaving ends the socket."""
    pinged = False
    while True:
        try:
            message = await asyncio.wait_for(websocket.receive(), SILENT_S if pinged else None)
        except TimeoutError:
            return True
        if message["type"] == "websocket.disconnect":
            return False
        pinged = True


async def _send(
    websocket: WebSocket,
    hub: Hub,
    live: LiveState,
    listen: Listening,
    refused: Refusal,
) -> None:
    """The only writer of the socket (two writers at once could interleave their frames)."""
    try:
        # The status first: the page sets its clock by it before replayed prompts arrive.
        shown = camera_health(live, listen.cameras)
        if listen.status:
            await websocket.send_text(status_text(shown, hub))
        beat = time.monotonic()
        async for message in hub.listen(listen.post, idle_s=CHECK_S, after_id=listen.after_id):
            if message is not None:
                await websocket.send_text(as_text(message))
            due, health = time.monotonic() - beat >= TICK_S, camera_health(live, listen.cameras)
            if due:
                beat = time.monotonic()
                code = await refused()
                if code is not None:  # revoked while listening
                    await websocket.close(code=code)
                    return
            if listen.status and (due or health != shown):
                await websocket.send_text(status_text(health, hub))
                shown, beat = health, time.monotonic()
    except (WebSocketDisconnect, RuntimeError, OSError):  # closed meanwhile
        return


def as_text(message: LiveMessage) -> str:
    return json.dumps(message.model_dump(mode="json"), ensure_ascii=False)


def add_manifest_route(app: FastAPI) -> None:
    @app.get("/earpiece.webmanifest", include_in_schema=False)
    def manifest() -> JSONResponse:
        """The earpiece as a home-screen app (no token: it holds no data; the page signs in
        with the token the browser keeps)."""
        icons = [
            {"src": f"/web/earpiece-{size}.png", "sizes": f"{size}x{size}", "type": "image/png"}
            for size in ICON_SIZES
        ]
        body = {
            "name": "迎宾提示",
            "short_name": "迎宾提示",
            "description": "大堂迎宾语音提示 · lobby greeting prompts",
            "lang": "zh-CN",
            "start_url": "/earpiece",
            "scope": "/",
            "display": "standalone",
            "orientation": "portrait",
            "background_color": "#111111",
            "theme_color": "#111111",
            "icons": icons,
        }
        return JSONResponse(body, media_type="application/manifest+json")
