"""Pictures for replies, drawn with Pillow: the stats card of `stats`.

The card is laid out to be read where Discord and Slack show it, about 400 px wide: the twelve-week card is
800 px wide and no text on it is smaller than 22 px (11 px on screen). A year's card is wider, with larger
type to match. Text is set in DejaVu Sans, shipped in adapters/fonts (licence beside the fonts), never a font
of the host, so a card looks the same everywhere (and golden-image tests can hold it to a reference)."""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

from PIL import Image, ImageDraw, ImageFont

from bot.cards import SPAN_WEEKS, StatsCard
from bot.pages import CohortPage

Colour = tuple[int, int, int]
Font = ImageFont.FreeTypeFont

FONTS = resources.files("adapters") / "fonts"
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MARK_LABELS = (("frozen", "frozen"), ("paused", "paused"), ("off", "off"), ("repaired", "repaired"),
               ("today", "today"))


@dataclass(frozen=True)
class Theme:
    background: Colour
    ink: Colour  # names and numbers
    muted: Colour  # labels
    tile: Colour  # behind the numbers
    empty: Colour  # a day without minutes
    shades: tuple[Colour, Colour, Colour, Colour]  # under target, target+, 2x+, 4x+
    marks: dict[str, Colour]


THEMES = {
    "light": Theme(background=(255, 255, 255), ink=(31, 35, 40), muted=(89, 99, 110), tile=(246, 248, 250),
                   empty=(235, 237, 240), shades=((172, 230, 174), (74, 194, 107), (45, 164, 78), (17, 99, 41)),
                   marks={"frozen": (9, 105, 218), "paused": (89, 99, 110), "off": (89, 99, 110),
                          "repaired": (191, 135, 0), "today": (31, 35, 40)}),
    "dark": Theme(background=(13, 17, 23), ink=(230, 237, 243), muted=(145, 152, 161), tile=(22, 27, 34),
                  empty=(33, 38, 45), shades=((14, 68, 41), (0, 109, 50), (38, 166, 65), (57, 211, 83)),
                  marks={"frozen": (88, 166, 255), "paused": (183, 189, 200), "off": (183, 189, 200),
                         "repaired": (227, 179, 65), "today": (230, 237, 243)}),
}


@dataclass(frozen=True)
class Layout:
    """Sizes in pixels for one span; `u` scales the type and the spacing, `cell` and `gap` the calendar."""

    u: float
    cell: int
    gap: int
    weekday_rows: tuple[int, ...]  # which weekday rows carry a label

    def px(self, value: float) -> int:
        return round(value * self.u)


LAYOUTS = {
    "weeks": Layout(u=1.0, cell=46, gap=8, weekday_rows=(0, 1, 2, 3, 4, 5, 6)),
    "year": Layout(u=1.3, cell=24, gap=5, weekday_rows=(0, 2, 4, 6)),
}


PAD, WEEKDAY_LABELS = 40, 72  # around the card; the weekday names left of the calendar
NAME_LINE, SUBTITLE_LINE, TILE_HEIGHT, TILES_TO_MONTHS, MONTHS_LINE = 56, 48, 112, 28, 38  # from the top down


class PillowCharts:
    def stats_card(self, card: StatsCard) -> bytes:
        image = draw_card(card)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()

    def board_card(self, page: CohortPage) -> bytes:
        from adapters.web.card import cohort_card  # the web page's link preview, drawn from these helpers

        return cohort_card(page)


def draw_card(card: StatsCard) -> Image.Image:
    """The card: the member's name and cohort, four numbers (streak, longest, this week's minutes and done days),
    the calendar (weeks as columns, Monday on top, month and weekday labels), and a legend of shades and marks."""
    theme = THEMES.get(card.theme, THEMES["light"])
    layout = LAYOUTS.get(card.span, LAYOUTS["weeks"])
    px = layout.px
    columns = SPAN_WEEKS.get(card.span, SPAN_WEEKS["weeks"])
    pad = top = px(PAD)
    step = layout.cell + layout.gap
    grid_left, grid_top = _grid_origin(layout)
    width = grid_left + columns * step - layout.gap + pad
    name_font, sub_font = font(BOLD, px(40)), font(REGULAR, px(24))
    label_font, small_font = font(REGULAR, px(24)), font(REGULAR, px(22))

    tiles_top, tile_height = top + px(NAME_LINE + SUBTITLE_LINE), px(TILE_HEIGHT)
    months_top = grid_top - px(MONTHS_LINE)
    grid_height = 7 * step - layout.gap
    legend_top = grid_top + grid_height + px(30)
    swatch = px(28)
    legend_rows = _legend_rows(card, theme, layout, width - 2 * pad, small_font)
    height = legend_top + len(legend_rows) * (swatch + px(16)) - px(16) + pad

    image = Image.new("RGB", (width, height), theme.background)
    draw = ImageDraw.Draw(image)

    brand = "studybot"
    brand_width = draw.textlength(brand, font=small_font)
    draw.text((width - pad, top + px(10)), brand, fill=theme.muted, font=small_font, anchor="ra")
    draw.text((pad, top), fit_text(draw, card.member, name_font, width - 2 * pad - brand_width - px(24)),
              fill=theme.ink, font=name_font)
    span_words = "the last 12 weeks" if card.span == "weeks" else "the last year"
    subtitle = f"{card.cohort} · {span_words} · {_range(card.first, card.today)}"
    draw.text((pad, top + px(NAME_LINE)), fit_text(draw, subtitle, sub_font, width - 2 * pad), fill=theme.muted,
              font=sub_font)

    _tiles(draw, card, theme, layout, pad, tiles_top, width - 2 * pad, tile_height)

    for row in layout.weekday_rows:
        y = grid_top + row * step + layout.cell // 2
        draw.text((pad, y), WEEKDAYS[row], fill=theme.muted, font=label_font, anchor="lm")
    monday = card.first - timedelta(days=card.first.weekday())
    for column, month in _month_labels(monday, columns, step, draw, label_font):
        draw.text((grid_left + column * step, months_top), month, fill=theme.muted, font=label_font)
    for entry in card.days:
        x, y, _ = day_box(card, entry.day)
        draw_day(draw, theme, x, y, layout.cell, shade(entry.minutes, card.target, theme), entry.mark,
                 today=entry.day == card.today)

    y = legend_top
    for row_items in legend_rows:
        x = pad
        for fill, mark, text in row_items:
            draw_day(draw, theme, x, y, swatch, fill, None if mark == "today" else mark, today=mark == "today")
            x += swatch + px(8)
            draw.text((x, y + swatch // 2), text, fill=theme.muted, font=small_font, anchor="lm")
            x += round(draw.textlength(text, font=small_font)) + px(22)
        y += swatch + px(16)
    return image


def day_box(card: StatsCard, day: date) -> tuple[int, int, int]:
    """Where the card draws a day's square: left, top and size in pixels."""
    layout = LAYOUTS.get(card.span, LAYOUTS["weeks"])
    left, top = _grid_origin(layout)
    column, row = divmod((day - card.first).days + card.first.weekday(), 7)
    step = layout.cell + layout.gap
    return left + column * step, top + row * step, layout.cell


def _grid_origin(layout: Layout) -> tuple[int, int]:
    """The calendar's top left corner: below the name, the cohort line, the numbers and the month labels."""
    px = layout.px
    return (px(PAD) + px(WEEKDAY_LABELS),
            px(PAD) + px(NAME_LINE + SUBTITLE_LINE) + px(TILE_HEIGHT) + px(TILES_TO_MONTHS) + px(MONTHS_LINE))


def _tiles(draw: ImageDraw.ImageDraw, card: StatsCard, theme: Theme, layout: Layout, left: int, top: int,
           width: int, height: int) -> None:
    """Streak, longest, and (twice as wide) this week: minutes (against the weekly goal, with a bar, when the cohort
    has one) and done days."""
    px = layout.px
    gap, inset = px(16), px(16)
    minutes_unit = f"/{card.week_goal} min" if card.week_goal else " min"
    tiles = (("Streak", 1, ((str(card.streak), _days(card.streak)),)),
             ("Longest", 1, ((str(card.longest), _days(card.longest)),)),
             ("This week", 2, ((str(card.week_minutes), minutes_unit), (str(card.week_done), "/7 done"))))
    slot = (width - gap * 3) / 4
    label_font = unit_font = font(REGULAR, px(22))
    x = left
    for label, slots, pairs in tiles:
        tile_width = round(slot * slots + gap * (slots - 1))
        inner = tile_width - 2 * inset
        draw.rounded_rectangle((x, top, x + tile_width - 1, top + height - 1), radius=px(12), fill=theme.tile)
        draw.text((x + inset, top + px(14)), fit_text(draw, label, label_font, inner), fill=theme.muted,
                  font=label_font)
        units = sum(draw.textlength(unit, font=unit_font) for _, unit in pairs) + px(28) * (len(pairs) - 1)
        size = px(44)
        while size > px(24) and sum(draw.textlength(n, font=font(BOLD, size)) for n, _ in pairs) + units > inner:
            size -= 2
        number_font = font(BOLD, size)
        baseline, at = top + height - px(22), x + inset
        for index, (number, unit) in enumerate(pairs):
            start = at
            draw.text((at, baseline), number, fill=theme.ink, font=number_font, anchor="ls")
            at += draw.textlength(number, font=number_font)
            draw.text((at, baseline), unit, fill=theme.muted, font=unit_font, anchor="ls")
            at += draw.textlength(unit, font=unit_font) + px(28)
            if index == 0 and card.week_goal and label == "This week":
                _bar(draw, theme, round(start), top + height - px(14), round(at - px(28) - start), px(5),
                     card.week_minutes / card.week_goal)
        x += tile_width + gap


def _bar(draw: ImageDraw.ImageDraw, theme: Theme, x: int, y: int, width: int, height: int, share: float) -> None:
    draw.rounded_rectangle((x, y, x + width, y + height), radius=height // 2, fill=theme.empty)
    filled = round(width * max(0.0, min(1.0, share)))
    if filled >= height:
        draw.rounded_rectangle((x, y, x + filled, y + height), radius=height // 2, fill=theme.shades[2])


def _legend_rows(card: StatsCard, theme: Theme, layout: Layout, width: int,
                 text_font: Font) -> list[list[tuple[Colour, str | None, str]]]:
    """Two rows (more when narrow): the shades from fewer to more minutes, then the marks."""
    target = card.target
    shades = [(theme.empty, None, "0 min"), (theme.shades[0], None, f"<{target}"),
              (theme.shades[1], None, f"{target}+"), (theme.shades[2], None, f"{2 * target}+"),
              (theme.shades[3], None, f"{4 * target}+ min")]
    marks = [(theme.empty, mark, text) for mark, text in MARK_LABELS]
    rows: list[list[tuple[Colour, str | None, str]]] = []
    swatch, px = layout.px(28), layout.px
    for items in (shades, marks):
        row: list[tuple[Colour, str | None, str]] = []
        used = 0
        for item in items:
            needed = swatch + px(8) + round(text_font.getlength(item[2])) + px(22)
            if row and used + needed - px(22) > width:
                rows.append(row)
                row, used = [], 0
            row.append(item)
            used += needed
        rows.append(row)
    return rows


def _month_labels(monday: date, columns: int, step: int, draw: ImageDraw.ImageDraw,
                  label_font: Font) -> list[tuple[int, str]]:
    """A month's name over the week its first day falls in; the first column is named too when there is room."""
    starts = [(column, monday + timedelta(weeks=column)) for column in range(columns)]
    found = [(column, MONTHS[(week + timedelta(days=6)).month - 1]) for column, week in starts
             if (week + timedelta(days=6)).day <= 7]
    first = MONTHS[monday.month - 1]
    room = draw.textlength(first, font=label_font) + step // 2
    if not found or (found[0][0] > 0 and found[0][0] * step >= room):
        found.insert(0, (0, first))
    return found


def draw_day(draw: ImageDraw.ImageDraw, theme: Theme, x: int, y: int, size: int, fill: Colour, mark: str | None,
             *, today: bool = False) -> None:
    """One day's square; a mark is a shape in the mark's colour, so it reads without colour too: frozen a snowflake,
    paused two bars, off a slash, repaired a dot; today a frame."""
    radius = max(2, size // 8)
    draw.rounded_rectangle((x, y, x + size - 1, y + size - 1), radius=radius, fill=fill)
    line = max(2, round(size / 12))
    middle_x, middle_y = x + (size - 1) / 2, y + (size - 1) / 2
    if today:
        draw.rounded_rectangle((x, y, x + size - 1, y + size - 1), radius=radius, outline=theme.marks["today"],
                               width=line)
    if mark is None:
        return
    ink = theme.marks.get(mark, theme.ink)
    if mark == "frozen":
        arm = size * 0.33
        for angle in (90, 30, 150):
            dx, dy = arm * math.cos(math.radians(angle)), arm * math.sin(math.radians(angle))
            draw.line((middle_x - dx, middle_y - dy, middle_x + dx, middle_y + dy), fill=ink, width=line)
    elif mark == "paused":
        bar, half = max(2, round(size / 8)), size * 0.25
        for offset in (-size * 0.14, size * 0.14):
            left = round(middle_x + offset - bar / 2)
            draw.rectangle((left, round(middle_y - half), left + bar - 1, round(middle_y + half)), fill=ink)
    elif mark == "off":
        inset = size * 0.24
        draw.line((x + inset, y + size - 1 - inset, x + size - 1 - inset, y + inset), fill=ink, width=line)
    elif mark == "repaired":
        radius = size * 0.18
        draw.ellipse((middle_x - radius, middle_y - radius, middle_x + radius, middle_y + radius), fill=ink)


def shade(minutes: int, target: int, theme: Theme | None = None) -> Colour:
    theme = theme or THEMES["light"]
    if minutes <= 0:
        return theme.empty
    if minutes < target:
        return theme.shades[0]
    if minutes < 2 * target:
        return theme.shades[1]
    if minutes < 4 * target:
        return theme.shades[2]
    return theme.shades[3]


def fit_text(draw: ImageDraw.ImageDraw, text: str, text_font: Font, width: float) -> str:
    """The text, cut with an ellipsis where it would run past `width`."""
    if draw.textlength(text, font=text_font) <= width:
        return text
    while text and draw.textlength(text + "…", font=text_font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


@functools.cache
def font(name: str, size: int) -> Font:
    """A shipped font (adapters/fonts), with Pillow's basic layout so lines set the same with or without raqm."""
    data = (FONTS / name).read_bytes()
    return ImageFont.truetype(io.BytesIO(data), size, layout_engine=ImageFont.Layout.BASIC)


def _days(count: int) -> str:
    return " day" if count == 1 else " days"


def _range(first: date, last: date) -> str:
    start = f"{first.day} {MONTHS[first.month - 1]}" + ("" if first.year == last.year else f" {first.year}")
    return f"{start} – {last.day} {MONTHS[last.month - 1]} {last.year}"
