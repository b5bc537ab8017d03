"""What `etiquette demo` prints: every page's address with the token it needs."""

from __future__ import annotations

from etiquette.service.cli.demo import demo_links


def test_the_demo_prints_the_calibration_page_with_an_admin_token() -> None:
    tokens = {"admin": "A", "viewer": "V", "earpiece": "E"}
    lines = demo_links("http://127.0.0.1:8080", tokens)
    calibration = [line for line in lines if "/calibrate" in line]
    assert calibration == ["calibration page (admin):  http://127.0.0.1:8080/calibrate?token=A"], (
        lines
    )
    assert any(line.endswith("/dashboard?token=V") for line in lines), lines
