"""The data folder is 0700 and what `etiquette serve` and `demo` write (database and its
-wal/-shm, clips, prompt audio, calibrations) is readable by the service's user only; the
test process's umask is left as it was."""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from etiquette.service.config import SiteConfig
from etiquette.service.offline.demo import demo_site
from etiquette.service.server import Service, build_service
from etiquette.service.store.events import EventStore


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """Run under the usual 022 and give the test process its umask back afterwards."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def _shared_data(tmp_path: Path) -> SiteConfig:
    """A demo site whose data folder and database were made readable by everyone (as
    `etiquette token create` under a 022 umask leaves them)."""
    site = demo_site(tmp_path / "data", 8080)
    data = site.storage.data_dir
    data.mkdir(parents=True, exist_ok=True)
    with EventStore(site.database_url()) as store:
        store.create_token("admin", "before")
    data.chmod(0o755)
    (data / "events.db").chmod(0o644)
    return site


def test_build_service_makes_the_data_folder_private_and_leaves_the_umask(
    tmp_path: Path, usual_umask: None
) -> None:
    site = _shared_data(tmp_path)
    service = build_service(site)
    try:
        assert _mode(site.storage.data_dir) == 0o700
        assert _mode(site.storage.data_dir / "events.db") == 0o600
        assert _umask() == 0o022  # the test process's other tests are not affected
    finally:
        service.store.close()


def test_serve_writes_files_only_its_user_can_read(
    tmp_path: Path, usual_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from etiquette.service import server

    site = _shared_data(tmp_path)
    data = site.storage.data_dir
    seen: dict[str, int] = {}

    class Stopped:
        def __init__(self, service: Service) -> None:
            self.service = service

        def run(self) -> None:
            self.service.store.create_token("viewer", "while-serving")  # a write: -wal, -shm
            (data / "clips").mkdir(exist_ok=True)
            (data / "clips" / "clip.mp4").write_bytes(b"video")
            seen["umask"] = _umask()
            for path in [data, *data.rglob("*")]:
                seen[str(path.relative_to(data))] = _mode(path)
            self.service.store.close()

    monkeypatch.setattr(server, "server_for", lambda service, *_: Stopped(service))
    server.serve(site)
    assert seen.pop("umask") == 0o077
    assert seen.pop(".") == 0o700
    # What was there before (the demo's camera file) is behind the folder's 0700; the
    # database is made 0600 and what the service writes now is 0600/0700.
    written = ("events.db", "events.db-wal", "events.db-shm", "clips", "clips/clip.mp4")
    assert set(written) <= set(seen)
    readable = {name: oct(seen[name]) for name in written if seen[name] & 0o077}
    assert readable == {}, "readable by others"


def test_the_demo_keeps_its_data_private(
    tmp_path: Path, usual_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from etiquette.service.cli.demo import cmd_demo
    from etiquette.service.offline import demo

    ran: list[SiteConfig] = []
    monkeypatch.setattr(demo, "run_demo", lambda site, *_, **__: ran.append(site))
    out = tmp_path / "demo"
    args = argparse.Namespace(
        out=str(out), offline=False, port=8080, speed=1.0, loop=False, exit=True
    )
    assert cmd_demo(args) == 0
    assert ran and _umask() == 0o077
    assert _mode(out) == 0o700
    assert _mode(out / "events.db") == 0o600
    assert _mode(out / "cameras" / "lobby.yaml") == 0o600


@pytest.mark.parametrize(("umask", "mode"), [(0o077, 0o600), (0o022, 0o644)])
def test_prompt_audio_files_follow_the_umask(
    tmp_path: Path, usual_umask: None, umask: int, mode: int
) -> None:
    from etiquette.service.live.speech import _write_atomically

    os.umask(umask)
    path = tmp_path / "0123456789abcdef.wav"
    _write_atomically(path, b"RIFF")
    assert _mode(path) == mode
    assert path.read_bytes() == b"RIFF"
