"""Pictures for replies, drawn with Pillow: the twelve-week heatmap of `stats`."""

from __future__ import annotations

import functools
import io
from collections.abc import Mapping
from datetime import date

from PIL import Image, ImageDraw, ImageFont

CELL = 18
GAP = 4
MARGIN = 16
HEADER = 28
EMPTY = (235, 237, 240)
SHADES = ((198, 228, 139), (123, 201, 111), (35, 154, 59), (25, 97, 39))  # under target → far over it
BACKGROUND = (255, 255, 255)
INK = (36, 41, 47)
MARK_INK = {"off": (140, 149, 159), "paused": (140, 149, 159), "frozen": (56, 139, 253), "repaired": (210, 153, 34)}


class PillowCharts:
    def heatmap(self, minutes_by_day: list[tuple[date, int]], target: int, title: str,
                marks: Mapping[date, str] | None = None) -> bytes:
        """Weeks as columns (Monday on top), one cell a day; the list starts on a Monday. Marked days carry a shape
        as well as a colour: off and paused days a diagonal stroke, frozen days a frame, repaired days a dot."""
        weeks = (len(minutes_by_day) + 6) // 7
        width = MARGIN * 2 + weeks * (CELL + GAP) - GAP
        height = MARGIN * 2 + HEADER + 7 * (CELL + GAP) - GAP
        image = Image.new("RGB", (max(width, 240), height), BACKGROUND)
        draw = ImageDraw.Draw(image)
        draw.text((MARGIN, MARGIN), title[:60], fill=INK, font=_font())
        for index, (_, minutes) in enumerate(minutes_by_day):
            column, row = divmod(index, 7)
            x = MARGIN + column * (CELL + GAP)
            y = MARGIN + HEADER + row * (CELL + GAP)
            draw.rectangle((x, y, x + CELL - 1, y + CELL - 1), fill=shade(minutes, target))
            mark = (marks or {}).get(minutes_by_day[index][0])
            if mark is not None:
                _mark(draw, mark, x, y)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()


def _mark(draw: ImageDraw.ImageDraw, mark: str, x: int, y: int) -> None:
    ink = MARK_INK.get(mark, INK)
    if mark in ("off", "paused"):
        draw.line((x + 2, y + CELL - 3, x + CELL - 3, y + 2), fill=ink, width=2)
    elif mark == "frozen":
        draw.rectangle((x + 1, y + 1, x + CELL - 2, y + CELL - 2), outline=ink, width=2)
    elif mark == "repaired":
        middle = CELL // 2
        draw.ellipse((x + middle - 4, y + middle - 4, x + middle + 3, y + middle + 3), fill=ink)


@functools.cache
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu where the system has it (it covers accented names); Pillow's own font otherwise."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", 14)
    except OSError:
        return ImageFont.load_default(size=14)


def shade(minutes: int, target: int) -> tuple[int, int, int]:
    if minutes <= 0:
        return EMPTY
    if minutes < target:
        return SHADES[0]
    if minutes < 2 * target:
        return SHADES[1]
    if minutes < 4 * target:
        return SHADES[2]
    return SHADES[3]
