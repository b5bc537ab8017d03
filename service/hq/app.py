"""Head office's API and pages: the branches ranked, the fleet's health, a branch's report
(the edge's report code), and clips fetched from the branch on demand.

Tokens have a role: ``head_office`` sees every branch, ``region`` the branches of its region,
``branch`` its own. API clients send ``Authorization: Bearer TOKEN``; people sign in once at
``/signin`` and the token is kept in an HttpOnly, SameSite=Strict cookie.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import jinja2
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from markupsafe import Markup

from etiquette.service.api.app import SecurityHeaders
from etiquette.service.hq.auth import COOKIE, Caller, CallerDep, caller_of
from etiquette.service.hq.branch_report import branch_report, day_bounds
from etiquette.service.hq.config import HqConfig
from etiquette.service.hq.db import HqStore
from etiquette.service.hq.ingest import ClipUnavailableError, Ingest
from etiquette.service.hq.models import BranchRow, HqClipRow
from etiquette.service.hq.queries import (
    BankClip,
    BranchRank,
    FleetRow,
    bank_clips,
    branch_clips,
    fleet,
    ranking,
)
from etiquette.service.reports.render import report_html
from etiquette.service.reports.words import change, percent
from etiquette.service.vocabulary import both

WEB = Path(__file__).resolve().parent / "web"
ROLE_TEXT = {"head_office": "总行 head office", "region": "区域 region", "branch": "网点 branch"}
MAX_DAYS = 400
DateQuery = Annotated[date | None, Query(description="First or last day (YYYY-MM-DD).")]


def _pages() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB), autoescape=True, undefined=jinja2.StrictUndefined
    )


def spark(values: list[float | None]) -> Markup:
    """A small inline SVG line of daily rates, a dot per day with something judged."""
    width, height, step = 120, 24, 116 / max(1, len(values) - 1)
    points = [
        (2 + k * step, height - 3 - v * (height - 6)) for k, v in enumerate(values) if v is not None
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#7a1f1f"/>' for x, y in points)
    shape = f'<polyline fill="none" stroke="#7a1f1f" stroke-width="1.5" points="{line}"/>{dots}'
    return Markup(f'<svg width="{width}" height="{height}" role="img">{shape}</svg>')


class HqApp:
    def __init__(self, config: HqConfig, store: HqStore, ingest: Ingest | None) -> None:
        self.config, self.store, self.ingest = config, store, ingest
        self.pages = _pages()
        zone = None if config.time_zone is None else ZoneInfo(config.time_zone)
        self.zone = zone

    def today(self) -> date:
        return datetime.now(self.zone).date()

    def period(self, start: date | None, end: date | None) -> tuple[date, date]:
        last = end or self.today()
        first = start or last - timedelta(days=6)
        if first > last or (last - first).days >= MAX_DAYS:
            raise HTTPException(
                422,
                detail=f"起止日期不对：起不晚于止，最长 {MAX_DAYS} 天 start after end or too long",
            )
        return first, last

    def branch(self, caller: Caller, branch: str) -> BranchRow:
        with self.store.sessions() as session:
            row = session.get(BranchRow, branch)
        if row is None or not caller.may_see(row.id, row.region):
            raise HTTPException(404, detail="没有这个网点，或无权查看 no such branch, or not yours")
        return row

    def page(self, name: str, caller: Caller | None, title: str, **values: Any) -> HTMLResponse:
        html = self.pages.get_template(name).render(
            service_name=self.config.name,
            caller=caller,
            role_text="" if caller is None else ROLE_TEXT.get(caller.role, caller.role),
            title=title,
            percent=percent,
            change=change,
            spark=spark,
            **values,
        )
        return HTMLResponse(html)

    def bounds(self, first: date, last: date) -> tuple[float, float]:
        """The days first..last in head office's zone, as epoch seconds."""
        return day_bounds(first, last, self.zone)

    def clock(self, moment: float) -> str:
        return datetime.fromtimestamp(moment, self.zone).strftime("%m-%d %H:%M")

    def when(self, moment: datetime | None) -> str:
        return "—" if moment is None else moment.astimezone(self.zone).strftime("%m-%d %H:%M:%S")

    def clip_video(self, caller: Caller, branch: str, clip: int) -> Path:
        row = self.branch(caller, branch)
        if self.ingest is None:
            raise HTTPException(503, detail="总行未连接消息服务器 head office is not on the broker")
        streams = self.ingest.clip_streams(row.id, clip)
        if not streams:
            raise HTTPException(404, detail="没有这个片段 no such clip")
        try:
            return self.ingest.fetch_clip(row.id, streams[-1], clip)
        except ClipUnavailableError as error:
            raise HTTPException(504, detail=str(error)) from None


def create_hq_app(config: HqConfig, store: HqStore, ingest: Ingest | None) -> FastAPI:
    hq = HqApp(config, store, ingest)
    app = FastAPI(title="etiquette head office", version="1")
    app.state.store = store
    app.add_middleware(SecurityHeaders)

    @app.get("/health")
    def health() -> JSONResponse:
        connected = ingest is not None and ingest.connected.is_set()
        body: dict[str, Any] = {"status": "ok" if connected else "degraded", "broker": connected}
        if not connected:
            body["problems"] = [
                "总行未连接消息服务器，网点数据暂不能收取；请检查 broker 设置与网络 "
                "head office is not connected to the broker: check broker.host, port, TLS and "
                "its password"
            ]
        return JSONResponse(body, status_code=200 if connected else 503)

    @app.get("/api/ranking")
    def api_ranking(
        caller: CallerDep, start: DateQuery = None, end: DateQuery = None
    ) -> list[BranchRank]:
        first, last = hq.period(start, end)
        return ranking(store, caller.scope, first, last)

    @app.get("/api/fleet")
    def api_fleet(caller: CallerDep) -> list[FleetRow]:
        return fleet(store, caller.scope, config.silent_after_s)

    @app.get("/api/alerts")
    def api_alerts(caller: CallerDep) -> list[FleetRow]:
        return [row for row in fleet(store, caller.scope, config.silent_after_s) if row.silent]

    @app.get("/api/branches/{branch}/report")
    def api_report(
        caller: CallerDep, branch: str, start: DateQuery = None, end: DateQuery = None
    ) -> Response:
        first, last = hq.period(start, end)
        report = branch_report(store, hq.branch(caller, branch), first, last)
        return Response(report.model_dump_json(), media_type="application/json")

    @app.get("/api/branches/{branch}/clips")
    def api_clips(
        caller: CallerDep, branch: str, start: DateQuery = None, end: DateQuery = None
    ) -> list[dict[str, Any]]:
        row = hq.branch(caller, branch)
        first, last = hq.period(start, end)
        since, until = day_bounds(first, last, store.zone_of(row.id))
        return [clip.entry for clip in branch_clips(store, row.id, since, until)]

    @app.get("/api/clips")
    def api_bank_clips(
        caller: CallerDep, start: DateQuery = None, end: DateQuery = None
    ) -> list[BankClip]:
        since, until = hq.bounds(*hq.period(start, end))
        return bank_clips(store, caller.scope, since, until)

    @app.get("/api/branches/{branch}/clips/{clip}/video")
    def api_clip_video(caller: CallerDep, branch: str, clip: int) -> FileResponse:
        return FileResponse(hq.clip_video(caller, branch, clip), media_type="video/mp4")

    @app.get("/signin", response_class=HTMLResponse)
    def signin_page(request: Request, out: bool = False, next: str = "/") -> HTMLResponse:
        page = hq.page("signin.html.j2", None, "登录 Sign in", message="", next=next)
        if out:
            page.delete_cookie(COOKIE)
        return page

    @app.post("/signin")
    async def signin(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        token = (form.get("token") or [""])[0].strip()
        target = (form.get("next") or ["/"])[0]
        target = target if target.startswith("/") and not target.startswith("//") else "/"
        if caller_of(store, token) is None:
            return hq.page(
                "signin.html.j2",
                None,
                "登录 Sign in",
                message="令牌无效，请重新输入 the token is not valid",
                next=target,
            )
        answer = RedirectResponse(target, status_code=303)
        answer.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=7 * 86400)
        return answer

    def signed_in(request: Request) -> Caller | None:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        return caller_of(store, token or request.cookies.get(COOKIE))

    def to_signin(request: Request) -> RedirectResponse:
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)

    @app.get("/", response_class=HTMLResponse, response_model=None)
    def ranking_page(request: Request, start: DateQuery = None, end: DateQuery = None) -> Response:
        caller = signed_in(request)
        if caller is None:
            return to_signin(request)
        first, last = hq.period(start, end)
        rows = ranking(store, caller.scope, first, last)
        return hq.page(
            "ranking.html.j2", caller, "网点排名 Ranking", rows=rows, first=first, last=last
        )

    @app.get("/fleet", response_class=HTMLResponse, response_model=None)
    def fleet_page(request: Request) -> Response:
        caller = signed_in(request)
        if caller is None:
            return to_signin(request)
        rows = fleet(store, caller.scope, config.silent_after_s)
        return hq.page(
            "fleet.html.j2",
            caller,
            "设备状态 Fleet",
            rows=rows,
            when=hq.when,
            silent_minutes=round(config.silent_after_s / 60),
            zone=str(hq.zone or "本机 server"),
        )

    @app.get("/clips", response_class=HTMLResponse, response_model=None)
    def clips_page(request: Request, start: DateQuery = None, end: DateQuery = None) -> Response:
        caller = signed_in(request)
        if caller is None:
            return to_signin(request)
        first, last = hq.period(start, end)
        found = bank_clips(store, caller.scope, *hq.bounds(first, last))
        return hq.page(
            "clips.html.j2",
            caller,
            "教练片段 Clips",
            first=first,
            last=last,
            examples=[c for c in found if c.example],
            faults=[c for c in found if not c.example],
            reason=lambda key: both("clip_reason", key),
            clock=hq.clock,
        )

    @app.get("/branches/{branch}", response_class=HTMLResponse, response_model=None)
    def branch_page(
        request: Request, branch: str, start: DateQuery = None, end: DateQuery = None
    ) -> Response:
        caller = signed_in(request)
        if caller is None:
            return to_signin(request)
        first, last = hq.period(start, end)
        report = branch_report(store, hq.branch(caller, branch), first, last)
        return HTMLResponse(report_html(report, base_url=f"/branches/{branch}"))

    @app.get("/branches/{branch}/clips", response_class=HTMLResponse, response_model=None)
    def clip_page(request: Request, branch: str, clip: int) -> Response:
        caller = signed_in(request)
        if caller is None:
            return to_signin(request)
        row = hq.branch(caller, branch)
        with store.sessions() as session:
            found = session.query(HqClipRow).filter_by(branch=row.id, edge_id=clip).first()
        if found is None:
            raise HTTPException(404, detail="没有这个片段 no such clip")
        return hq.page(
            "clip.html.j2",
            caller,
            "教练片段 Clip",
            branch_name=row.name,
            summary=found.entry.get("summary", ""),
            video_url=f"/api/branches/{row.id}/clips/{clip}/video",
        )

    return app
