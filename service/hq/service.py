"""`etiquette hq`: head office's store, its side of the broker, and its API and pages."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import uvicorn
from fastapi import FastAPI

from etiquette.service.api.log_redaction import uvicorn_log_config
from etiquette.service.hq.app import create_hq_app
from etiquette.service.hq.config import HqConfig
from etiquette.service.hq.db import HqStore
from etiquette.service.hq.ingest import Ingest

log = logging.getLogger(__name__)


def build_hq(config: HqConfig) -> tuple[FastAPI, HqStore, Ingest]:
    store = HqStore(config.database())
    for branch in config.branches:
        store.register_branch(branch.id, branch.name, branch.region)
    ingest = Ingest(config, store)
    app = create_hq_app(config, store, ingest)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        ingest.start()
        try:
            yield
        finally:
            ingest.stop()
            store.close()

    app.router.lifespan_context = lifespan
    return app, store, ingest


def run_hq(config: HqConfig) -> None:
    app, _, _ = build_hq(config)
    log.info("head office on http://%s:%d", config.server.host, config.server.port)
    uvicorn.run(
        app,
        host=config.server.host,
        port=config.server.port,
        access_log=False,
        log_config=uvicorn_log_config(),
    )
