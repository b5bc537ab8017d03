"""The bundled Chinese font: reports, PDFs, charts and drawn text read in Chinese on a
machine whose only fonts are DejaVu (a bare Debian), and a missing glyph is reported."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from etiquette.service.media.drawing import draw_text
from etiquette.service.media.fonts import FONT_FILE, missing_glyphs, warn_missing_glyphs

ROOT = Path(__file__).resolve().parents[3]
DEJAVU_ONLY = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts/truetype/dejavu</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""
REPORT_SCRIPT = textwrap.dedent(
    """
    import sys, warnings
    warnings.filterwarnings("error", message=".*missing from font.*")
    from etiquette.service.reports.shift import build_report
    from etiquette.service.reports.render import render
    from tests.factories import shift_events, stored
    from tests.service.reports.test_report import SHIFT_END, SHIFT_START
    events = stored(shift_events(60, SHIFT_START))
    report = build_report(events, site="示范支行", start=SHIFT_START, end=SHIFT_END,
                          post=None, bow_target_deg=15.0, bow_tolerance_deg=5.0,
                          door_post="door_post")
    open(sys.argv[1], "wb").write(render(report, "pdf"))
    """
)


def _dejavu_only(tmp_path: Path) -> dict[str, str]:
    conf = tmp_path / "fonts.conf"
    conf.write_text(DEJAVU_ONLY.format(cache=tmp_path / "fc-cache"), encoding="utf-8")
    listed = subprocess.run(
        ["fc-list", ":lang=zh", "family"],
        env={"FONTCONFIG_FILE": str(conf), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert listed.strip() == "", f"the clean font setup still has Chinese fonts: {listed}"
    return {"FONTCONFIG_FILE": str(conf), "MPLCONFIGDIR": str(tmp_path / "mpl")}


def test_the_pdf_report_embeds_the_bundled_font_without_any_system_chinese_font(
    tmp_path: Path,
) -> None:
    import os

    pdf = tmp_path / "report.pdf"
    env = {**os.environ, **_dejavu_only(tmp_path), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", REPORT_SCRIPT, str(pdf)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    rows = [line.split() for line in fonts.stdout.splitlines()[2:]]
    chinese = [row for row in rows if row[0].endswith("+Etiquette-Sans-SC")]
    assert chinese, fonts.stdout
    assert all(row[-5] == "yes" for row in chinese), "the bundled font must be embedded"
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "服务礼仪报告" in text and "示范支行" in text


def _source_text() -> str:
    """What the product draws or prints itself (web pages are drawn by the browser's fonts)."""
    parts = []
    for folder in ("service", "rules", "calibration", "vision"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".j2"}:
                parts.append(path.read_text(encoding="utf-8"))
    return "".join(parts)


def test_every_character_of_the_products_own_text_has_a_glyph() -> None:
    """New Chinese text in the product needs the font rebuilt (scripts/build_cjk_font.py)."""
    assert missing_glyphs(_source_text()) == []


@pytest.mark.parametrize("name", ["张伟", "王秀英", "李娜", "刘洋", "欧阳靖", "诸葛亮", "龚鑫淼"])
def test_common_names_have_glyphs(name: str) -> None:
    assert missing_glyphs(name) == []


def test_a_character_no_font_covers_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        missing = warn_missing_glyphs("客户 𠀀先生 到店", "report 测试支行")
    assert missing == ["𠀀"]
    assert "U+20000" in caplog.text and "测试支行" in caplog.text


def _drawn(text: str) -> np.ndarray:
    canvas = np.zeros((40, 120, 3), dtype=np.uint8)
    draw_text(canvas, text, (2, 2), 24, (255, 255, 255))
    return canvas


def test_drawn_chinese_has_real_glyphs_not_boxes() -> None:
    bow, shallow, empty_box = _drawn("鞠躬"), _drawn("过浅"), _drawn("\U000f0000")
    assert bow.any() and shallow.any()
    # Tofu boxes look alike whatever the character; real glyphs do not.
    assert np.abs(bow.astype(int) - shallow.astype(int)).sum() > 0.2 * bow.sum()
    assert np.abs(bow.astype(int) - empty_box.astype(int)).sum() > 0.2 * bow.sum()


def test_the_font_and_its_licence_ship_in_the_package() -> None:
    assert FONT_FILE.stat().st_size > 1_000_000
    assert "SIL Open Font License" in (FONT_FILE.parent / "OFL.txt").read_text(encoding="utf-8")
