"""A damaged events.db: every command says so in one line and exits 2, keeping the file;
damage found while running shows in /health."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from etiquette.service.api.app import create_app
from etiquette.service.config import SiteConfig
from etiquette.service.live.state import LiveState
from etiquette.service.store.events import EventStore, StoreError, sqlite_url

ETIQUETTE = Path(sys.executable).parent / "etiquette"


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site.yaml"
    site.write_text(
        "cameras:\n  - {name: lobby, source: '0'}\n"
        f"storage: {{data_dir: '{tmp_path / 'data'}'}}\n",
        encoding="utf-8",
    )
    return site


def _damage_tokens_page(database: Path) -> None:
    """Overwrite the tokens table's root page with noise (a disk that went bad there)."""
    with sqlite3.connect(database) as connection:
        (page,) = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'tokens'"
        ).fetchone()
        (size,) = connection.execute("PRAGMA page_size").fetchone()
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with database.open("r+b") as file:
        file.seek((page - 1) * size)
        file.write(b"\xa5" * size)


@pytest.mark.parametrize("damage", ["not_a_database", "damaged_page"])
def test_a_damaged_database_stops_every_command_with_one_line(tmp_path: Path, damage: str) -> None:
    site = _site(tmp_path)
    database = tmp_path / "data" / "events.db"
    EventStore(sqlite_url(database)).close()
    if damage == "not_a_database":
        database.write_bytes(b"this is not SQLite at all\n" * 400)
    else:
        _damage_tokens_page(database)
    before = database.read_bytes()
    for command in (
        ["token", "list"],
        [
            "report",
            "--shift",
            "2026-11-30T08:30/2026-11-30T17:00",
            "--out",
            str(tmp_path / "r.html"),
        ],
    ):
        done = subprocess.run(
            [str(ETIQUETTE), *command, "--config", str(site)],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert str(database) in lines[0] and "backup" in lines[0]
    assert database.read_bytes() == before  # kept as it was, for whoever repairs it


def test_damage_found_while_running_shows_in_health(tmp_path: Path) -> None:
    database = tmp_path / "events.db"
    store = EventStore(sqlite_url(database))
    site = SiteConfig.model_validate({"cameras": [{"name": "a", "source": "0"}]})
    client = TestClient(create_app(site, store, LiveState()))
    assert client.get("/health").status_code == 200
    store.close()
    _damage_tokens_page(database)
    health = client.get("/health")
    assert health.status_code == 503
    assert "events.db" in health.json()["problems"][0]
    with pytest.raises(StoreError, match="backup"):
        EventStore(sqlite_url(database))
