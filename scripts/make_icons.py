"""Draw the earpiece's home-screen icons (service/api/web/earpiece-192.png and -512.png).

Run once by hand when the design changes; the PNGs are committed, so neither the build nor the
service needs Pillow's drawing for them. A speaker with sound waves, white on the page's green,
inside a dark square (Android's round mask cuts the corners: everything sits in the middle).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

WEB = Path(__file__).resolve().parents[1] / "service" / "api" / "web"
SIZES = (192, 512)
SCALE = 4  # drawn this much larger, then shrunk: smooth edges without an anti-aliasing API
DARK, GREEN, WHITE = (17, 17, 17, 255), (46, 125, 50, 255), (255, 255, 255, 255)


def icon(size: int) -> Image.Image:
    big = size * SCALE
    picture = Image.new("RGBA", (big, big), DARK)
    draw = ImageDraw.Draw(picture)

    def at(*fractions: float) -> list[float]:
        return [f * big for f in fractions]

    draw.ellipse(at(0.1, 0.1, 0.9, 0.9), fill=GREEN)
    # The speaker: a box and its cone.
    draw.rectangle(at(0.27, 0.42, 0.37, 0.58), fill=WHITE)
    draw.polygon(
        [tuple(at(0.37, 0.42)), tuple(at(0.5, 0.3)), tuple(at(0.5, 0.7)), tuple(at(0.37, 0.58))],
        fill=WHITE,
    )
    # Two sound waves.
    width = round(0.045 * big)
    for radius in (0.1, 0.19):
        box = at(0.5 - radius, 0.5 - radius, 0.5 + radius, 0.5 + radius)
        box[0] += 0.06 * big
        box[2] += 0.06 * big
        draw.arc(box, start=-45, end=45, fill=WHITE, width=width)
    return picture.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    for size in SIZES:
        path = WEB / f"earpiece-{size}.png"
        icon(size).save(path, optimize=True)
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
