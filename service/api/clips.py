"""Coaching clips over HTTP: browse and filter, play (with byte ranges, for <video>), download,
mark for training, export a batch as a zip; and the clips and report pages."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from etiquette.service.api.app import (
    MAX_ID,
    MAX_TIME,
    NOT_FOUND,
    UNAUTHORISED,
    Problem,
    RowId,
    UrlViewer,
    Viewer,
)
from etiquette.service.api.clip_review import ClipView, add_review_routes, clip_views
from etiquette.service.api.pages import page
from etiquette.service.clips.retention import write_training_marker
from etiquette.service.config import SiteConfig
from etiquette.service.store.events import EventStore
from etiquette.service.store.models import ClipReason, StoredClip

MAX_EXPORT = 500
MAX_EXPORT_BYTES = 2_000_000_000  # built on the data disk: never let one export fill it
INDEX_COLUMNS = ("id", "camera", "reason", "event_time", "verdict", "summary", "training", "file")


class TrainingMark(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # true or false, not "yes" or 1

    training: bool


def clip_file(site: SiteConfig, clip: StoredClip) -> Path | None:
    """The clip's file if it exists inside the clips folder (None: gone, or not ours)."""
    folder = site.clips_dir().resolve()
    path = (folder / clip.file).resolve()
    return path if path.is_relative_to(folder) and path.is_file() else None


def _index_csv(clips: list[StoredClip]) -> str:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(INDEX_COLUMNS)
    for clip in clips:
        moment = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(clip.event_start))
        verdict = clip.verdict or ""
        row = (clip.id, clip.camera, clip.reason, moment, verdict, clip.summary, clip.training)
        writer.writerow([*row, clip.file])
    return text.getvalue()


def export_zip(site: SiteConfig, clips: list[StoredClip], into: Path) -> Path:
    """The clips' files and an index.csv in one zip (stored, not deflated: MP4 is compressed
    already). Clips whose file is gone are listed in the index but not packed."""
    into.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="clips-", suffix=".zip", dir=into)
    os.close(handle)
    with zipfile.ZipFile(name, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("index.csv", _index_csv(clips))
        for clip in clips:
            path = clip_file(site, clip)
            if path is not None:
                archive.write(path, f"{clip.id:06d}_{path.name}")
    return Path(name)


def exports_dir(site: SiteConfig) -> Path:
    return site.storage.data_dir / "exports"


def clear_exports(site: SiteConfig) -> None:
    """Zips left over by a service that stopped while one was being downloaded."""
    for leftover in exports_dir(site).glob("clips-*.zip"):
        leftover.unlink(missing_ok=True)


def add_clip_routes(app: FastAPI, site: SiteConfig, store: EventStore) -> None:
    def one(clip_id: int) -> StoredClip:  # checked by the routes' RowId
        clip = store.clips.get(clip_id)
        if clip is None:
            raise HTTPException(404, f"no clip {clip_id}")
        return clip

    @app.get("/clips", response_class=HTMLResponse, tags=["pages"])
    def clips_page() -> HTMLResponse:
        """The trainer's page: browse, play, keep for training, export (viewer)."""
        return page("clips.html")

    @app.get("/report", response_class=HTMLResponse, tags=["pages"])
    def report_page() -> HTMLResponse:
        """The manager's page: pick a shift, read its report, download PDF/CSV/JSON."""
        return page("report.html")

    @app.get("/api/clips", response_model=list[ClipView], responses=UNAUTHORISED, tags=["clips"])
    def clips(
        _: Viewer,
        camera: Annotated[str | None, Query(max_length=64)] = None,
        reason: Annotated[list[ClipReason] | None, Query()] = None,
        post: Annotated[
            list[Annotated[str, Field(max_length=64)]] | None,
            Query(max_length=50, description="The staff post (door post, desk) by id."),
        ] = None,
        verdict: Annotated[
            list[Annotated[str, Field(max_length=32)]] | None, Query(max_length=20)
        ] = None,
        since: Annotated[
            float | None, Query(ge=0, le=MAX_TIME, description="Event start from (epoch s).")
        ] = None,
        until: Annotated[
            float | None, Query(ge=0, le=MAX_TIME, description="Event start before (epoch s).")
        ] = None,
        training: Annotated[bool | None, Query(description="Only kept (or not kept).")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> list[ClipView]:
        """Coaching clips, newest first, filtered by camera, reason, post, verdict, time and
        training mark; each with its trainer's note and reviewed mark."""
        found = store.clips.find(
            camera=camera,
            reasons=reason,
            posts=post,
            verdicts=verdict,
            since=since,
            until=until,
            training=training,
            limit=limit,
        )
        return clip_views(store, found)

    @app.get(
        "/api/clips/export.zip",
        response_class=FileResponse,
        responses={**NOT_FOUND, 200: {"content": {"application/zip": {}}}},
        tags=["clips"],
    )
    def export(
        _: UrlViewer,
        ids: Annotated[
            list[Annotated[int, Field(ge=1, le=MAX_ID)]],
            Query(min_length=1, max_length=MAX_EXPORT),
        ],
    ) -> FileResponse:
        """The chosen clips and an index.csv in one zip (token also as ?token=, for a link)."""
        chosen = store.clips.find(ids=ids, limit=MAX_EXPORT)
        if not chosen:
            raise HTTPException(404, "none of these clips exists")
        total = sum(clip.size_bytes for clip in chosen)
        if total > MAX_EXPORT_BYTES:
            raise HTTPException(
                413,
                f"these clips hold {total / 1e6:.0f} MB; export at most "
                f"{MAX_EXPORT_BYTES / 1e6:.0f} MB at a time (choose fewer clips)",
            )
        path = export_zip(site, chosen, exports_dir(site))
        return FileResponse(
            path,
            media_type="application/zip",
            filename=f"coaching-clips-{time.strftime('%Y%m%d-%H%M%S')}.zip",
            background=BackgroundTask(path.unlink, missing_ok=True),
        )

    @app.get("/api/clips/{clip_id}", response_model=ClipView, responses=NOT_FOUND, tags=["clips"])
    def clip(clip_id: RowId, _: Viewer) -> ClipView:
        """One clip's index entry, note and reviewed mark."""
        return clip_views(store, [one(clip_id)])[0]

    add_review_routes(app, store, one, lambda found: clip_file(site, found))

    @app.get(
        "/api/clips/{clip_id}/video",
        response_class=FileResponse,
        responses={**NOT_FOUND, 200: {"content": {"video/mp4": {}}}},
        tags=["clips"],
    )
    def video(clip_id: RowId, _: UrlViewer, download: bool = False) -> FileResponse:
        """The MP4 (H.264, byte ranges served); with download=true as an attachment (token also
        as ?token=, for a <video> or a link)."""
        path = clip_file(site, one(clip_id))
        if path is None:
            raise HTTPException(404, f"the file of clip {clip_id} is gone (deleted from the disk?)")
        return FileResponse(
            path,
            media_type="video/mp4",
            filename=path.name if download else None,
            content_disposition_type="attachment" if download else "inline",
        )

    @app.put(
        "/api/clips/{clip_id}/training",
        response_model=StoredClip,
        responses={**NOT_FOUND, 400: {"model": Problem}},
        tags=["clips"],
    )
    def mark(clip_id: RowId, body: TrainingMark, _: Viewer) -> StoredClip:
        """Keep a clip for training (retention never deletes it), or stop keeping it."""
        one(clip_id)
        marked = store.clips.mark_for_training(clip_id, body.training)
        if marked is None:
            raise HTTPException(404, f"no clip {clip_id}")
        write_training_marker(site.clips_dir(), marked.file, marked.training)
        return marked
