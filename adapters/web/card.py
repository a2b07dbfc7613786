"""The cohort's card, `/c/<slug>/card.png`: the board as a 1200 x 630 picture, the size link previews use
(Open Graph), so pasting the page's link in Discord or Slack unfurls the board. Drawn with Pillow in the stats
card's fonts and colours (adapters/charts.py); the names are the page's, already made private by the core."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from adapters.charts import BOLD, REGULAR, THEMES, Theme, fit_text, font
from adapters.web import views
from bot.pages import CohortPage

WIDTH, HEIGHT = 1200, 630
PAD = 56
ROWS = 7
LEFT_END = 650  # the board's right edge
GRID_LEFT, GRID_TOP, GRID_STEP, GRID_CELL = 712, 232, 36, 30


def cohort_card(page: CohortPage, theme_name: str = "light") -> bytes:
    image = draw(page, THEMES.get(theme_name, THEMES["light"]))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def draw(page: CohortPage, theme: Theme) -> Image.Image:
    image = Image.new("RGB", (WIDTH, HEIGHT), theme.background)
    pen = ImageDraw.Draw(image)
    brand_font, title_font, sub_font = font(REGULAR, 26), font(BOLD, 58), font(REGULAR, 28)
    brand_width = pen.textlength("studybot", font=brand_font)
    pen.text((WIDTH - PAD, PAD + 12), "studybot", fill=theme.muted, font=brand_font, anchor="ra")
    pen.text((PAD, PAD), fit_text(pen, page.cohort, title_font, WIDTH - 2 * PAD - brand_width - 32), fill=theme.ink,
             font=title_font)
    board = dict(views.BOARDS)[page.board]
    subtitle = (f"{board} board · {views.day_words(page.today)} · "
                f"{page.done_today} of {page.members} done today")
    pen.text((PAD, PAD + 82), fit_text(pen, subtitle, sub_font, WIDTH - 2 * PAD), fill=theme.muted, font=sub_font)
    _board(pen, page, theme)
    _heatmap(pen, page, theme)
    _footer(pen, page, theme)
    return image


def _board(pen: ImageDraw.ImageDraw, page: CohortPage, theme: Theme) -> None:
    rank_font, name_font, value_font, unit_font = font(BOLD, 30), font(REGULAR, 30), font(BOLD, 30), font(REGULAR, 22)
    top, line = 196, 46
    if not page.rows:
        pen.text((PAD, top + 8), "Nobody on the board yet.", fill=theme.muted, font=name_font)
        return
    for index, row in enumerate(page.rows[:ROWS]):
        y = top + index * line
        if index % 2 == 0:
            pen.rounded_rectangle((PAD - 12, y, LEFT_END + 12, y + line - 4), radius=10, fill=theme.tile)
        middle = y + (line - 4) // 2
        pen.text((PAD + 44, middle), str(row.rank), fill=theme.muted, font=rank_font, anchor="rm")
        unit = (" day" if row.value == 1 else " days") if page.unit == "days" else " min"
        unit_width = pen.textlength(unit, font=unit_font)
        value = views.number(row.value)
        value_width = pen.textlength(value, font=value_font)
        pen.text((LEFT_END - unit_width, middle), value, fill=theme.ink, font=value_font, anchor="rm")
        pen.text((LEFT_END, middle), unit, fill=theme.muted, font=unit_font, anchor="rm")
        room = LEFT_END - unit_width - value_width - (PAD + 64) - 20
        pen.text((PAD + 64, middle), fit_text(pen, row.name, name_font, room), fill=theme.ink, font=name_font,
                 anchor="lm")


def _heatmap(pen: ImageDraw.ImageDraw, page: CohortPage, theme: Theme) -> None:
    label_font = font(REGULAR, 22)
    pen.text((GRID_LEFT, 196), "Members done, last 12 weeks", fill=theme.muted, font=label_font)
    if not page.days:
        return
    monday = page.days[0][0]
    levels = (theme.empty, *theme.shades)
    for day, done in page.days:
        column, row = divmod((day - monday).days, 7)
        x, y = GRID_LEFT + column * GRID_STEP, GRID_TOP + row * GRID_STEP
        pen.rounded_rectangle((x, y, x + GRID_CELL - 1, y + GRID_CELL - 1), radius=4, fill=theme.empty)
        level = views.cohort_level(done, page.members)
        if level:
            inner = round(GRID_CELL * views.LEVEL_SIZE[level])
            inset = (GRID_CELL - inner) // 2
            pen.rounded_rectangle((x + inset, y + inset, x + inset + inner - 1, y + inset + inner - 1), radius=3,
                                  fill=levels[level])
        if day == page.today:
            pen.rounded_rectangle((x, y, x + GRID_CELL - 1, y + GRID_CELL - 1), radius=4,
                                  outline=theme.marks["today"], width=3)
    legend_y = GRID_TOP + 7 * GRID_STEP + 14
    pen.text((GRID_LEFT, legend_y + 12), "fewer", fill=theme.muted, font=label_font, anchor="lm")
    x = GRID_LEFT + pen.textlength("fewer", font=label_font) + 12
    for level in range(5):
        size = 24
        pen.rounded_rectangle((x, legend_y, x + size - 1, legend_y + size - 1), radius=3, fill=theme.empty)
        if level:
            inner = round(size * views.LEVEL_SIZE[level])
            inset = (size - inner) // 2
            pen.rounded_rectangle((x + inset, legend_y + inset, x + inset + inner - 1, legend_y + inset + inner - 1),
                                  radius=2, fill=levels[level])
        x += size + 6
    pen.text((x + 6, legend_y + 12), "more", fill=theme.muted, font=label_font, anchor="lm")


def _footer(pen: ImageDraw.ImageDraw, page: CohortPage, theme: Theme) -> None:
    text_font = font(REGULAR, 26)
    y = HEIGHT - PAD - 8
    roadmap = page.roadmap
    if roadmap is None:
        words = f"Daily goal {page.target} min · study days {page.study_days}"
    elif roadmap.started:
        words = f"{roadmap.title}: step {roadmap.step} of {roadmap.steps}, {roadmap.step_title}"
    else:
        words = f"{roadmap.title}: starts soon with {roadmap.step_title}"
    bar_width = 220 if roadmap is not None else 0
    pen.text((PAD, y), fit_text(pen, words, text_font, WIDTH - 2 * PAD - bar_width - 32), fill=theme.ink,
             font=text_font, anchor="ls")
    if roadmap is not None:
        left, top, height = WIDTH - PAD - bar_width, y - 18, 12
        pen.rounded_rectangle((left, top, left + bar_width, top + height), radius=6, fill=theme.empty)
        filled = round(bar_width * max(0.0, min(1.0, roadmap.progress)))
        if filled >= height:
            pen.rounded_rectangle((left, top, left + filled, top + height), radius=6, fill=theme.shades[2])
