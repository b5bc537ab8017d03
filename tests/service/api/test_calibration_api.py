"""The calibration API on a real running service: the fit gate, saving only what was sent,
a backup of the previous file that can be restored, and errors a person can read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from etiquette.calibration.camera_file import load_camera
from tests.live_service import free_port, running_service, sample_site
from tests.service.api.calibration_page import sample_pixel

FLOOR = [(-1.0, 2.0), (1.0, 2.0), (-1.0, 4.5), (1.0, 4.5), (0.0, 3.0), (-0.5, 3.8)]


def _marks(typed: list[tuple[float, float]] | None = None) -> list[dict[str, float]]:
    marks = []
    for (x, y), (tx, ty) in zip(FLOOR, typed or FLOOR, strict=True):
        u, v = sample_pixel(x, y)
        marks.append({"u": u, "v": v, "x": tx, "y": ty})
    return marks


def _post(address: str, token: str, body: dict[str, Any], what: str = "") -> httpx.Response:
    return httpx.post(
        f"http://{address}/api/cameras/lobby/calibration{what}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_a_save_keeps_a_backup_that_can_be_restored(tmp_path: Path) -> None:
    site = sample_site(tmp_path, free_port())
    path = tmp_path / "cameras" / "lobby.yaml"
    original = path.read_bytes()
    with running_service(site, ("admin",)) as (address, tokens):
        answer = _post(address, tokens["admin"], {"points": _marks()})
        assert answer.status_code == 200, answer.text
        saved = path.read_bytes()
        assert saved != original
        backup = path.with_name("lobby.previous.yaml")
        assert backup.read_bytes() == original
        # Only the marks were sent: the zones are those of the file.
        assert load_camera(path).zones == load_camera(backup).zones
        restored = _post(address, tokens["admin"], {}, "/restore")
        assert restored.status_code == 200, restored.text
        assert path.read_bytes() == original
        assert backup.read_bytes() == saved  # the restore can itself be undone


def test_a_fit_over_the_gate_is_refused_naming_the_mark(tmp_path: Path) -> None:
    site = sample_site(tmp_path, free_port())
    path = tmp_path / "cameras" / "lobby.yaml"
    original = path.read_bytes()
    typed = list(FLOOR)
    typed[2] = (-1.0, 45.0)  # 4.5 typed as 45
    with running_service(site, ("admin",)) as (address, tokens):
        answer = _post(address, tokens["admin"], {"points": _marks(typed)})
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["mark"] == 3, problem
    assert "标记 3" in problem["zh"] and "mark 3" in problem["detail"], problem
    assert path.read_bytes() == original


def test_a_poor_fit_is_saved_with_a_warning(tmp_path: Path) -> None:
    site = sample_site(tmp_path, free_port())
    site = site.model_copy(
        update={"calibration": site.calibration.model_copy(update={"warn_mark_error_cm": 1.0})}
    )
    typed = list(FLOOR)
    typed[5] = (-0.5, 3.88)
    with running_service(site, ("admin",)) as (address, tokens):
        answer = _post(address, tokens["admin"], {"points": _marks(typed)})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["warnings"] and "标记 6" in result["warnings"][0]["zh"], result


def test_a_malformed_request_is_a_sentence_naming_the_field(tmp_path: Path) -> None:
    site = sample_site(tmp_path, free_port())
    marks = _marks()
    marks[2]["y"] = "four"  # type: ignore[assignment]
    with running_service(site, ("admin",)) as (address, tokens):
        answer = _post(address, tokens["admin"], {"points": marks})
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["zh"].startswith("标记 3 的 y"), problem
    assert isinstance(problem["detail"], str) and "mark 3" in problem["detail"], problem
