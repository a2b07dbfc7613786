"""The web pages' core (issue 14): unguessable, rotatable links, and pages that show only what members chose."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta

from tests.unit.conftest import Harness


def _slug(url: str) -> str:
    return url.rsplit("/", 1)[-1]


async def _cohort(h: Harness) -> str:
    await h.ok("ann", "cohort create ml-club timezone:Europe/Berlin roadmap:build-first-6m start:2026-03-02")
    for name in ("ben", "cat", "dan"):
        await h.ok(name, "cohort join")
    reply = await h.ok("ann", "cohort web on")
    assert reply.private and reply.data["web"] == "on"
    return _slug(reply.data["url"])


async def test_the_page_is_off_until_an_organizer_turns_it_on_and_rotating_kills_the_old_link(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ben", "cohort join")
    assert (await h.ok("ann", "cohort web")).data == {"cohort": "ml-club", "web": "off", "url": None}
    await h.refused("ben", "cohort web on", "not_organizer")
    first = await h.ok("ann", "cohort web on")
    slug = _slug(first.data["url"])
    assert len(slug) >= 32 and first.data["url"] == f"http://localhost:8080/c/{slug}"  # 192 random bits
    assert (await h.ok("ann", "cohort web on")).data["url"] == first.data["url"]  # on again: the same link
    assert await h.bot.cohort_page(slug) is not None
    rotated = _slug((await h.ok("ann", "cohort web rotate")).data["url"])
    assert rotated != slug and await h.bot.cohort_page(slug) is None and await h.bot.cohort_page(rotated)
    await h.ok("ann", "cohort web off")
    assert await h.bot.cohort_page(rotated) is None and await h.bot.cohort_calendar(rotated) is None
    await h.refused("ann", "cohort web sideways", "bad_arguments")


async def test_names_only_by_choice_hidden_members_not_at_all(h: Harness) -> None:
    slug = await _cohort(h)
    for name, minutes in (("ann", 30), ("ben", 60), ("cat", 45), ("dan", 90)):
        await h.ok(name, f"checkin {minutes}")
    await h.ok("cat", "privacy web:show")
    await h.ok("dan", "privacy boards:hide")
    page = await h.bot.cohort_page(slug, "week")
    assert page is not None
    assert [(row.rank, row.name, row.value) for row in page.rows] == [
        (1, "Member 1", 60), (2, "cat", 45), (3, "Member 2", 30)]  # ben, cat, ann; dan hidden
    assert (page.members, page.done_today, page.target, page.unit) == (4, 4, 30, "min")
    assert page.roadmap is not None and page.roadmap.step == 1 and page.roadmap.steps > 1
    assert page.days[-1] == (page.today, 4) and page.days[0][0].weekday() == 0 and len(page.days) > 77
    streak = await h.bot.cohort_page(slug, "streak")
    assert streak is not None and [row.value for row in streak.rows] == [1, 1, 1]
    assert await h.bot.cohort_page(slug, "century") is None
    await h.ok("cat", "privacy web:hide")
    hidden = await h.bot.cohort_page(slug, "week")
    assert hidden is not None and "cat" not in [row.name for row in hidden.rows]


async def test_a_members_page_and_calendar_open_by_their_token_alone(h: Harness) -> None:
    await _cohort(h)
    await h.ok("ben", "remind set 18:30")
    await h.ok("ben", "checkin 30")
    await h.ok("ben", "roadmap done")
    reply = await h.ok("ben", "stats web")
    assert reply.private and reply.data["calendar"] == reply.data["url"] + "/calendar.ics"
    token = _slug(reply.data["url"])
    assert (await h.ok("ben", "stats web")).data["url"] == reply.data["url"]
    page = await h.bot.member_page(token)
    assert page is not None and (page.member, page.cohort, page.streak, page.total_minutes) == ("ben", "ml-club", 1, 30)
    assert [day.state for day in page.days if day.day == page.today] == ["done"]
    assert len(page.days) == 53 * 7 and page.roadmap is not None and page.roadmap.done == 1
    feed = await h.bot.member_calendar(token)
    assert feed is not None and (feed.zone, feed.reminder, feed.sprint_minutes) == ("Europe/Berlin", time(18, 30), 30)
    assert feed.steps and feed.steps[0].first == date(2026, 3, 2)
    new = _slug((await h.ok("ben", "stats web rotate")).data["url"])
    assert await h.bot.member_page(token) is None and await h.bot.member_page(new) is not None
    await h.ok("ben", "cohort leave")
    assert await h.bot.member_page(new) is None  # a member who left has no page


async def test_the_cohort_calendar_has_the_recap_and_the_roadmap(h: Harness) -> None:
    slug = await _cohort(h)
    await h.ok("ann", "cohort settings recap:sat@10:00")
    feed = await h.bot.cohort_calendar(slug)
    assert feed is not None and (feed.zone, feed.recap_weekday, feed.recap_time) == ("Europe/Berlin", 5, time(10))
    spans = list(feed.steps)
    assert spans[0].first == date(2026, 3, 2) and len(spans) > 2
    assert all(b.first == a.last + timedelta(days=1) for a, b in itertools.pairwise(spans) if a.last is not None)


async def test_a_member_who_leaves_loses_the_link_for_good_rejoining_does_not_bring_it_back(h: Harness) -> None:
    await _cohort(h)
    token = _slug((await h.ok("ben", "stats web")).data["url"])
    await h.ok("ben", "cohort leave")
    assert await h.bot.member_page(token) is None and await h.bot.member_calendar(token) is None
    await h.ok("ben", "cohort join")
    assert await h.bot.member_page(token) is None and await h.bot.member_calendar(token) is None
    fresh = _slug((await h.ok("ben", "stats web")).data["url"])
    assert fresh != token and await h.bot.member_page(fresh) is not None
