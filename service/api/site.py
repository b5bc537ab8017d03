"""What every page needs to speak to people: the catalogue of words (/web/vocabulary.js), and
the site's language, time zone and display names (/api/site)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from etiquette.service.api.app import UNAUTHORISED, authorised
from etiquette.service.config import SiteConfig
from etiquette.service.media.fonts import FONT_FILE
from etiquette.service.store.events import TokenInfo
from etiquette.service.store.models import ROLES
from etiquette.service.vocabulary import Language, as_javascript

SignedIn = Annotated[TokenInfo, authorised(*ROLES)]


class SiteView(BaseModel):
    """The branch as its pages show it."""

    site: str = Field(description="The branch's name.")
    language: Language = Field(description="The language pages open in.")
    time_zone: str = Field(description="The branch's time zone, as shown beside times.")
    utc_offset_min: int = Field(description="Its offset from UTC now, in minutes.")
    names: dict[str, str] = Field(description="Display names of posts, counters and zones.")
    cameras: dict[str, str] = Field(description="Each camera's display name by its id.")


def site_router(site: SiteConfig) -> APIRouter:
    router = APIRouter()
    vocabulary = as_javascript()

    @router.get("/web/vocabulary.js", include_in_schema=False)
    def vocabulary_script() -> Response:
        """The catalogue of words (no token: it holds no data)."""
        return Response(vocabulary, media_type="text/javascript")

    @router.get("/web/font.otf", include_in_schema=False)
    def font() -> FileResponse:
        """The bundled Chinese font, for a browser with none of its own (no token: no data;
        a browser keeps it a week, it changes only with the product)."""
        return FileResponse(
            FONT_FILE, media_type="font/otf", headers={"Cache-Control": "public, max-age=604800"}
        )

    @router.get("/api/site", response_model=SiteView, responses=UNAUTHORISED, tags=["service"])
    def site_view(_: SignedIn) -> SiteView:
        """The site's name, language, time zone and display names."""
        offset = datetime.now(site.zone_info()).utcoffset()
        return SiteView(
            site=site.site,
            language=site.language,
            time_zone=site.time_zone_name(),
            utc_offset_min=0 if offset is None else int(offset.total_seconds() // 60),
            names=site.names,
            cameras={camera.name: camera.shown_name for camera in site.cameras},
        )

    return router
