"""Focus rooms count a cohort *member's* time (issue 17), on SQLite and Postgres: leaving the cohort while in one of
its focus rooms.

It found that the running session outlived the membership: it went on counting after `cohort leave`, was recorded
in full when the member later left the voice channel (time after they left, on the membership they left), the
member still got "Still studying?" an hour in, and `focus` listed them. `cohort leave` now ends the member's
running session in the cohort's rooms at that instant, as removing a room does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from bot.clock import SimulatedClock
from bot.commands.context import Invocation, Toolkit
from bot.domain import VoicePresence
from bot.replies import Reply
from bot.service import StudyBot
from storage import Database
from tests.integration.conftest import NOW

WS = "w"


async def _say(bot: StudyBot, user: str, line: str, key: str) -> Reply:
    reply = await bot.handle_text(Invocation(platform="test", workspace=WS, user_id=user, display_name=user,
                                             channel_id="club", idempotency_key=key), line)
    assert not reply.is_error, f"{line!r} was refused: {reply.text}"
    return reply


async def test_time_in_a_focus_room_after_leaving_the_cohort_is_not_recorded(database: Database) -> None:
    clock = SimulatedClock(NOW)
    bot = StudyBot(database.unit_of_work, clock, Toolkit())
    await _say(bot, "owner", "cohort create club timezone:UTC rollover:4", "1")
    await _say(bot, "owner", "cohort focusroom add #hall", "2")
    await _say(bot, "ben", "cohort join club", "3")
    await bot.focus.voice_changed("test", WS, VoicePresence("ben", "hall"))
    clock.advance(timedelta(minutes=30))
    await _say(bot, "ben", "cohort leave club", "4")  # a member for 30 minutes of it
    clock.advance(timedelta(minutes=30))
    await bot.focus.voice_changed("test", WS, VoicePresence("ben", None))

    async with database.engine.connect() as connection:
        recorded = (await connection.execute(text(
            "SELECT COALESCE(SUM(c.minutes), 0) FROM checkins c JOIN members m ON m.id = c.member_id "
            "WHERE m.user_id = 'ben' AND c.source = 'focus'"))).scalar_one()
    assert int(recorded) == 30, f"{recorded} focus minutes recorded for a member who left the cohort 30 minutes in"
    async with database.engine.connect() as connection:
        reasons = (await connection.execute(text("SELECT end_reason FROM focus_sessions"))).scalars().all()
    assert reasons == ["left_cohort"]
