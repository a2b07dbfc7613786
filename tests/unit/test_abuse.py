"""Hostile and random input through the shared parser and the core: every input gets a reply with a
stable code, never an exception or a traceback, and the data stays consistent."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.grammar import COMMANDS
from bot.service import StudyBot
from tests.fakes import InMemoryStore
from tests.unit.conftest import TOOLS, Harness

NASTY = ["@everyone", "@here", "<!channel>", "<@U123>", "<@&42>", "'; DROP TABLE checkins;--", "**bold**", "`code`",
         "\u200b", "\u202e", "\x00", "\x1b[31m", "9999-12-31", "-5", "99999999999999999999", "1e9", "0x10", "NaN",
         "link:javascript:alert(1)", "link:https://ok.example/x", "yesterday:true", "cohort:ml-club", "topic:3",
         "confirm:yes", "group:true", "until:9999-12-31", "x" * 10_000, "🔥" * 50, "ﬁ", "İ"]
COMMAND_WORDS = sorted({" ".join(spec.words) for spec in COMMANDS})

lines = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=40)), max_size=6).flatmap(
    lambda words: st.sampled_from(COMMAND_WORDS).map(lambda head: " ".join([head, *words]))) | st.text(max_size=200)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines, min_size=1, max_size=8))
def test_any_input_gets_a_reply_and_the_data_stays_consistent(script: list[str]) -> None:
    store = InMemoryStore()
    bot = StudyBot(store.unit_of_work, SimulatedClock(datetime(2026, 3, 6, 14, tzinfo=UTC)), TOOLS)

    async def run() -> None:
        setup = Invocation("test", "w", "ann", "ann", channel_id="c", idempotency_key="setup")
        assert not (await bot.handle_text(setup, "cohort create ml-club")).is_error
        for number, line in enumerate(script):
            reply = await bot.handle_text(Invocation("test", "w", "ann", "ann", "c", f"k{number}"), line)
            assert reply.text and "Traceback" not in reply.text
            if reply.is_error:
                assert reply.private and reply.data["error"] != "internal", (line, reply.text)

    asyncio.run(run())
    per_day: dict[tuple[int, object], int] = defaultdict(int)
    for checkin in store.tables["checkins"].values():
        assert 1 <= checkin.minutes <= 600
        assert checkin.note is None or len(checkin.note) <= 500
        assert checkin.link is None or checkin.link.startswith(("http://", "https://"))
        per_day[(checkin.membership_id, checkin.local_date)] += checkin.minutes
    assert all(total <= 960 for total in per_day.values())


async def test_a_member_cannot_flood_the_bot(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    for _ in range(29):
        await h.ok("ann", "streak")
    refused = await h.refused("ann", "checkin 30", "slow_down")
    assert refused.data["retry_after"] >= 1
    assert (await h.say("bob", "help")).data.get("error") is None  # others are not slowed down
    h.clock.advance(minutes=1)
    assert (await h.ok("ann", "checkin 30")).data["minutes_today"] == 30
