"""The badge's picture, as SVG and PNG, before a credential is baked into it.

Pure: text in, image bytes out (Pillow draws the PNG). The holder's name and score are drawn
on a learner's badge; the achievement's own image has neither.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

SIZE = 512
INK = "#17324d"
ACCENT = "#2f7d5b"
PAPER = "#ffffff"
FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)


@dataclass(frozen=True)
class BadgeText:
    holder: str = ""
    score: str = ""
    date: str = ""


LINES = ("certify", "Streaming with the", "OpenAI Agents SDK")


def svg(text: BadgeText) -> str:
    extra = [
        (text.holder, 330, 26),
        (text.score, 366, 20),
        (text.date, 396, 18),
    ]
    rows = "".join(
        f'<text x="256" y="{y}" font-size="{size}" text-anchor="middle">{escape(value)}</text>'
        for value, y, size in extra
        if value
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" '
        f'height="{SIZE}" role="img" aria-label="certify badge: Streaming with the OpenAI '
        'Agents SDK">'
        f'<circle cx="256" cy="256" r="248" fill="{INK}"/>'
        f'<circle cx="256" cy="256" r="222" fill="{PAPER}" stroke="{ACCENT}" stroke-width="10"/>'
        f'<g font-family="DejaVu Sans, Verdana, sans-serif" fill="{INK}">'
        f'<text x="256" y="150" font-size="54" font-weight="bold" text-anchor="middle" '
        f'fill="{ACCENT}">{LINES[0]}</text>'
        f'<text x="256" y="218" font-size="28" text-anchor="middle">{LINES[1]}</text>'
        f'<text x="256" y="256" font-size="28" font-weight="bold" text-anchor="middle">'
        f"{LINES[2]}</text>"
        f'<path d="M156 284 H356" stroke="{ACCENT}" stroke-width="4"/>'
        f"{rows}</g></svg>\n"
    )


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def png(text: BadgeText) -> bytes:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=INK)
    draw.ellipse((34, 34, SIZE - 34, SIZE - 34), fill=PAPER, outline=ACCENT, width=10)
    rows = [
        (LINES[0], 130, 54, ACCENT),
        (LINES[1], 196, 28, INK),
        (LINES[2], 234, 28, INK),
        (text.holder, 306, 26, INK),
        (text.score, 346, 20, INK),
        (text.date, 378, 18, INK),
    ]
    for value, y, size, colour in rows:
        if value:
            draw.text((SIZE / 2, y), value, font=_font(size), fill=colour, anchor="mt")
    draw.line((156, 282, 356, 282), fill=ACCENT, width=4)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
