"""The way in: the home page (``/``: each page the signed-in role may open), the sign-in page
(``/signin``: takes a token once and keeps it in the browser), and the API's docs (``/docs``
Swagger UI, ``/redoc`` ReDoc) from packaged copies of their scripts, so that they work in a
branch with no Internet access. Also the pages a person reads when a request is refused."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from etiquette.service.api.app import UrlViewer
from etiquette.service.api.pages import WEB, add_problem_pages, page

VENDOR = WEB / "vendor"
# The docs' scripts and styles (web/vendor/README.md says where they come from).
VENDOR_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
}
# They hold no data and change only with the product: a browser may keep them a day.
VENDOR_CACHE = "public, max-age=86400"
NO_FAVICON = "data:,"  # FastAPI's default favicon is fetched from the Internet
# The docs pages reach nothing but this service: Swagger UI would send the schema to an online
# validator, ReDoc fetches its logo from its makers' site (and a branch may have no Internet).
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'"
)
TITLE = "etiquette-monitor API"


def _schema_url(request: Request) -> str:
    """The schema's URL with the docs page's own token: the docs' scripts load it by URL."""
    return "/openapi.json?token=" + quote(request.query_params.get("token", ""), safe="")


def home_router() -> APIRouter:
    router = APIRouter()

    @router.get("/", response_class=HTMLResponse, tags=["pages"])
    def home() -> HTMLResponse:
        """Each page the signed-in role may open (sign-in first when the browser keeps no
        token)."""
        return page("home.html")

    @router.get("/signin", response_class=HTMLResponse, tags=["pages"])
    def sign_in() -> HTMLResponse:
        """Sign in with a token (pasted, or ?token= from a link); ?out=1 signs out."""
        return page("signin.html")

    @router.get("/docs", include_in_schema=False)
    def docs(_: UrlViewer, request: Request) -> HTMLResponse:
        answer = get_swagger_ui_html(
            openapi_url=_schema_url(request),
            title=TITLE,
            swagger_js_url="/web/vendor/swagger-ui-bundle.js",
            swagger_css_url="/web/vendor/swagger-ui.css",
            swagger_favicon_url=NO_FAVICON,
            swagger_ui_parameters={"validatorUrl": None},
        )
        answer.headers["content-security-policy"] = DOCS_POLICY
        return answer

    @router.get("/redoc", include_in_schema=False)
    def redoc(_: UrlViewer, request: Request) -> HTMLResponse:
        answer = get_redoc_html(
            openapi_url=_schema_url(request),
            title=TITLE,
            redoc_js_url="/web/vendor/redoc.standalone.js",
            redoc_favicon_url=NO_FAVICON,
            with_google_fonts=False,
        )
        answer.headers["content-security-policy"] = DOCS_POLICY
        return answer

    @router.get("/web/vendor/{name}", include_in_schema=False)
    def vendor_asset(name: str) -> FileResponse:
        """The docs' packaged scripts and styles (no token: they hold no data)."""
        media_type = VENDOR_ASSETS.get(name)
        if media_type is None:
            raise HTTPException(404, f"no asset {name!r}")
        return FileResponse(
            VENDOR / name, media_type=media_type, headers={"Cache-Control": VENDOR_CACHE}
        )

    return router


def add_home(app: FastAPI) -> None:
    """The home, sign-in and docs routes, and the refusal pages, on ``app``."""
    app.include_router(home_router())
    add_problem_pages(app)
