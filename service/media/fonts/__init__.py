"""The bundled Chinese font, so that reports, PDFs, charts and text drawn into video read in
Chinese whatever fonts the machine has (a bare Debian has none with Chinese glyphs).

``EtiquetteSansSC-Regular.otf`` is a subset of Noto Sans CJK SC (SIL Open Font License 1.1,
``OFL.txt``): GB 2312's characters, Latin-1, punctuation and every character of the product's
own text; ``scripts/build_cjk_font.py`` rebuilds it.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_FILE = Path(__file__).resolve().parent / "EtiquetteSansSC-Regular.otf"
FAMILY = "Etiquette Sans SC"

log = logging.getLogger(__name__)


@cache
def _covered() -> frozenset[int]:
    with TTFont(str(FONT_FILE), lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_glyphs(text: str) -> list[str]:
    """The characters of ``text`` the bundled font has no glyph for (spaces and controls
    aside), each once, in order of first appearance."""
    covered = _covered()
    seen: dict[str, None] = {}
    for character in text:
        if character.isprintable() and not character.isspace() and ord(character) not in covered:
            seen.setdefault(character, None)
    return list(seen)


def warn_missing_glyphs(text: str, where: str) -> list[str]:
    """Log a warning naming the characters that will print as empty boxes; returns them."""
    missing = missing_glyphs(text)
    if missing:
        log.warning(
            "%s: no glyph in the bundled font for %d character(s) %s; they may print as boxes"
            " (rebuild the font with scripts/build_cjk_font.py to add them)",
            where,
            len(missing),
            " ".join(f"{c} (U+{ord(c):04X})" for c in missing[:20]),
        )
    return missing


def font_face_css() -> str:
    """A CSS @font-face rule that loads the bundled font by file URL (for WeasyPrint)."""
    return (
        f'@font-face {{ font-family: "{FAMILY}"; '
        f'src: url("{FONT_FILE.as_uri()}") format("opentype"); }}'
    )
