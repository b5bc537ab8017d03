"""The lens step's API on a real running service whose camera films the 19 real 640x480
chessboard photos (7x7 inner corners; 25 mm squares assumed: their size is unknown, and the
lens does not depend on it): uploads fit the lens exactly as `etiquette calibrate
intrinsics` does on the same files; wrong-size, board-less, repeated and malformed uploads
are refused with a sentence in Chinese and English; saving writes the lens into the camera
file, keeping the previous one, with the floor refitted from its marks (or the save refused
when the refit is)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import pytest

from etiquette.calibration.camera_file import backup_path, load_camera
from etiquette.calibration.intrinsics import Board, IntrinsicsFit, calibrate_intrinsics
from tests.conftest import PEOPLE, read_bgr, read_grey
from tests.live_service import free_port, running_service
from tests.service.api.lens_camera import (
    VIEWS,
    LensApi,
    camera_with_marks,
    chessboard_video,
    lens_site,
)

pytestmark = pytest.mark.real_data  # reads ../shared/data
BOARD = Board(7, 7, 0.025)
PROBLEM_KEYS = {"detail", "zh", "mark", "field"}


@pytest.fixture(scope="module")
def cli_fit() -> IntrinsicsFit:
    return calibrate_intrinsics(VIEWS, BOARD)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LensApi, Path, str]]:
    folder = tmp_path_factory.mktemp("lens")
    site = lens_site(folder / "data", free_port(), chessboard_video(folder))
    with running_service(site, ("admin", "viewer")) as (address, tokens):
        lens = LensApi(address, tokens["admin"])
        raw = f"http://{address}/api/cameras/lobby/raw.jpg"
        for _ in range(240):  # the runner's first raw frame
            if httpx.get(raw, headers=lens.headers, timeout=5).status_code == 200:
                break
            time.sleep(0.25)
        yield lens, folder / "data" / "cameras" / "lobby.yaml", tokens["viewer"]


@pytest.fixture
def lens(service: tuple[LensApi, Path, str]) -> LensApi:
    """No views kept. The camera file stays: once saved, the camera runs with it (deleted,
    the restarting runner would fail on it); the tests that need one write their own."""
    api, camera_file, _ = service
    api.clear()
    backup_path(camera_file).unlink(missing_ok=True)
    return api


def _refusal(answer: httpx.Response, status: int = 422) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    problem = answer.json()
    assert set(problem) == PROBLEM_KEYS, problem  # never pydantic's raw list
    assert problem["zh"] != problem["detail"] and "：" in problem["zh"], problem
    return dict(problem)


def test_all_19_photos_fit_the_lens_as_the_command_line_does(
    lens: LensApi, cli_fit: IntrinsicsFit
) -> None:
    for path in VIEWS:
        answer = lens.upload_file(path)
        assert answer.status_code == 200, (path.name, answer.text)
    state = lens.state().json()
    fit = state["fit"]
    print(f"\nlens step RMS {fit['rms_px']:.4f} px, command line {cli_fit.rms_px:.4f} px")
    assert fit["views_used"] == 19
    assert abs(fit["rms_px"] - cli_fit.rms_px) < 0.05
    assert fit["fx"] == pytest.approx(cli_fit.intrinsics.fx, rel=0.01)
    assert fit["verdict"] in {"good", "fair"} and fit["rms_px"] < 1.0
    errors = [view["error_px"] for view in state["views"]]
    cli_errors = [view.rms_px or 0.0 for view in cli_fit.views]
    assert np.allclose(errors, cli_errors, atol=0.05), (errors, cli_errors)
    assert [view["label"] for view in state["views"]] == [p.name for p in VIEWS]
    # The coverage: every corner of every view counted once, empty cells named as parts.
    coverage = state["coverage"]
    counts = np.array(coverage["counts"])
    assert counts.shape == (4, 6) and counts.sum() == 19 * 49
    assert (counts == 0).any() == bool(coverage["missing"])
    if coverage["missing"]:
        assert "还缺少棋盘格视角" in coverage["advice"]["zh"], coverage
    # The real views: nothing reaches the right column but view 17's far end.
    assert counts[:, 5].sum() < counts[:, 1:5].sum() / 20
    assert "right" in " ".join(coverage["missing"])


def test_coverage_follows_the_views(lens: LensApi) -> None:
    answer = lens.upload_file(VIEWS[0])
    assert answer.status_code == 200, answer.text
    counts = np.array(answer.json()["state"]["coverage"]["counts"])
    corners = cv2.findChessboardCornersSB(read_grey(VIEWS[0]), (7, 7))[1].reshape(-1, 2)
    cells = {(int(v / 480 * 4), int(u / 640 * 6)) for u, v in corners}
    assert {tuple(map(int, cell)) for cell in np.argwhere(counts > 0)} == cells
    state = answer.json()["state"]
    assert state["fit"] is None and len(state["views"]) == 1
    advice = state["coverage"]["advice"]
    assert "左上角" in advice["zh"] and "top-left corner" in advice["en"], advice


def test_a_capture_takes_the_live_picture_and_a_repeat_is_refused(lens: LensApi) -> None:
    captured = lens.capture(board="7x7", square_mm="25")
    assert captured.status_code == 200, captured.text
    view = captured.json()["view"]
    assert view["source"] == "camera"
    assert captured.json()["state"]["image_size"] == [640, 480]
    # The camera films one of the photos: uploading them all, exactly that one is refused
    # as nearly the same as the captured view (an MP4 frame of it, not the same bytes).
    refused = []
    for path in VIEWS:
        answer = lens.upload_file(path)
        if answer.status_code != 200:
            refused.append(_refusal(answer))
    assert len(refused) == 1, refused
    assert "几乎一样" in refused[0]["zh"] and f"第 {view['number']} 张" in refused[0]["zh"]
    assert "nearly the same as view 1" in refused[0]["detail"]


def test_the_same_photo_twice_is_refused(lens: LensApi) -> None:
    assert lens.upload_file(VIEWS[3]).status_code == 200
    problem = _refusal(lens.upload_file(VIEWS[3]))
    assert "第 1 张几乎一样" in problem["zh"] and "move the board" in problem["detail"]
    assert len(lens.state().json()["views"]) == 1


def test_a_photo_of_another_size_is_refused_naming_both(lens: LensApi) -> None:
    image = read_bgr(VIEWS[0])
    small = bytes(cv2.imencode(".jpg", cv2.resize(image, (320, 240)))[1])
    problem = _refusal(lens.upload(small))
    for text in (problem["zh"], problem["detail"]):
        assert "320x240" in text and "640x480" in text, problem


def test_a_photo_without_a_chessboard_is_refused_with_advice(lens: LensApi) -> None:
    people = read_bgr(PEOPLE / "mmpose_h36m_S1_Directions_000001.jpg")
    photo = bytes(cv2.imencode(".png", cv2.resize(people, (640, 480)))[1])
    problem = _refusal(lens.upload(photo, "image/png", "people.png"))
    assert problem["zh"].startswith("没有找到 7x7 内角点的棋盘格"), problem
    assert "整个棋盘都在画面里" in problem["zh"] and "whole board" in problem["detail"]


@pytest.mark.parametrize(
    ("body", "kind", "query", "status", "zh"),
    [
        (b"not a picture", "image/jpeg", {}, 422, "不是一张能读出的照片"),
        (b"", "image/jpeg", {}, 422, "没有收到照片"),
        (b'{"photo": 1}', "application/json", {}, 415, "上传的不是照片"),
        (b"x", "image/jpeg", {"board": "7by7"}, 422, "棋盘格大小"),
        (b"x", "image/jpeg", {"board": "1x7"}, 422, "内角点不对"),
        (b"x", "image/jpeg", {"square_mm": "abc"}, 422, "方格边长"),
        (b"x", "image/jpeg", {"square_mm": "nan"}, 422, "方格边长"),
    ],
)
def test_a_malformed_upload_gets_a_sentence(
    lens: LensApi, body: bytes, kind: str, query: dict[str, str], status: int, zh: str
) -> None:
    problem = _refusal(lens.upload(body, kind, **query), status)
    assert zh in problem["zh"], problem


def test_unknown_cameras_and_views_and_roles(
    lens: LensApi, service: tuple[LensApi, Path, str]
) -> None:
    other = httpx.get(lens.base.replace("/lobby/", "/nowhere/"), headers=lens.headers)
    assert _refusal(other, 404)["zh"].startswith("没有名为 nowhere 的摄像头：")
    picture = httpx.get(f"{lens.base}/pictures/v0042.jpg", headers=lens.headers)
    assert _refusal(picture, 404)["zh"].startswith("没有这个视角")
    token = lens.headers["Authorization"].removeprefix("Bearer ")
    in_url = httpx.get(f"{lens.base}/pictures/v0042.jpg", params={"token": token})
    assert in_url.status_code == 401  # the page fetches pictures with the header
    assert _refusal(lens.delete("v0099"), 404)["zh"].startswith("没有这个视角")
    assert _refusal(lens.delete("v0001.json"), 404)
    viewer = httpx.get(lens.base, headers={"Authorization": f"Bearer {service[2]}"})
    assert viewer.status_code == 403


def test_a_view_is_deleted_and_a_board_change_is_refused(lens: LensApi) -> None:
    first = lens.upload_file(VIEWS[0]).json()["view"]
    assert lens.upload_file(VIEWS[1]).status_code == 200
    problem = _refusal(lens.upload(VIEWS[2].read_bytes(), board="9x6"))
    assert "7x7" in problem["zh"] and "清空全部视角" in problem["zh"], problem
    state = lens.delete(first["id"]).json()
    assert [view["number"] for view in state["views"]] == [2]
    assert np.array(state["coverage"]["counts"]).sum() == 49


def test_saving_needs_enough_views(lens: LensApi) -> None:
    for path in VIEWS[:4]:
        assert lens.upload_file(path).status_code == 200
    problem = _refusal(lens.save())
    assert "只有 4 个棋盘格视角" in problem["zh"], problem


def test_a_new_camera_file_is_made_for_a_camera_without_one(
    lens: LensApi, service: tuple[LensApi, Path, str]
) -> None:
    assert not service[1].exists(), "runs before any test that saves a camera file"
    for path in VIEWS[:10]:
        assert lens.upload_file(path).status_code == 200
    answer = lens.save()
    assert answer.status_code == 200, answer.text
    assert answer.json()["backup"] is False and answer.json()["floor_refitted"] is False
    camera = load_camera(service[1])
    assert camera.image_size == [640, 480] and camera.intrinsics is not None


def test_save_writes_the_lens_and_refits_the_floor(
    lens: LensApi, service: tuple[LensApi, Path, str], cli_fit: IntrinsicsFit
) -> None:
    camera_file = service[1]
    before = camera_with_marks(camera_file, cli_fit.intrinsics)
    original = camera_file.read_bytes()
    assert before.floor is not None and before.floor.pose is None
    for path in VIEWS[:10]:
        assert lens.upload_file(path).status_code == 200
    answer = lens.save()
    assert answer.status_code == 200, answer.text
    saved = answer.json()
    assert saved["floor_refitted"] and saved["backup"], saved
    camera = load_camera(camera_file)
    assert backup_path(camera_file).read_bytes() == original
    assert camera.intrinsics is not None and camera.intrinsics.views == 10
    assert camera.intrinsics.rms_px == pytest.approx(saved["rms_px"], abs=1e-3)
    assert camera.floor is not None and camera.floor.pose is not None
    assert camera.floor.points == before.floor.points
    # The marks were made with the 19-view lens; the 10-view one is close to it.
    assert camera.floor.pose.height_m == pytest.approx(2.6, abs=0.05)
    assert camera.floor.pose.tilt_deg == pytest.approx(40.0, abs=1.0)
    assert saved["fit_error_cm"] < 1.0
    state = lens.state().json()
    assert state["camera_lens"]["views"] == 10 and len(state["views"]) == 10


def test_a_refused_floor_refit_refuses_the_save(
    lens: LensApi, service: tuple[LensApi, Path, str], cli_fit: IntrinsicsFit
) -> None:
    camera_file = service[1]
    camera_with_marks(camera_file, cli_fit.intrinsics, moved=4)
    original = camera_file.read_bytes()
    for path in VIEWS[:10]:
        assert lens.upload_file(path).status_code == 200
    problem = _refusal(lens.save())
    assert problem["mark"] == 5, problem
    assert problem["zh"].startswith("换上新的镜头参数后，地面标记拟合不通过，所以没有保存")
    assert "标记 5" in problem["zh"] and "mark 5" in problem["detail"]
    assert camera_file.read_bytes() == original
    assert not backup_path(camera_file).exists()


def test_views_taken_again_after_a_clear_get_their_own_fit(lens: LensApi) -> None:
    """Numbering starts again after a clear: the fit of the old views, cached, must not be
    given for new views that happen to have the same numbers."""
    fits = []
    for views in (VIEWS[:10], VIEWS[9:]):
        lens.clear()
        for path in views:
            assert lens.upload_file(path).status_code == 200
        fits.append(lens.state().json()["fit"])
    assert [fit["views_used"] for fit in fits] == [10, 10]
    assert fits[0]["fx"] != fits[1]["fx"] and fits[0]["rms_px"] != fits[1]["rms_px"]


def test_the_same_photo_sent_at_once_from_two_tabs_is_kept_once(lens: LensApi) -> None:
    """Uploads run side by side: the duplicate check and the numbering are one step."""
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: lens.upload_file(VIEWS[5]), range(4)))
    assert sorted(answer.status_code for answer in answers) == [200, 422, 422, 422]
    assert [view["number"] for view in lens.state().json()["views"]] == [1]
