"""The web pages against the real core on a real SQLite file: a `Site` drives commands as members would (with
display names of their own, so a user id and a name can be told apart in the HTML) and serves the pages on an
aiohttp app, through the test client or on a real port for the browser."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.charts import PillowCharts
from adapters.roadmaps import load_builtin, parse_roadmap
from adapters.web import WebPages
from bot.clock import SimulatedClock
from bot.commands.context import Invocation, Toolkit
from bot.replies import Reply
from bot.service import StudyBot
from storage import Database

PUBLIC_URL = "https://study.example.org"
NOW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)  # a Tuesday: three days of check-ins, then Friday
SCRIPT_NAME = "<script>alert(1)</script>"

_keys = itertools.count()


class Site:
    def __init__(self, database: Database, clock: SimulatedClock) -> None:
        self.database = database
        self.clock = clock
        tools = Toolkit(roadmaps=load_builtin(), parse_roadmap=parse_roadmap, charts=PillowCharts(),
                        public_url=PUBLIC_URL)
        self.bot = StudyBot(database.unit_of_work, clock, tools)
        self.names: dict[str, str] = {}

    async def say(self, user: str, line: str, *, name: str | None = None, channel: str = "general") -> Reply:
        shown = name or self.names.get(user) or f"Name of {user}"
        self.names[user] = shown
        invocation = Invocation(platform="test", workspace="T1", user_id=user, display_name=shown,
                                channel_id=channel, idempotency_key=f"web-{next(_keys)}")
        reply = await self.bot.handle_text(invocation, line)
        assert not reply.is_error, f"{line!r} was refused: {reply.data} {reply.text}"
        return reply

    def app(self) -> web.Application:
        app = web.Application()
        WebPages(self.bot, PUBLIC_URL).install(app)
        return app


def path_of(url: str) -> str:
    assert url.startswith(PUBLIC_URL), url
    return url.removeprefix(PUBLIC_URL)


async def cohort_of_six(site: Site) -> dict[str, str]:
    """ml-club in Berlin on a roadmap: ann (organizer, name shown), ben, cat (hidden from boards), dan (who
    chose `web:show` with a name that is HTML), eve (a note with a secret), fay; check-ins over three days.
    Returns the cohort page's path, the member ben's page path, and the user ids."""
    await site.say("U-ANN-1", "cohort create ml-club timezone:Europe/Berlin roadmap:build-first-6m start:2026-03-02",
                   name="Ann Organizer")
    await site.say("U-BEN-2", "cohort join", name="Ben Quiet")
    await site.say("U-CAT-3", "cohort join", name="Cat Hidden")
    await site.say("U-DAN-4", "cohort join", name=SCRIPT_NAME)
    await site.say("U-EVE-5", "cohort join", name="Eve Private")
    await site.say("U-FAY-6", "cohort join", name="Fay Anonymous")
    await site.say("U-ANN-1", "privacy web:show")
    await site.say("U-DAN-4", "privacy web:show")
    await site.say("U-CAT-3", "privacy web:show")
    await site.say("U-CAT-3", "privacy boards:hide")
    await site.say("U-BEN-2", "remind set 18:30")
    await site.say("U-BEN-2", "timezone set America/Chicago")
    for day in range(3):
        await site.say("U-ANN-1", "checkin 30")
        await site.say("U-BEN-2", "checkin 45")
        await site.say("U-CAT-3", "checkin 90")
        await site.say("U-DAN-4", "checkin 60")
        await site.say("U-EVE-5", "checkin 40 my secret diary entry")
        if day < 2:
            await site.say("U-FAY-6", "checkin 20")
        site.clock.advance(days=1)
    cohort = path_of((await site.say("U-ANN-1", "cohort web on")).data["url"])
    member = path_of((await site.say("U-BEN-2", "stats web")).data["url"])
    return {"cohort": cohort, "member": member}


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    database = await Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'studybot.db'}")
    try:
        yield Site(database, SimulatedClock(NOW))
    finally:
        await database.dispose()


@pytest.fixture
async def client(site: Site) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(site.app())) as test_client:
        yield test_client


BUSY_START = datetime(2025, 12, 8, 15, 0, tzinfo=UTC)  # a Monday, twelve weeks and a bit before NOW's Friday


async def busy_cohort(site: Site) -> dict[str, str]:
    """A cohort with twelve weeks behind it, for the screenshots: nine members who check in on most days (some
    show their names), one hidden from boards, Gus with Sundays as rest days, a pause and a missed day or two.
    Ends on Friday 6 March 2026. Returns the cohort page's path and Gus's page path."""
    site.clock.set(BUSY_START)
    people = [("U-ANN-1", "Ann Organizer", True), ("U-GUS-7", "Gus Weekdays", True), ("U-PRI-8", "Priya S.", True),
              ("U-MAR-9", "Marco", True), ("U-HAN-10", "Hana", False), ("U-OLI-11", "Oli", False),
              ("U-SAM-12", "Sam", False), ("U-TEO-13", "Teo", False), ("U-CAT-3", "Cat Hidden", True)]
    await site.say("U-ANN-1", "cohort create deep-learning-club timezone:Europe/Berlin roadmap:build-first-6m "
                              "start:2026-01-05", name="Ann Organizer")
    for user, name, shown in people:
        if user != "U-ANN-1":
            await site.say(user, "cohort join", name=name)
        if shown:
            await site.say(user, "privacy web:show")
    await site.say("U-CAT-3", "privacy boards:hide")
    await site.say("U-GUS-7", "rest sun")
    day = 0
    while site.clock.now() < datetime(2026, 3, 6, 8, 0, tzinfo=UTC):
        if day == 40:
            await site.say("U-GUS-7", "pause 3")
        for index, (user, _, _) in enumerate(people):
            skip = (day * 5 + index * 11) % (index + 6) == 0 or (index >= 5 and day % 4 == index % 4)
            if user == "U-GUS-7" and (40 <= day < 43 or site.clock.now().weekday() == 6 or day in (20, 21, 60)):
                skip = True
            if not skip:
                minutes = 30 + (day * 13 + index * 17) % (40 + index * 12)
                if user == "U-GUS-7" and day == 61:
                    minutes = 75  # the day after a missed one, doubled: a repair
                await site.say(user, f"checkin {minutes}")
        site.clock.advance(days=1)
        day += 1
    cohort = path_of((await site.say("U-ANN-1", "cohort web on")).data["url"])
    member = path_of((await site.say("U-GUS-7", "stats web")).data["url"])
    return {"cohort": cohort, "member": member}
