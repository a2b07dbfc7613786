from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from PIL import Image

from adapters.charts import CELL, EMPTY, GAP, HEADER, MARGIN, MARK_INK, SHADES, PillowCharts
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
    (picture,) = reply.attachments
    image = Image.open(io.BytesIO(picture.content))
    assert image.format == "PNG"
    assert image.size == (MARGIN * 2 + 12 * (CELL + GAP) - GAP, MARGIN * 2 + HEADER + 7 * (CELL + GAP) - GAP)


def test_heatmap_cells_are_shaded_by_minutes() -> None:
    days = [(date(2026, 3, 2), 0), (date(2026, 3, 3), 10), (date(2026, 3, 4), 30), (date(2026, 3, 5), 200)]
    image = Image.open(io.BytesIO(PillowCharts().heatmap(days, 30, "t"))).convert("RGB")

    def cell(index: int) -> tuple[int, int, int]:
        column, row = divmod(index, 7)
        return image.getpixel((MARGIN + column * (CELL + GAP) + CELL // 2, MARGIN + HEADER + row * (CELL + GAP) + 5))

    assert [cell(i) for i in range(4)] == [EMPTY, SHADES[0], SHADES[1], SHADES[3]]


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


def test_heatmap_marks_off_frozen_and_repaired_days_by_shape() -> None:
    days = [(date(2026, 3, 2) + timedelta(days=i), 0) for i in range(4)]
    marks = {date(2026, 3, 2): "off", date(2026, 3, 3): "frozen", date(2026, 3, 4): "repaired"}
    image = Image.open(io.BytesIO(PillowCharts().heatmap(days, 30, "t", marks))).convert("RGB")

    def pixel(index: int, dx: int, dy: int) -> tuple[int, int, int]:
        column, row = divmod(index, 7)
        return image.getpixel((MARGIN + column * (CELL + GAP) + dx, MARGIN + HEADER + row * (CELL + GAP) + dy))

    middle = CELL // 2
    assert pixel(0, middle, middle) == MARK_INK["off"]  # the stroke crosses the middle
    assert pixel(1, 1, middle) == MARK_INK["frozen"] and pixel(1, middle, middle) == EMPTY  # a frame, empty inside
    assert pixel(2, middle, middle) == MARK_INK["repaired"] and pixel(2, 2, 2) == EMPTY  # a dot
    assert pixel(3, middle, middle) == EMPTY  # unmarked
