"""`etiquette serve`: the store, the camera supervisor, the live hub and the HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import uvicorn
from fastapi import FastAPI

from etiquette.calibration.camera_file import load_camera
from etiquette.service.api.app import create_app
from etiquette.service.api.calibration import add_calibration_routes
from etiquette.service.api.calibration_lens import add_lens_routes
from etiquette.service.api.clips import add_clip_routes, clear_exports
from etiquette.service.api.home import add_home
from etiquette.service.api.live import add_live_routes
from etiquette.service.api.log_redaction import SHUTDOWN_TIMEOUT_S, uvicorn_log_config
from etiquette.service.api.site import site_router
from etiquette.service.api.today import today_router
from etiquette.service.cameras.event_keeper import EventKeeper
from etiquette.service.cameras.runner import SpawnRunner, spawn_runner
from etiquette.service.cameras.supervisor import Supervisor
from etiquette.service.cameras.uplink_status import branch_status, clip_file
from etiquette.service.config import SiteConfig
from etiquette.service.live.hub import Hub
from etiquette.service.live.mqtt import MqttPublisher
from etiquette.service.live.speech import PromptVoice, SpeechError
from etiquette.service.live.state import LiveState
from etiquette.service.live.uplink import Uplink
from etiquette.service.store.events import EventStore

log = logging.getLogger(__name__)
PRIVATE_UMASK = 0o077  # what the service writes: its user's alone (rw-------, rwx------)


def keep_files_private() -> None:
    """From now on this process's new files and folders are readable by its user only (the
    database and its -wal/-shm, spilled events, clips, prompt audio, saved calibrations).
    For `etiquette serve` and `demo` only: it changes the whole process."""
    os.umask(PRIVATE_UMASK)


def private_data_dir(site: SiteConfig) -> None:
    """The data folder, made (or made again) 0700, and a SQLite database in it that an
    earlier run or `etiquette token create` left readable to others, 0600."""
    data_dir = site.storage.data_dir
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        data_dir.chmod(0o700)
        for path in data_dir.glob("events.db*"):
            path.chmod(path.stat().st_mode & 0o700)
    except PermissionError as error:  # another user's folder: say so, and carry on
        log.warning("could not make the data folder private: %s", error)


@dataclass
class Service:
    app: FastAPI
    store: EventStore
    supervisor: Supervisor
    hub: Hub


def saved_calibration(site: SiteConfig, name: str) -> Path:
    """Where the calibration page saves a camera's file when the site file names none."""
    return site.storage.data_dir / "cameras" / f"{name}.yaml"


def with_saved_calibrations(site: SiteConfig) -> SiteConfig:
    """Cameras without a camera file use the one the calibration page saved, if any."""
    cameras = [
        c.model_copy(update={"camera_file": saved_calibration(site, c.name)})
        if c.camera_file is None and saved_calibration(site, c.name).exists()
        else c
        for c in site.cameras
    ]
    return site.model_copy(update={"cameras": cameras})


def build_service(site: SiteConfig, spawn: SpawnRunner = spawn_runner) -> Service:
    """The service of ``site``; ``spawn`` starts each camera's runner process."""
    # A wrong camera file is refused before anything is written.
    for camera in site.cameras:
        if camera.camera_file is not None:
            load_camera(camera.camera_file)
    private_data_dir(site)
    site = with_saved_calibrations(site)
    store = EventStore(site.database_url(), uplink=site.uplink is not None)
    live, hub = LiveState(), Hub()
    audio_dir = site.storage.data_dir / "prompts"
    voice: PromptVoice | None = None
    if site.prompts.enabled:
        try:
            voice = PromptVoice(audio_dir, voice=site.prompts.voice)
        except SpeechError:
            voice = None
    mqtt = MqttPublisher(site.mqtt) if site.mqtt is not None else None
    events = EventKeeper(site, store, live, hub, voice, mqtt)
    supervisor = Supervisor(site, store, live, events, spawn)
    uplink = (
        None
        if site.uplink is None
        else Uplink(
            site.uplink,
            store.outbox,
            lambda: branch_status(site, live),
            lambda clip_id: clip_file(site, store, clip_id),
        )
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        hub.attach(asyncio.get_running_loop())
        if mqtt is not None:
            mqtt.start()
        if uplink is not None:
            uplink.start()
        supervisor.start()
        try:
            yield
        finally:
            supervisor.stop()
            if mqtt is not None:
                mqtt.stop()
            if uplink is not None:
                uplink.stop()
            store.close()

    app = create_app(site, store, live)
    app.router.lifespan_context = lifespan
    live.posts = sorted(site_posts(site))
    app.include_router(site_router(site))  # before add_live_routes' /web/{name}
    app.include_router(today_router(site))
    add_live_routes(app, hub, audio_dir, live)
    add_calibration_routes(app, site, live, supervisor)
    add_lens_routes(app, site, live, supervisor)
    add_clip_routes(app, site, store)
    add_home(app)
    clear_exports(site)
    return Service(app, store, supervisor, hub)


def site_posts(site: SiteConfig) -> set[str]:
    """Every staff post drawn in the cameras' zones."""
    posts: set[str] = set()
    for camera in site.cameras:
        if camera.camera_file is not None:
            posts.update(load_camera(camera.camera_file).zones.posts)
    return posts


class ServiceServer(uvicorn.Server):
    """uvicorn, with the camera runners told to stop as soon as a stop is asked for: they
    wind down while the open connections are drained, not after."""

    def __init__(self, service: Service, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.service = service

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.service.supervisor.begin_stop()
        super().handle_exit(sig, frame)


def server_for(service: Service, site: SiteConfig, log_level: str) -> ServiceServer:
    return ServiceServer(
        service,
        uvicorn.Config(
            service.app,
            host=site.server.host,
            port=site.server.port,
            log_level=log_level,
            log_config=uvicorn_log_config(),
            # No access log: browsers pass tokens in query strings (audio, streams, pages).
            access_log=False,
            timeout_graceful_shutdown=SHUTDOWN_TIMEOUT_S,
        ),
    )


def serve(site: SiteConfig) -> None:
    keep_files_private()
    service = build_service(site)
    server_for(service, site, "info").run()
