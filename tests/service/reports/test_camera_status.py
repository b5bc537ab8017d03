"""Camera uptime for the reports: the service stores each camera's online/offline changes
(only the changes), and the report reads its uptime and outages from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from etiquette.service.cameras.runner import HealthMessage
from etiquette.service.cameras.supervisor import Supervisor
from etiquette.service.config import SiteConfig
from etiquette.service.live.state import LiveState
from etiquette.service.reports.uptime import uptime
from etiquette.service.store.events import EventStore

T = 1_800_000_000.0


def test_the_supervisor_stores_only_the_changes(tmp_path: Path) -> None:
    site = SiteConfig.model_validate({"cameras": [{"name": "lobby", "source": "0"}]})
    with EventStore(f"sqlite:///{tmp_path / 'events.db'}") as store:
        supervisor = Supervisor(site, store, LiveState(), cast(Any, None))
        for at, online, error in [
            (T, True, None),
            (T + 1, True, None),  # health every second: not a change
            (T + 600, False, "no frames from the camera"),
            (T + 601, False, "no frames from the camera"),
            (T + 4200, True, None),
        ]:
            last_frame = at if online else T + 600  # offline: its last frame is when it went dark
            supervisor._health(HealthMessage("lobby", online, 10.0, 0, last_frame, error))
        changes = store.camera_status.changes(T - 1, T + 9000)
        assert [(c.online, c.reason) for c in changes] == [
            (True, None),
            (False, "no frames from the camera"),
            (True, None),
        ]
        assert changes[0].at == T  # an online change is when its frame was taken
        # A report from T + 300 knows the state then (online, stored before it).
        later = store.camera_status.changes(T + 300, T + 7200)
        [lobby] = uptime(later, {"lobby": "大堂门口"}, T + 300, T + 7200)
    assert lobby.name == "大堂门口" and lobby.unknown_s == 0
    assert abs(lobby.offline_s - 3600) < 5 and abs(lobby.online_s - 3300) < 5
    [outage] = lobby.outages
    assert outage.reason == "no frames from the camera" and abs(outage.seconds - 3600) < 5


def test_a_camera_without_history_is_unknown_not_offline() -> None:
    [camera] = uptime([], {"lobby": "大堂门口"}, T, T + 3600)
    assert (camera.online_s, camera.offline_s, camera.unknown_s) == (0, 0, 3600)
    assert camera.share is None
