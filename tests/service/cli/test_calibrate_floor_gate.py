"""`etiquette calibrate floor` refuses a fit whose worst mark is off by more than the gate
(10 cm by default), naming the mark and the likely cause; a poor but usable fit is written
with a warning. Marks from the bundled sample's picture, where its camera file puts them."""

from __future__ import annotations

from pathlib import Path

import pytest

from etiquette.calibration.camera_file import load_camera
from etiquette.service.cli.main import main
from tests.service.api.calibration_page import sample_pixel

FLOOR = [(-1.0, 2.0), (1.0, 2.0), (-1.0, 4.5), (1.0, 4.5), (0.0, 3.0), (-0.5, 3.8)]


def _points(folder: Path, typed: list[tuple[float, float]]) -> Path:
    lines = ["u,v,x,y"]
    for (x, y), (tx, ty) in zip(FLOOR, typed, strict=True):
        u, v = sample_pixel(x, y)
        lines.append(f"{u:.2f},{v:.2f},{tx},{ty}")
    path = folder / "points.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _floor(folder: Path, typed: list[tuple[float, float]], *extra: str) -> int:
    points = _points(folder, typed)
    camera = folder / "camera.yaml"
    camera.write_text("format_version: 1\nimage_size: [768, 432]\n", encoding="utf-8")
    args = ["calibrate", "floor", "--camera", str(camera), "--points", str(points)]
    return main([*args, "--out", str(folder / "out.yaml"), *extra])


def test_a_typo_is_refused_naming_the_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = list(FLOOR)
    typed[2] = (-1.0, 45.0)  # 4.5 typed as 45
    assert _floor(tmp_path, typed) == 2
    error = capsys.readouterr().err
    assert "mark 3" in error and "typo" in error, error
    assert not (tmp_path / "out.yaml").exists()


def test_swapped_coordinates_are_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = list(FLOOR)
    typed[5] = (3.8, -0.5)
    assert _floor(tmp_path, typed) == 2
    error = capsys.readouterr().err
    assert "mark 6" in error and "swapped" in error, error


def test_a_poor_fit_is_written_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = list(FLOOR)
    typed[5] = (-0.5, 3.88)  # 8 cm off: under the gate, over the warning
    assert _floor(tmp_path, typed, "--max-error-cm", "20", "--warn-error-cm", "1") == 0
    output = capsys.readouterr()
    assert "warning" in output.err and "mark 6" in output.err, output
    assert load_camera(tmp_path / "out.yaml").floor is not None


def test_a_good_fit_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _floor(tmp_path, list(FLOOR)) == 0
    assert "warning" not in capsys.readouterr().err
