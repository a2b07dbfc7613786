"""The pages over HTTP (aiohttp's test client) with the real core on a real SQLite file: headers on every
answer, 404 once a link is rotated or the page is off, ETag and 304, what never reaches the HTML (hidden members,
names not chosen, user ids, time zones, notes), a name that is HTML escaped, the board links, Open Graph."""

from __future__ import annotations

import logging
import re
from datetime import date
from html import escape as html_escape

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.web import WebPages
from bot.errors import StorageUnavailable
from bot.pages import CohortCalendar, CohortPage, MemberCalendar, MemberPage
from tests.web.conftest import PUBLIC_URL, SCRIPT_NAME, Site, cohort_of_six, path_of

USER_IDS = ("U-ANN-1", "U-BEN-2", "U-CAT-3", "U-DAN-4", "U-EVE-5", "U-FAY-6")
BOARDS = ("streak", "week", "month", "all")


def _security(headers: object) -> None:
    csp = headers["Content-Security-Policy"]  # type: ignore[index]
    assert "default-src 'none'" in csp and "style-src 'self'" in csp and "script-src" not in csp
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert headers["Referrer-Policy"] == "no-referrer"  # type: ignore[index]
    assert headers["X-Content-Type-Options"] == "nosniff"  # type: ignore[index]
    assert headers["Cache-Control"]  # type: ignore[index]


async def test_every_answer_carries_the_security_headers_and_a_cache_policy(site: Site, client: TestClient) -> None:
    paths = await cohort_of_six(site)
    cohort, member = paths["cohort"], paths["member"]
    expected = {cohort: ("text/html", "public"), f"{cohort}?board=week": ("text/html", "public"),
                f"{cohort}/card.png": ("image/png", "public"), f"{cohort}/calendar.ics": ("text/calendar", "public"),
                member: ("text/html", "private"), f"{member}/calendar.ics": ("text/calendar", "private"),
                "/assets/studybot.css": ("text/css", "public")}
    for path, (kind, cache) in expected.items():
        response = await client.get(path)
        assert response.status == 200, path
        assert response.content_type == kind, path
        _security(response.headers)
        assert response.headers["Cache-Control"].startswith(cache), path
        assert re.fullmatch(r'"[0-9a-f]{32}"', response.headers["ETag"]), path
        if kind.startswith("text/"):
            assert response.charset == "utf-8", path
        head = await client.head(path)
        assert head.status == 200 and head.headers["ETag"] == response.headers["ETag"], path
    for path in ("/c/not-a-slug", "/m/not-a-token", "/c/not-a-slug/card.png", f"{cohort}/elsewhere",
                 f"{member}/calendar.ics/x", f"{cohort}?board=century"):
        response = await client.get(path)
        assert response.status == 404, path
        _security(response.headers)
        assert response.headers["Cache-Control"] == "no-store"
        html = await response.text()
        assert "Page not found" in html and '<link rel="stylesheet"' in html  # the same look as the pages
        assert "Traceback" not in html


async def test_the_links_stop_working_at_once_when_rotated_or_turned_off(site: Site, client: TestClient) -> None:
    paths = await cohort_of_six(site)
    old = paths["cohort"]
    assert (await client.get(old)).status == 200
    new = path_of((await site.say("U-ANN-1", "cohort web rotate")).data["url"])
    assert new != old
    for suffix in ("", "/card.png", "/calendar.ics", "?board=all"):
        assert (await client.get(old + suffix)).status == 404, suffix
        assert (await client.get(new + suffix)).status == 200, suffix
    await site.say("U-ANN-1", "cohort web off")
    for suffix in ("", "/card.png", "/calendar.ics"):
        assert (await client.get(new + suffix)).status == 404, suffix
    again = path_of((await site.say("U-ANN-1", "cohort web on")).data["url"])
    assert again not in (old, new) and (await client.get(again)).status == 200  # a new link, never an old one

    member = paths["member"]
    rotated = path_of((await site.say("U-BEN-2", "stats web rotate")).data["url"])
    assert (await client.get(member)).status == 404 and (await client.get(member + "/calendar.ics")).status == 404
    assert (await client.get(rotated)).status == 200
    await site.say("U-BEN-2", "cohort leave")
    assert (await client.get(rotated)).status == 404  # no longer a member: no page


async def test_etag_answers_304_and_changes_with_the_data(site: Site, client: TestClient) -> None:
    paths = await cohort_of_six(site)
    for path in (paths["cohort"], paths["member"], f"{paths['cohort']}/card.png", f"{paths['member']}/calendar.ics"):
        first = await client.get(path)
        etag = first.headers["ETag"]
        again = await client.get(path, headers={"If-None-Match": etag})
        assert again.status == 304 and await again.read() == b"", path
        assert again.headers["ETag"] == etag
        _security(again.headers)
        listed = await client.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
        assert listed.status == 304, path
        assert (await client.get(path, headers={"If-None-Match": '"other"'})).status == 200, path
    before = (await client.get(paths["cohort"])).headers["ETag"]
    await site.say("U-FAY-6", "checkin 30")
    after = await client.get(paths["cohort"], headers={"If-None-Match": before})
    assert after.status == 200 and after.headers["ETag"] != before


async def test_what_never_reaches_the_html(site: Site, client: TestClient) -> None:
    paths = await cohort_of_six(site)
    pages = [await (await client.get(f"{paths['cohort']}?board={board}")).text() for board in BOARDS]
    member = await (await client.get(paths["member"])).text()
    for html in [*pages, member]:
        for user_id in USER_IDS:
            assert user_id not in html
        assert "Europe/Berlin" not in html and "America/Chicago" not in html and "Chicago" not in html
        assert "secret diary" not in html
        assert "Cat Hidden" not in html  # hidden from boards: not listed, not even its name
        assert "<script" not in html.lower()  # no script of ours, and theirs escaped
    for html in pages:
        assert "Ben Quiet" not in html and "Eve Private" not in html and "Fay Anonymous" not in html
        assert html_escape(SCRIPT_NAME) in html  # dan chose web:show: the name, as text
        assert "Ann Organizer" in html and "Member 1" in html
    assert "Ben Quiet" in member  # a member's own page, opened by their own link, shows their own name


async def test_the_boards_link_to_each_other_and_the_rows_follow_the_board(site: Site, client: TestClient) -> None:
    paths = await cohort_of_six(site)
    rows = {}
    for board in BOARDS:
        html = await (await client.get(f"{paths['cohort']}?board={board}")).text()
        links = re.findall(r'<a href="\?board=(\w+)"( aria-current="page")?>', html)
        assert [kind for kind, _ in links] == list(BOARDS)
        assert [kind for kind, current in links if current] == [board]
        body = html.split("<tbody>")[1].split("</tbody>")[0]
        rows[board] = re.findall(r'<td class="num">(\d+)</td><td>(.*?)</td><td class="num">([\d,]+)</td>', body)
    assert rows["streak"][0][0] == "1" and all(value == "3" for _, _, value in rows["streak"])
    week = {name: value for _, name, value in rows["week"]}
    assert week["&lt;script&gt;alert(1)&lt;/script&gt;"] == "180" and week["Ann Organizer"] == "90"
    assert rows["week"][0][2] == "180" and [rank for rank, _, _ in rows["week"]][:2] == ["1", "2"]
    assert len(rows["all"]) == 5  # six members, one hidden
    default = await (await client.get(paths["cohort"])).text()
    assert '<a href="?board=streak" aria-current="page">' in default


async def test_open_graph_tags_point_at_the_card(site: Site, client: TestClient) -> None:
    paths = await cohort_of_six(site)
    html = await (await client.get(paths["cohort"])).text()
    meta = dict(re.findall(r'<meta property="(og:[\w:]+)" content="([^"]*)">', html))
    assert meta["og:title"] == "ml-club · studybot"
    assert meta["og:image"] == f"{PUBLIC_URL}{paths['cohort']}/card.png"
    assert meta["og:url"] == f"{PUBLIC_URL}{paths['cohort']}"
    assert "done today" in meta["og:description"]
    week = await (await client.get(f"{paths['cohort']}?board=week")).text()
    assert f'content="{PUBLIC_URL}{paths["cohort"]}/card.png?board=week"' in week
    card = await client.get(f"{paths['cohort']}/card.png?board=week")
    assert card.status == 200 and card.content_type == "image/png"


class Broken:
    """A page source whose database is down (or that fails some other way)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def cohort_page(self, slug: str, board: str = "streak") -> CohortPage | None:
        raise self.error

    async def member_page(self, token: str) -> MemberPage | None:
        raise self.error

    async def member_calendar(self, token: str) -> MemberCalendar | None:
        raise self.error

    async def cohort_calendar(self, slug: str) -> CohortCalendar | None:
        raise self.error


@pytest.mark.parametrize(("error", "status", "words"), [
    (StorageUnavailable("The database is unavailable: connection refused to db.internal:5432"), 503,
     "Back in a moment"),
    (RuntimeError("a bug with a secret in it"), 500, "Something went wrong")])
async def test_a_failing_database_or_a_bug_is_a_page_not_a_stack_trace(error: Exception, status: int,
                                                                      words: str) -> None:
    app = web.Application()
    WebPages(Broken(error), PUBLIC_URL).install(app)
    async with TestClient(TestServer(app)) as client:
        for path in ("/c/some-slug", "/m/some-token", "/c/some-slug/card.png", "/m/some-token/calendar.ics",
                     "/c/some-slug/calendar.ics"):
            response = await client.get(path)
            assert response.status == status, path
            html = await response.text()
            assert words in html and "Traceback" not in html and "secret" not in html and "db.internal" not in html
            _security(response.headers)
            assert response.headers["Cache-Control"] == "no-store"
            if status == 503:
                assert response.headers["Retry-After"] == "30"


async def test_the_stylesheet_is_versioned_and_long_cached(site: Site, client: TestClient) -> None:
    paths = await cohort_of_six(site)
    html = await (await client.get(paths["cohort"])).text()
    href = re.search(r'<link rel="stylesheet" href="([^"]+)">', html)
    assert href is not None and href.group(1).startswith("/assets/studybot.css?v=")
    response = await client.get(href.group(1))
    assert response.status == 200 and "max-age" in response.headers["Cache-Control"]
    css = await response.text()
    assert "prefers-color-scheme: dark" in css
    assert "style=" not in html  # no inline style attribute: the CSP would refuse it
    assert date(2026, 3, 6).strftime("%A") in html  # today, in words


async def test_odd_links_are_the_404_page_and_never_reach_the_database(site: Site, client: TestClient) -> None:
    """Input no link of ours can hold (a NUL, which Postgres refuses; a lone surrogate, which no database driver
    can encode; anything longer than the column) is not found, not a 500 with the input logged from SQL."""
    paths = await cohort_of_six(site)
    for odd in ("a\x00b", "\ud800", "x" * 65, "é" * 32, "../" * 11):
        assert await site.bot.cohort_page(odd) is None, repr(odd)
        assert await site.bot.cohort_calendar(odd) is None, repr(odd)
        assert await site.bot.member_page(odd) is None, repr(odd)
        assert await site.bot.member_calendar(odd) is None, repr(odd)
    for path in ("/c/%00abc", "/m/%00", "/c/" + "a" * 5000, "/c/..%2F..%2Fetc", "/m/%C3%A9t%C3%A9/calendar.ics",
                 f"{paths['cohort']}/", f"{paths['member']}/", f"{paths['cohort']}%20"):
        response = await client.get(path)
        assert response.status == 404, path
        _security(response.headers)
        assert "Page not found" in await response.text(), path  # the same look, not aiohttp's plain text


async def test_the_access_log_never_holds_a_link(site: Site, client: TestClient,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    """At INFO, aiohttp logs each request line: the slug or token would end up in log files and collectors."""
    paths = await cohort_of_six(site)
    secrets = [paths["cohort"].rsplit("/", 1)[1], paths["member"].rsplit("/", 1)[1]]
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    for path in (paths["cohort"], f"{paths['cohort']}/card.png?board=week", f"{paths['member']}/calendar.ics",
                 f"{paths['member']}/elsewhere"):
        assert (await client.get(path)).status in (200, 404)
    records = [record for record in caplog.records if record.name == "aiohttp.access"]
    assert len(records) == 4
    for record in records:
        logged = " ".join([record.getMessage(), *(str(value) for value in vars(record).values())])
        assert not any(secret in logged for secret in secrets), logged
        assert "GET /c/" in logged or "GET /m/" in logged  # still a useful line
