"""What a trainer adds to a coaching clip and sees of it before playing: a note and a
reviewed mark (kept in the database), and the clip's poster (a JPEG at the event moment)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from etiquette.service.api.app import NOT_FOUND, Problem, RowId, UrlViewer, Viewer
from etiquette.service.clips.posters import poster_for
from etiquette.service.store.clips import MAX_NOTE, ClipReview
from etiquette.service.store.events import EventStore
from etiquette.service.store.models import StoredClip

# A poster changes only when its clip does (never): a browser may keep it for a day.
POSTER_CACHE = "private, max-age=86400"


class ClipView(StoredClip):
    """A clip as the clips page shows it: its index entry, the trainer's note and mark, and
    where in the video the event is."""

    note: str = Field("", description="The trainer's note.")
    reviewed: bool = Field(False, description="A trainer has reviewed this clip.")
    event_offset_s: float = Field(
        description="Seconds into the video at which the event starts (the pre-roll)."
    )


class ReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    note: str = Field(max_length=MAX_NOTE)
    reviewed: bool


def clip_views(store: EventStore, clips: list[StoredClip]) -> list[ClipView]:
    """The clips with their notes and marks (one query for all of them)."""
    reviews = store.clips.reviews(clip.id for clip in clips)
    return [_view(clip, reviews.get(clip.id, ClipReview())) for clip in clips]


def _view(clip: StoredClip, review: ClipReview) -> ClipView:
    offset = round(max(0.0, clip.event_start - clip.clip_start), 3)
    return ClipView(
        **clip.model_dump(), note=review.note, reviewed=review.reviewed, event_offset_s=offset
    )


def add_review_routes(
    app: FastAPI,
    store: EventStore,
    one: Callable[[int], StoredClip],
    clip_file: Callable[[StoredClip], Path | None],
) -> None:
    """The routes; ``one`` finds a clip (404 otherwise), ``clip_file`` its MP4 or None."""

    @app.get(
        "/api/clips/{clip_id}/poster.jpg",
        response_class=FileResponse,
        responses={**NOT_FOUND, 200: {"content": {"image/jpeg": {}}}},
        tags=["clips"],
    )
    def poster(clip_id: RowId, _: UrlViewer) -> FileResponse:
        """The clip's picture at the event moment (token also as ?token=, for an <img>); made
        from the video the first time for clips written before posters existed."""
        clip = one(clip_id)
        video = clip_file(clip)
        path = None if video is None else poster_for(video, clip.event_start - clip.clip_start)
        if path is None:
            raise HTTPException(404, f"clip {clip_id} has no picture (its file is gone?)")
        return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": POSTER_CACHE})

    @app.put(
        "/api/clips/{clip_id}/review",
        response_model=ClipView,
        responses={**NOT_FOUND, 400: {"model": Problem}},
        tags=["clips"],
    )
    def review(clip_id: RowId, body: ReviewBody, _: Viewer) -> ClipView:
        """Keep a note on a clip and mark it reviewed (or not)."""
        clip = one(clip_id)
        saved = store.clips.review(clip_id, body.note.strip(), body.reviewed)
        if saved is None:
            raise HTTPException(404, f"no clip {clip_id}")
        return _view(clip, saved)
