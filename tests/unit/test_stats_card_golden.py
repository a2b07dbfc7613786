"""Golden images: the stats card, drawn from a fixed card, against the references in tests/golden/.

A reference is compared pixel by pixel, within a tolerance small enough to catch a moved label or a lost mark
and loose enough for anti-aliasing that differs between Pillow builds. After a deliberate change to the card,
look at the new pictures, then write them as the references:

    STUDYBOT_UPDATE_GOLDEN=1 pytest tests/unit/test_stats_card_golden.py

(the run writes the references and passes; commit the PNGs). On a mismatch the drawn card is saved next to the
test's temporary folder and its path is in the failure message."""

from __future__ import annotations

import io
import os
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from adapters.charts import PillowCharts
from bot.cards import SPAN_WEEKS, CardDay, StatsCard

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("STUDYBOT_UPDATE_GOLDEN") == "1"
DIFFERING = 48  # a pixel differs when one of its channels is off by more than this (of 255)
MAX_MEAN = 2.0  # mean absolute difference per channel over the whole card
MAX_SHARE = 0.005  # share of differing pixels
BLOCK, MAX_BLOCK = 16, 40  # and no 16 x 16 block may differ by more than this on average: a lost mark or a changed
#                            digit is small against the card, but it is all of its block

TODAY = date(2026, 3, 11)  # a Wednesday, not done yet
EARLIER = (0, 15, 30, 45, 60, 0, 90, 30, 150, 0, 35, 240, 20)  # walked through with a stride, never random
RUN = (30, 45, 60, 35, 90, 30, 120)  # the last month: every day done but the marked ones
MARKS = {TODAY - timedelta(days=1): "frozen", TODAY - timedelta(days=4): "off", TODAY - timedelta(days=3): "off",
         TODAY - timedelta(days=16): "paused", TODAY - timedelta(days=15): "paused",
         TODAY - timedelta(days=29): "repaired", TODAY - timedelta(days=40): "frozen"}


def fixed_card(span: str = "weeks", theme: str = "light") -> StatsCard:
    """Ana Lúcia in ml-club on Wednesday 11 March 2026: every kind of day, a weekly goal, an accented name."""
    first = TODAY - timedelta(days=TODAY.weekday(), weeks=SPAN_WEEKS[span] - 1)
    days = []
    for index in range((TODAY - first).days + 1):
        day = first + timedelta(days=index)
        if day in MARKS or day == TODAY:
            minutes = 0
        elif day >= TODAY - timedelta(days=30):
            minutes = 90 if day - timedelta(days=1) in MARKS else RUN[index % len(RUN)]  # a double repairs
        else:
            minutes = EARLIER[(index * 5) % len(EARLIER)]
        days.append(CardDay(day, minutes, MARKS.get(day)))
    week = [d for d in days if d.day >= TODAY - timedelta(days=TODAY.weekday())]
    return StatsCard(member="Ana Lúcia", cohort="ml-club", days=tuple(days), today=TODAY, target=30, streak=26,
                     longest=41, week_minutes=sum(d.minutes for d in week),
                     week_done=sum(1 for d in week if d.minutes >= 30), week_goal=150, span=span, theme=theme)


@pytest.mark.parametrize(("name", "span", "theme"), [
    ("stats-card-light.png", "weeks", "light"),
    ("stats-card-dark.png", "weeks", "dark"),
    ("stats-card-year-dark.png", "year", "dark"),
])
def test_the_stats_card_matches_its_reference(name: str, span: str, theme: str, tmp_path: Path) -> None:
    drawn = PillowCharts().stats_card(fixed_card(span, theme))
    reference = GOLDEN / name
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        reference.write_bytes(drawn)
        return
    assert reference.exists(), f"no reference {reference}; write it with STUDYBOT_UPDATE_GOLDEN=1"
    actual = Image.open(io.BytesIO(drawn)).convert("RGB")
    expected = Image.open(reference).convert("RGB")
    saved = tmp_path / name
    actual.save(saved)
    assert actual.size == expected.size, f"{name}: drawn {actual.size}, reference {expected.size} (see {saved})"
    mean, share, block = difference(actual, expected)
    assert within(mean, share, block), (
        f"{name}: mean difference {mean:.2f} (at most {MAX_MEAN}), {share:.3%} of pixels differ (at most "
        f"{MAX_SHARE:.1%}), worst {BLOCK}-pixel block {block:.0f} (at most {MAX_BLOCK}); drawn card at {saved}")


def difference(one: Image.Image, other: Image.Image) -> tuple[float, float, float]:
    """The mean absolute difference per channel, the share of pixels that differ clearly in some channel, and the
    largest mean difference of a BLOCK x BLOCK square (by each pixel's largest channel difference)."""
    diff = ImageChops.difference(one, other)
    mean = sum(ImageStat.Stat(diff).mean) / 3
    red, green, blue = diff.split()
    largest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    differing = largest.point(lambda value: 255 if value > DIFFERING else 0).histogram()[255]
    worst = largest.reduce(BLOCK).getextrema()[1]
    return mean, differing / (one.width * one.height), float(worst)


def within(mean: float, share: float, block: float) -> bool:
    return mean <= MAX_MEAN and share <= MAX_SHARE and block <= MAX_BLOCK


def test_the_comparison_sees_a_lost_mark_or_a_changed_number() -> None:
    """The tolerance is not so loose that a card missing one mark, or showing another streak, passes."""
    card = fixed_card()
    drawn = Image.open(io.BytesIO(PillowCharts().stats_card(card))).convert("RGB")
    assert difference(drawn, drawn) == (0.0, 0.0, 0.0)
    one_mark_less = {**MARKS}
    one_mark_less.pop(TODAY - timedelta(days=1))
    variants = (replace(card, days=tuple(replace(d, mark=one_mark_less.get(d.day)) for d in card.days)),
                replace(card, streak=13), replace(card, week_minutes=96), replace(card, days=card.days[:-1]))
    for variant in variants:
        other = Image.open(io.BytesIO(PillowCharts().stats_card(variant))).convert("RGB")
        assert not within(*difference(drawn, other)), variant
