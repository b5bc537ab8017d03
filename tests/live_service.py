"""Start the live service in this process for a test: uvicorn on a free loopback port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from etiquette.service.bench.prompts import free_port
from etiquette.service.cameras.runner import SpawnRunner, spawn_runner
from etiquette.service.config import SiteConfig
from etiquette.service.offline.demo import demo_site
from etiquette.service.server import Service, build_service
from etiquette.service.store.events import EventStore

SAMPLES = Path(__file__).resolve().parents[1] / "service" / "offline" / "samples"
__all__ = ["SAMPLES", "free_port", "running_service", "sample_site"]


def sample_site(data_dir: Path, port: int) -> SiteConfig:
    """The bundled sample replayed once as the lobby camera (a customer arrives at ~7.5 s)."""
    return demo_site(data_dir, port, loop=False)


@contextmanager
def running_service(
    site: SiteConfig,
    roles: tuple[str, ...],
    started: list[Service] | None = None,
    spawn: SpawnRunner = spawn_runner,
) -> Iterator[tuple[str, dict[str, str]]]:
    """The service's address and a token per role (``started`` receives the service; ``spawn``
    starts the camera runners)."""
    with EventStore(site.database_url()) as store:
        tokens = {role: store.create_token(role, f"test-{role}") for role in roles}
    service = build_service(site, spawn)
    if started is not None:
        started.append(service)
    server = uvicorn.Server(
        uvicorn.Config(service.app, host="127.0.0.1", port=site.server.port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.1)
    assert server.started, "the service did not start"
    try:
        yield f"127.0.0.1:{site.server.port}", tokens
    finally:
        server.should_exit = True
        thread.join(timeout=20)
