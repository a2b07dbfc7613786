from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from PIL import Image

from adapters.charts import THEMES, PillowCharts, day_box, draw_card
from bot.cards import CardDay, StatsCard
from bot.commands.context import Toolkit
from bot.service import StudyBot
from tests.unit.conftest import Harness


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


async def test_stats_counts_and_draws_twelve_weeks(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club roadmap:build-first-6m start:2026-03-02")
    for minutes in ("30 topic:1", "45 topic:1", "", "60 topic:3"):  # Fri 6 .. Mon 9 March; Sunday skipped
        if minutes:
            await h.ok("ann", f"checkin {minutes}")
        h.clock.advance(days=1)
    reply = await h.ok("ann", "stats")
    assert reply.private
    data = reply.data
    # Monday's 60 minutes, twice the daily target, repair Sunday's miss (DESIGN.md "Repair"): 2 + 1.
    assert (data["total_minutes"], data["done_days"], data["streak"], data["longest"]) == (135, 3, 3, 3)
    assert data["best_weekday"] == "Monday"
    assert data["minutes_by_step"] == {"1": 75, "3": 60}
    assert data["days"][0] == ["2025-12-22", 0]  # twelve weeks back, on a Monday
    assert data["days"][-1] == ["2026-03-10", 0]
    assert (data["span"], data["theme"], data["week_done_days"]) == ("weeks", "light", 1)  # Monday the 9th
    (picture,) = reply.attachments
    image = Image.open(io.BytesIO(picture.content))
    assert image.format == "PNG"
    # Legible where Discord and Slack show it 400 px wide: the card is drawn about twice that, text 22 px and up.
    assert 700 <= image.width <= 800 and image.height < 1.2 * image.width


class RecordingCharts:
    """Keeps the cards the core asks for; the picture itself is the adapter's business."""

    def __init__(self) -> None:
        self.cards: list[StatsCard] = []

    def stats_card(self, card: StatsCard) -> bytes:
        self.cards.append(card)
        return b"png"


async def test_the_core_builds_the_card_the_adapter_draws(h: Harness) -> None:
    charts = RecordingCharts()
    h.bot = StudyBot(h.store.unit_of_work, h.clock, Toolkit(charts=charts))
    await h.ok("ann", "cohort create ml-club weekly_goal:150")
    await h.ok("ben", "cohort join")
    for line in ("checkin 30", "checkin 10", "pause 1d", "", "", "checkin 70"):  # Fri 6 .. Wed 11 March
        if line:
            await h.ok("ann", line)
        h.clock.advance(days=1)
    await h.ok("ann", "stats theme:dark")  # on Thursday the 12th
    card = charts.cards[-1]
    assert (card.member, card.cohort, card.target, card.span, card.theme) == ("ann", "ml-club", 30, "weeks", "dark")
    assert (card.today, card.first, len(card.days)) == (date(2026, 3, 12), date(2025, 12, 22), 12 * 7 - 3)
    assert (card.streak, card.longest, card.week_minutes, card.week_done, card.week_goal) == (1, 1, 70, 1, 150)
    by_day = {d.day: d for d in card.days}
    assert by_day[date(2026, 3, 6)].minutes == 30 and by_day[date(2026, 3, 7)].minutes == 10
    assert {d.day: d.mark for d in card.days if d.mark} == {date(2026, 3, 8): "paused"}
    await h.ok("ann", "stats year")
    year = charts.cards[-1]
    assert (year.span, year.theme, year.first, len(year.days)) == ("year", "light", date(2025, 3, 10), 53 * 7 - 3)
    for line in ("stats @ben year", "stats year @ben", "stats span:year @ben"):
        await h.ok("ann", line)
        assert (charts.cards[-1].member, charts.cards[-1].span) == ("ben", "year"), line
    await h.refused("ann", "stats theme:sepia", "bad_arguments")
    await h.refused("ann", "stats year weeks", "bad_arguments")
    await h.refused("ann", "stats @ben @ann", "bad_arguments")


def _card(days: list[CardDay], **overrides: object) -> StatsCard:
    fields: dict[str, object] = dict(member="ann", cohort="ml-club", days=tuple(days), today=days[-1].day, target=30,
                                     streak=0, longest=0, week_minutes=0, week_done=0)
    return StatsCard(**{**fields, **overrides})  # type: ignore[arg-type]


def test_card_days_are_shaded_by_minutes_against_the_target() -> None:
    minutes = (0, 10, 30, 60, 200)
    days = [CardDay(date(2026, 3, 2) + timedelta(days=i), m) for i, m in enumerate(minutes)]
    for theme in ("light", "dark"):
        card = _card(days, theme=theme, today=date(2026, 3, 7))
        image = draw_card(card)

        def cell(day: date, image: Image.Image = image, card: StatsCard = card) -> tuple[int, int, int]:
            x, y, size = day_box(card, day)
            return image.getpixel((x + size // 2, y + size // 2))

        palette = THEMES[theme]
        assert [cell(d.day) for d in days] == [palette.empty, *palette.shades], theme
    assert len(set(THEMES["light"].shades) | set(THEMES["dark"].shades)) == 8


async def test_stats_of_another_member_respects_privacy(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ben", "cohort join")
    await h.ok("ben", "checkin 40")
    assert (await h.ok("ann", "stats @ben")).data["total_minutes"] == 40
    assert (await h.ok("ann", "stats <@ben>")).data["member"] == "ben"
    await h.ok("ben", "privacy boards:hide")
    await h.refused("ann", "stats @ben", "private_stats")
    await h.refused("ann", "stats @nobody", "unknown_member")
    await h.refused("ann", "stats @@@", "bad_member")


async def test_cohort_export_is_for_organizers_and_round_trips(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ben", "cohort join")
    await h.ok("ben", "checkin 40 =SUM(A1:A9) the attention chapter link:https://example.org/a")
    await h.ok("ann", "checkin 30")
    await h.refused("ben", "cohort export", "not_organizer")
    reply = await h.ok("ann", "cohort export")
    (attachment,) = reply.attachments
    rows = _rows(attachment.content)
    assert [(r["member"], r["minutes"], r["local_date"]) for r in rows] == [
        ("ben", "40", "2026-03-06"), ("ann", "30", "2026-03-06")]
    assert rows[0]["note"] == "'=SUM(A1:A9) the attention chapter"  # not a formula in a spreadsheet
    assert rows[0]["link"] == "https://example.org/a"


async def test_my_export_has_the_day_by_day_record(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    for _ in range(7):
        await h.ok("ann", "checkin 30")
        h.clock.advance(days=1)
    h.clock.advance(days=1)  # the 13th is missed (frozen), the 14th is paused, today is the 15th
    await h.ok("ann", "pause 1d")
    h.clock.advance(days=1)
    reply = await h.ok("ann", "export")
    checkins, days = reply.attachments
    assert len(_rows(checkins.content)) == 7
    assert [(r["local_date"], r["day"]) for r in _rows(days.content)][-3:] == [
        ("2026-03-13", "frozen"), ("2026-03-14", "paused"), ("2026-03-15", "today")]


async def test_forget_asks_first_then_removes_every_row_of_that_member_only(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ben", "cohort join")
    await h.ok("ben", "checkin 30")
    await h.ok("ann", "checkin 30")
    await h.ok("ben", "pause 2d")
    asked = await h.refused("ben", "forget", "confirm_needed")
    assert asked.data == {"error": "confirm_needed", "checkins": 1, "memberships": 1}
    before = {table: len(rows) for table, rows in h.store.tables.items()}
    done = await h.ok("ben", "forget confirm:yes")
    assert done.data["checkins"] == 1
    tables = h.store.tables
    assert not [m for m in tables["members"].values() if m.user_id == "ben"]
    assert len(tables["checkins"]) == before["checkins"] - 1 and len(tables["pauses"]) == 0
    assert len(tables["memberships"]) == before["memberships"] - 1
    assert (await h.ok("ann", "streak")).data["minutes_today"] == 30


async def test_forgetting_a_cohorts_creator_hands_it_over(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ben", "cohort join")
    await h.ok("ann", "forget confirm:yes")
    info = await h.ok("ben", "cohort info")
    assert info.data["organizers"] == ["ben"]
    solo = await h.ok("cat", "cohort create solo-club", channel="solo")
    assert solo.data["cohort"] == "solo-club"
    gone = await h.ok("cat", "forget confirm:yes", channel="solo")
    assert gone.data["cohorts_removed"] == ["solo-club"]


async def test_an_export_larger_than_an_attachment_is_refused_clearly(h: Harness, monkeypatch) -> None:
    import bot.commands.data

    await h.ok("ann", "cohort create ml-club")
    await h.ok("ann", "checkin 30 " + "n" * 400)
    monkeypatch.setattr(bot.commands.data, "MAX_EXPORT_BYTES", 300)
    refused = await h.refused("ann", "cohort export", "export_too_large")
    assert "MB" in refused.text


def test_card_marks_frozen_paused_off_and_repaired_days_by_shape_not_colour_alone() -> None:
    marks = ("frozen", "paused", "off", "repaired", None, None, None, None)  # Monday 2 to Monday 9 March, today
    days = [CardDay(date(2026, 3, 2) + timedelta(days=i), 0, mark) for i, mark in enumerate(marks)]
    card = _card(days)
    image = draw_card(card)
    empty = THEMES["light"].empty

    def shape(day: date) -> frozenset[tuple[int, int]]:
        """The pixels of the square that are not the empty day's colour, whatever colour they are."""
        x, y, size = day_box(card, day)
        inside = range(4, size - 4)  # clear of the rounded corners
        return frozenset((dx, dy) for dx in inside for dy in inside if image.getpixel((x + dx, y + dy)) != empty)

    shapes = {mark: shape(d.day) for d, mark in zip(days[:5], marks, strict=False)}
    assert not shapes[None]  # an ordinary day without minutes is plain
    drawn = [shapes[mark] for mark in marks if mark]
    for index, one in enumerate(drawn):
        assert len(one) > 40, marks[index]
        for other in drawn[index + 1:]:
            assert len(one ^ other) > 0.5 * min(len(one), len(other))  # told apart by shape

    x, y, size = day_box(card, date(2026, 3, 9))  # today: a frame, with the square plain inside
    assert image.getpixel((x + 1, y + size // 2)) == THEMES["light"].marks["today"]
    assert image.getpixel((x + size // 2, y + size // 2)) == empty


def test_the_card_fits_long_names_and_big_numbers() -> None:
    days = [CardDay(date(2026, 3, 2) + timedelta(days=i), 45) for i in range(3)]
    card = _card(days, member="Maximiliana Josefina Bartholomäus-Schwarzenberger", cohort="c" * 80, streak=12345,
                 longest=12345, week_minutes=4800, week_done=7, week_goal=9000)
    image = Image.open(io.BytesIO(PillowCharts().stats_card(card)))
    assert image.format == "PNG" and image.width <= 800
