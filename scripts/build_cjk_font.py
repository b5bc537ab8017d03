"""Rebuild service/media/fonts/EtiquetteSansSC-Regular.otf, the bundled Chinese font.

A subset of Noto Sans CJK SC Regular (SIL Open Font License 1.1, from Debian's
fonts-noto-cjk): every character of GB 2312 (the 6,763 common simplified hanzi and its
symbols, which covers customers' and staff names in everyday use), Latin-1, general and CJK
punctuation, full-width forms, and every character the product's own sources use. Renamed,
as the OFL asks of a modified font.

    python scripts/build_cjk_font.py [--source NotoSansCJK-Regular.ttc]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "service" / "media" / "fonts" / "EtiquetteSansSC-Regular.otf"
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FAMILY = "Etiquette Sans SC"
POSTSCRIPT = "EtiquetteSansSC-Regular"
SOURCES = ("service", "rules", "vision", "calibration", "models", "README.md", "examples")
RANGES = (
    (0x20, 0x7E),  # ASCII
    (0xA0, 0xFF),  # Latin-1
    (0x2000, 0x206F),  # general punctuation
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # circled numbers
    (0x3000, 0x303F),  # CJK punctuation
    (0xFF00, 0xFFEF),  # full-width forms
)


def gb2312() -> set[str]:
    """Every character GB 2312 encodes (rows 0xA1-0xF7, cells 0xA1-0xFE)."""
    found = set()
    for row in range(0xA1, 0xF8):
        for cell in range(0xA1, 0xFF):
            try:
                found.add(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def product_text() -> set[str]:
    found: set[str] = set()
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for file in files:
            if file.suffix in {".py", ".html", ".j2", ".md", ".yaml", ".json", ".txt"}:
                found.update(c for c in file.read_text(encoding="utf-8") if ord(c) > 0x7F)
    return found


def characters() -> set[str]:
    wanted = gb2312() | product_text()
    for low, high in RANGES:
        wanted.update(chr(code) for code in range(low, high + 1))
    return wanted


def simplified_chinese(source: Path) -> TTFont:
    for font in TTCollection(str(source)).fonts:
        if font["name"].getDebugName(6) == "NotoSansCJKsc-Regular":
            return font
    raise SystemExit(f"{source}: no NotoSansCJKsc-Regular face (install fonts-noto-cjk)")


def rename(font: TTFont) -> None:
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (3, 4):
            where = (record.nameID, record.platformID, record.platEncID, record.langID)
            names.setName(f"{FAMILY} Regular", *where)
        elif record.nameID == 6:
            names.setName(POSTSCRIPT, 6, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (17, 18, 20):  # typographic subfamily, mac name, CID name
            names.removeNames(nameID=record.nameID)
    cff = font["CFF "].cff
    cff.fontNames = [POSTSCRIPT]
    top = cff.topDictIndex[0]
    for key in ("FullName", "FamilyName"):
        if hasattr(top, key):
            setattr(top, key, FAMILY)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="Noto Sans CJK .ttc")
    args = parser.parse_args()
    font = simplified_chinese(args.source)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in characters()])
    subsetter.subset(font)
    rename(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(OUT))
    print(f"{OUT}: {len(font.getBestCmap())} characters, {OUT.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
