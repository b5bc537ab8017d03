"""The HTTP API: cameras and their health, events, live status, configuration, metrics.

Every route but /health needs a token, and a token's role limits what it may do. The token
goes in the ``Authorization: Bearer TOKEN`` header; only routes a browser loads by URL, where it
cannot set a header (pages, audio, video, images, event streams, download links), also take it
as ``?token=`` (the ``Url*`` dependencies). Every answer carries the security headers below.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from etiquette.rules.events import EventType
from etiquette.service.config import SiteConfig
from etiquette.service.live.state import CameraHealth, LiveState
from etiquette.service.reports.render import MEDIA_TYPES, Format, render
from etiquette.service.reports.shift import attributed_post, shift_report
from etiquette.service.store.events import EventStore, StoredEvent, TokenInfo
from etiquette.service.store.models import Role

MAX_ID = 2**63 - 1  # the database's integer range
# A stored row's id in a path: outside the database's range it is a request error, not a 500.
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="The row's id.")]
MAX_TIME = 32503680000.0  # year 3000: keeps times finite and printable


class Health(BaseModel):
    status: Literal["ok", "degraded"] = "ok"
    problems: list[str] = Field(
        default_factory=list, description="What is wrong and what to do (degraded)."
    )


class Status(BaseModel):
    model_config = ConfigDict(frozen=True)

    site: str
    uptime_s: float
    cameras_online: int
    cameras: int


class Problem(BaseModel):
    detail: str


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def _token(request: Request, in_url: bool) -> str | None:
    """The request's token: from the header, or (``in_url``) from ``?token=``. Elsewhere a
    token in the URL is refused, not ignored: URLs end up in histories, logs and referrers."""
    in_query = request.query_params.get("token")
    if in_query is not None and not in_url:
        raise HTTPException(
            401,
            "send the token in the Authorization header (Authorization: Bearer TOKEN), not as "
            "?token=: only pages, audio, video, images, event streams and downloads take it "
            "in the URL",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return _bearer(request) or (in_query or None)


NO_VALID_TOKEN = "a valid token is needed: Authorization: Bearer TOKEN"


class RoleRefused(HTTPException):
    """403: the token's role may not; which roles may is kept, for a sentence a person reads."""

    def __init__(self, role: str, needed: tuple[str, ...]) -> None:
        super().__init__(403, f"a {role} token may not do this; needs {' or '.join(needed)}")
        self.role, self.needed = role, needed


def authorised(*roles: Role, in_url: bool = False) -> Any:
    """A dependency: the caller's token, which must carry one of ``roles``; with ``in_url``
    it may also come as ``?token=`` (only for what a browser loads by URL)."""

    def check(request: Request) -> TokenInfo:
        token = _token(request, in_url)
        store: EventStore = request.app.state.store
        info = store.token_role(token) if token else None
        if info is None:
            raise HTTPException(401, NO_VALID_TOKEN, headers={"WWW-Authenticate": "Bearer"})
        if info.role not in roles:
            raise RoleRefused(info.role, roles)
        return info

    return Depends(check)


Viewer = Annotated[TokenInfo, authorised("admin", "viewer")]
Admin = Annotated[TokenInfo, authorised("admin")]
# Routes a browser loads by URL (a page, <img>, <video>, a download link): ?token= is taken too.
UrlViewer = Annotated[TokenInfo, authorised("admin", "viewer", in_url=True)]
UrlAdmin = Annotated[TokenInfo, authorised("admin", in_url=True)]

# On every answer: pages carry a token in their URL, answers hold the branch's data.
SECURITY_HEADERS = {
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
}


class SecurityHeaders:
    """ASGI middleware adding ``SECURITY_HEADERS`` to every HTTP answer (a route's own
    value of one wins); pure ASGI, so streams pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


UNAUTHORISED: dict[int | str, dict[str, Any]] = {401: {"model": Problem}, 403: {"model": Problem}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {**UNAUTHORISED, 404: {"model": Problem}}


def create_app(site: SiteConfig, store: EventStore, live: LiveState) -> FastAPI:
    app = FastAPI(
        title="etiquette-monitor",
        version="1",
        description="Service-etiquette monitor for bank branches: cameras, events, live status.",
        openapi_url=None,  # served below, behind a token like everything else
        docs_url=None,  # /docs and /redoc: home.py, with the packaged assets
        redoc_url=None,
    )
    app.state.store, app.state.live, app.state.site = store, live, site
    app.add_middleware(SecurityHeaders)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi(_: UrlViewer) -> dict[str, Any]:
        return app.openapi()

    @app.get(
        "/health",
        response_model=Health,
        responses={503: {"model": Health, "description": "Up, but something needs fixing."}},
        tags=["service"],
    )
    def health(response: Response) -> Health:
        """Is the service up and well (no token needed): 503 and the problems when not."""
        database = store.problem()
        problems = live.problem_list() + ([] if database is None else [database])
        if problems:
            response.status_code = 503
            return Health(status="degraded", problems=problems)
        return Health()

    @app.get(
        "/api/cameras", response_model=list[CameraHealth], responses=UNAUTHORISED, tags=["cameras"]
    )
    def cameras(_: Viewer) -> list[CameraHealth]:
        """Each camera and its health."""
        return live.camera_list()

    @app.get("/api/status", response_model=Status, responses=UNAUTHORISED, tags=["service"])
    def status(_: Viewer) -> Status:
        """The service at a glance."""
        cams = live.camera_list()
        return Status(
            site=site.site,
            uptime_s=round(time.time() - live.started_at, 1),
            cameras_online=sum(1 for c in cams if c.online),
            cameras=len(site.cameras),
        )

    @app.get(
        "/api/events", response_model=list[StoredEvent], responses=UNAUTHORISED, tags=["events"]
    )
    def events(
        _: Viewer,
        since: Annotated[
            float | None, Query(ge=0, le=MAX_TIME, description="Start time from (epoch s).")
        ] = None,
        until: Annotated[
            float | None, Query(ge=0, le=MAX_TIME, description="Start time up to (epoch s).")
        ] = None,
        type: Annotated[list[EventType] | None, Query()] = None,  # the query's name
        camera: Annotated[str | None, Query(max_length=64)] = None,
        post: Annotated[str | None, Query(max_length=64)] = None,
        after_id: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
        limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    ) -> list[StoredEvent]:
        """Stored events, filtered by time, type, camera and post, oldest first."""
        if since is not None and until is not None and until < since:
            return []  # an empty interval holds no events
        if post is not None and post == site.rules.greeting.door_post:
            # Greetings are stored without a post and count for the door post (as in reports).
            found = store.events(
                since=since,
                until=until,
                types=type,
                camera=camera,
                after_id=after_id,
                limit=1_000_000,
            )
            return [e for e in found if attributed_post(e, post) == post][:limit]
        return store.events(
            since=since,
            until=until,
            types=list(type) if type else None,
            camera=camera,
            post=post,
            after_id=after_id,
            limit=limit,
        )

    @app.get(
        "/api/report",
        response_class=Response,
        responses={
            **UNAUTHORISED,
            200: {
                "content": {media: {} for media in MEDIA_TYPES.values()},
                "description": "The report in the asked format.",
            },
        },
        tags=["reports"],
    )
    def report(
        _: Viewer,
        start: Annotated[float, Query(ge=0, le=MAX_TIME, description="Shift start (epoch s).")],
        end: Annotated[float, Query(ge=0, le=MAX_TIME, description="Shift end (epoch s).")],
        post: Annotated[str | None, Query(max_length=64)] = None,
        format: Annotated[Format, Query()] = "html",  # the query's name
    ) -> Response:
        """The shift report as HTML, PDF, CSV or JSON."""
        if end <= start:
            raise RequestValidationError(
                [
                    {
                        "type": "value_error",
                        "loc": ("query", "end"),
                        "input": end,
                        "msg": f"end ({end}) must be after start ({start})",
                    }
                ]
            )
        built = shift_report(store, site, start, end, post)
        body = render(built, format, base_url=site.server.public_url())
        return Response(body, media_type=MEDIA_TYPES[format])

    @app.get("/api/me", response_model=TokenInfo, responses=UNAUTHORISED, tags=["service"])
    def me(token: Annotated[TokenInfo, authorised("admin", "viewer", "earpiece")]) -> TokenInfo:
        """The caller's token: its name and role (pages show what the role may use)."""
        return token

    @app.get("/api/config", responses=UNAUTHORISED, tags=["service"])
    def config(_: Admin) -> dict[str, Any]:
        """The running configuration (passwords hidden)."""
        return site.redacted()

    @app.get("/metrics", response_class=PlainTextResponse, responses=UNAUTHORISED, tags=["service"])
    def metrics(_: Viewer) -> PlainTextResponse:
        """Prometheus metrics: fps, dropped frames, inference ms, prompts, prompt latency."""
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
