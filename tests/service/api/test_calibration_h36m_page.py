"""A floor calibration done by clicking the page, checked against real cameras whose floor is
known: two Human3.6M frames (S1 Directions from camera 54138969, S8 WalkDog from camera
55011271, on opposite sides of the room) replayed as two cameras of one service, each with a
camera file holding only its lens from the motion-capture calibration in cameras.pkl ("the
lens was calibrated"). Eight true floor points are clicked where each camera sees them and
their metres typed; the saved floor puts the true floor points over the marked area within
5 cm, and the fitted camera height and tilt match the motion-capture camera's.

Human3.6M's conventions, as checked on test_h36m_body3d.npz (joints in camera metres):
cameras.pkl's R maps camera axes to world axes and T is the camera centre in metres (not mm),
so X_world = R @ X_cam + T, z up. The ankles of the three standing frames come 4-11 cm above
world z = 0, the floor (with R transposed instead, a standing head lands up to 1.3 m below);
z = 0 projected lies on the red carpet and under the feet. The lens is the dataset's own model
(ProjectPointRadial: the 2D labels are made with it, to 0.00 px): k radial, p tangential with
the cross terms half of OpenCV's, so no OpenCV lens is exactly it; k1, k2, p1, p2, k3 with p
in the same order stays within 0.8 px (camera 54138969) and 1.4 px (55011271) of it at the
picture's corners and 0.2-0.3 px on average (the other order is worse, no tangential terms
worse still). The true pixels below are the dataset's model; the camera files hold OpenCV's."""

from __future__ import annotations

import math
import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from playwright.sync_api import Browser, Page

from etiquette.calibration.camera_file import CameraFile, Intrinsics, load_camera, save_camera
from etiquette.calibration.projection import FloorProjection
from etiquette.service.config import SiteConfig
from tests.conftest import SHARED_DATA, read_bgr
from tests.live_service import free_port, running_service
from tests.service.api.calibration_page import chromium, click_pixel, fill_mark, open_page, save

pytestmark = pytest.mark.real_data  # reads ../shared/data

H36M = SHARED_DATA / "h36m"
SHOTS = Path("/tmp/h36m-shots")
ANKLES = [3, 6]  # r_ankle, l_ankle in the 17-joint order
Metres = tuple[float, float]


@dataclass(frozen=True)
class Case:
    name: str  # the camera's name in the site
    frame: str
    key: tuple[str, str]  # (subject, camera id) in cameras.pkl
    # Floor metres = Human3.6M world x, y (z up, so y is 90 degrees counter-clockwise from x
    # seen from above): on the red carpet around the subject, none hidden by the body.
    marks: tuple[Metres, ...]
    area: tuple[Metres, Metres]  # the marked area: x from, to; y from, to


CASES = (
    Case(
        "s1_directions",
        "S1_Directions_1.54138969_000001.jpg",
        ("S1", "54138969"),
        (
            (1.5, -2.5),
            (-2.0, -2.0),
            (0.5, -1.0),
            (-2.5, -0.5),
            (-1.0, -0.5),
            (1.0, 1.0),
            (-1.5, 1.5),
            (0.0, 2.5),
        ),
        ((-2.5, 1.5), (-2.5, 2.5)),
    ),
    Case(
        "s8_walkdog",
        "S8_WalkDog_1.55011271_000026.jpg",
        ("S8", "55011271"),
        (
            (-2.0, 2.0),
            (1.5, 2.5),
            (-0.5, 1.5),
            (2.0, 0.0),
            (0.0, -1.0),
            (-1.0, -1.5),
            (1.5, -2.0),
            (-1.5, 0.5),
        ),
        ((-2.0, 2.0), (-2.0, 2.5)),
    ),
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def _mocap_camera(case: Case) -> dict[str, np.ndarray]:
    with (H36M / "cameras.pkl").open("rb") as handle:
        cameras = pickle.load(handle)
    return {
        key: np.asarray(value, dtype=np.float64)
        for key, value in cameras[case.key].items()
        if key in ("R", "T", "f", "c", "k", "p")
    }


def _ankle_heights(case: Case) -> np.ndarray:
    """The subject's ankles above world z = 0, metres (the mocap joints, camera metres, taken
    to the world with X_world = R @ X_cam + T)."""
    data = np.load(H36M / "test_h36m_body3d.npz")
    index = [Path(str(name)).name for name in data["imgname"]].index(case.frame)
    camera = _mocap_camera(case)
    world = data["S"][index][:, :3] @ camera["R"].T + camera["T"].ravel()
    return np.asarray(world[ANKLES, 2])


def _true_pixels(camera: dict[str, np.ndarray], floor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the mocap camera sees floor points (world z = 0), with the dataset's own lens
    model (Human3.6M's ProjectPointRadial); and their depth in front of the camera."""
    world = np.column_stack([floor, np.zeros(len(floor))])
    seen = (world - camera["T"].ravel()) @ camera["R"]  # X_cam = R.T @ (X_world - T)
    xy = seen[:, :2] / seen[:, 2:3]
    k, p = camera["k"].ravel(), camera["p"].ravel()
    r2 = (xy**2).sum(axis=1)
    radial = 1 + k[0] * r2 + k[1] * r2**2 + k[2] * r2**3
    tangential = p[0] * xy[:, 1] + p[1] * xy[:, 0]
    distorted = xy * (radial + tangential)[:, None] + np.outer(r2, [p[1], p[0]])
    return distorted * camera["f"].ravel() + camera["c"].ravel(), seen[:, 2]


def _lens(camera: dict[str, np.ndarray]) -> Intrinsics:
    """The mocap lens as a camera file holds it: OpenCV's order k1, k2, p1, p2, k3."""
    f, c = camera["f"].ravel(), camera["c"].ravel()
    k, p = camera["k"].ravel(), camera["p"].ravel()
    distortion = [float(v) for v in (k[0], k[1], p[0], p[1], k[2])]
    return Intrinsics(fx=f[0], fy=f[1], cx=c[0], cy=c[1], distortion=distortion)


def _camera(folder: Path, case: Case) -> dict[str, str | bool]:
    """The still frame as a looping camera, with a camera file holding only its lens."""
    image = read_bgr(H36M / case.frame)
    height, width = image.shape[:2]
    video = folder / f"{case.name}.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter.fourcc(*"mp4v"), 2.0, (width, height))
    assert writer.isOpened()
    for _ in range(4):
        writer.write(image)
    writer.release()
    camera_file = folder / "data" / "cameras" / f"{case.name}.yaml"
    camera_file.parent.mkdir(parents=True, exist_ok=True)
    lens = _lens(_mocap_camera(case))
    save_camera(
        CameraFile(name=case.name, image_size=[width, height], intrinsics=lens), camera_file
    )
    return {"name": case.name, "source": str(video), "camera_file": str(camera_file), "loop": True}


def _site(folder: Path) -> SiteConfig:
    return SiteConfig.model_validate(
        {
            "site": "h36m",
            "cameras": [_camera(folder, case) for case in CASES],
            "storage": {"data_dir": str(folder / "data")},
            "server": {"host": "127.0.0.1", "port": free_port()},
        }
    )


def _calibrate(page: Page, case: Case, pixels: np.ndarray) -> list[str]:
    """Click each mark, type its metres, wait for every mark's error, save; the errors."""
    for index, ((x, y), (u, v)) in enumerate(zip(case.marks, pixels, strict=True)):
        click_pixel(page, u, v)
        page.wait_for_function(f"document.querySelectorAll('#points tr').length > {index}")
        fill_mark(page, index, str(x), str(y))
    page.wait_for_function(
        "[...document.querySelectorAll('#points .residual')].filter(c => c.textContent)"
        f".length === {len(case.marks)}",
        timeout=15000,
    )
    assert page.get_attribute("#fit-status", "class") == "ok", page.text_content("#fit-status")
    result = save(page)
    assert result.startswith("ok"), result
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function("document.querySelectorAll('#overlay polyline').length > 20")
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / f"{case.name}-1366x768-saved.png"), full_page=True)
    return [text.strip() for text in page.locator("#points .residual").all_text_contents()]


@dataclass(frozen=True)
class Measured:
    errors_cm: np.ndarray  # the grid's true pixels to the floor, off the truth
    pixel_errors: np.ndarray  # the grid through the file to pixels, off the true pixels
    height: tuple[float, float]  # fitted, true (metres)
    tilt: tuple[float, float]  # fitted, true (degrees)


def _measure(case: Case, saved: CameraFile, size: tuple[int, int]) -> Measured:
    """A 13x13 grid over the marked area, where the camera sees it (in front, in the
    picture): its true pixels back to the floor through the saved file, and the floor
    through the file to pixels; the pose against the mocap camera."""
    assert saved.floor is not None and saved.floor.pose is not None
    camera = _mocap_camera(case)
    fitted = FloorProjection.from_camera(saved, saved.floor)
    (x0, x1), (y0, y1) = case.area
    xs, ys = np.meshgrid(np.linspace(x0, x1, 13), np.linspace(y0, y1, 13))
    grid = np.column_stack([xs.ravel(), ys.ravel()])
    true_px, depth = _true_pixels(camera, grid)
    seen = (depth > 0) & ((true_px >= 0) & (true_px < size)).all(axis=1)
    grid, true_px = grid[seen], true_px[seen]
    assert len(grid) >= 100, len(grid)
    errors_cm = np.linalg.norm(fitted.to_floor(true_px) - grid, axis=1) * 100
    pixel_errors = np.linalg.norm(fitted.to_pixels(grid) - true_px, axis=1)
    rotation, centre = camera["R"], camera["T"].ravel()
    true_tilt = math.degrees(math.asin(-rotation[2, 2]))  # optical axis R[:, 2] below level
    pose = saved.floor.pose
    return Measured(
        errors_cm, pixel_errors, (pose.height_m, float(centre[2])), (pose.tilt_deg, true_tilt)
    )


def test_a_calibration_by_clicking_lands_the_true_floor(browser: Browser, tmp_path: Path) -> None:
    site = _site(tmp_path)
    SHOTS.mkdir(exist_ok=True)
    truth = {}
    for case in CASES:
        ankles = _ankle_heights(case)  # the floor is world z = 0: the feet stand on it
        assert ((ankles > 0.02) & (ankles < 0.12)).all(), (case.name, ankles)
        height, width = read_bgr(H36M / case.frame).shape[:2]
        pixels, depth = _true_pixels(_mocap_camera(case), np.array(case.marks))
        assert (depth > 0).all() and ((pixels >= 0) & (pixels < (width, height))).all()
        truth[case.name] = (pixels, (width, height))
    residuals = {}
    with running_service(site, ("admin",)) as (address, tokens):
        page = open_page(browser, address, tokens["admin"])
        for case in CASES:
            size = truth[case.name][1]
            if page.input_value("#camera") != case.name:
                page.select_option("#camera", case.name)
                page.wait_for_function("document.querySelectorAll('#points tr').length === 0")
            page.wait_for_function(
                f"(s => s.naturalWidth === {size[0]} && s.naturalHeight === {size[1]})"
                "(document.getElementById('snapshot'))"
            )
            page.wait_for_timeout(300)
            residuals[case.name] = _calibrate(page, case, truth[case.name][0])
    failed = []
    for case, camera in zip(CASES, site.cameras, strict=True):
        assert camera.camera_file is not None
        saved = load_camera(camera.camera_file)
        assert saved.intrinsics == _lens(_mocap_camera(case))  # the lens kept as it was
        assert saved.floor is not None and len(saved.floor.points) == len(case.marks)
        pixels, size = truth[case.name]
        clicked = np.array([[p.u, p.v] for p in saved.floor.points])
        found = _measure(case, saved, size)
        print(
            f"\n{case.name}: clicks off the true pixels by {np.round(clicked - pixels, 2).tolist()}"
            f"\n  marks' errors on the page: {residuals[case.name]}"
            f"\n  {len(found.errors_cm)} grid points seen: floor error max"
            f" {found.errors_cm.max():.2f} cm, mean {found.errors_cm.mean():.2f} cm;"
            f" to pixels max {found.pixel_errors.max():.2f} px"
            f"\n  height {found.height[0]:.3f} m (true {found.height[1]:.3f}),"
            f" tilt {found.tilt[0]:.2f} deg (true {found.tilt[1]:.2f})"
            f"\n  screenshot: {SHOTS / f'{case.name}-1366x768-saved.png'}"
        )
        if not (
            found.errors_cm.max() < 5.0
            and abs(found.height[0] - found.height[1]) < 0.03
            and abs(found.tilt[0] - found.tilt[1]) < 0.5
        ):
            failed.append(case.name)
    assert not failed, failed
