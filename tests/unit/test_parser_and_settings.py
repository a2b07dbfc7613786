from __future__ import annotations

import pytest

from bot.errors import CommandError
from bot.parser import parse
from tests.unit.conftest import Harness


def test_parse_binds_positionals_rest_and_known_options() -> None:
    parsed = parse("/checkin 45 finished the attention chapter ratio 3:1 link:https://x.org/a?b=c yesterday:true")
    assert parsed.name == "checkin"
    assert parsed.args == {"minutes": "45", "note": "finished the attention chapter ratio 3:1",
                           "link": "https://x.org/a?b=c", "yesterday": "true"}
    assert parse("checkin read a paper").args == {"note": "read a paper"}
    assert parse("SPRINT Start deep work").name == "sprint start"
    assert parse("sprint").name == "sprint status"
    assert parse("remind 21:30").args == {"time": "21:30"}
    assert parse("remind").name == "remind show"
    assert parse("timezone Europe/Berlin").name == "timezone set"


@pytest.mark.parametrize(("line", "code"), [("", "empty_command"), ("   ", "empty_command"), ("/", "empty_command"),
                                             ("chekin 30", "unknown_command"), ("streak now please", "bad_arguments")])
def test_parse_errors_have_codes_and_say_what_to_type(line: str, code: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse(line)
    assert caught.value.code == code
    if code == "unknown_command":
        assert "`checkin`" in caught.value.message


async def test_unknown_command_is_a_private_error_reply(h: Harness) -> None:
    reply = await h.refused("alice", "/frobnicate", "unknown_command")
    assert "help" in reply.text


async def test_help_lists_every_command(h: Harness) -> None:
    reply = await h.ok("alice", "help")
    assert reply.private
    names = {c["name"] for c in reply.data["commands"]}
    assert {"checkin", "sprint start", "leaderboard", "cohort create", "pause"} <= names
    assert [c["name"] for c in (await h.ok("alice", "help sprint")).data["commands"]] == [
        "sprint start", "sprint join", "sprint stop", "sprint status"]


async def test_timezone_set_suggests_close_matches_and_changes_only_the_future(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    bad = await h.refused("alice", "timezone set Berln", "bad_timezone")  # `Berlin` alone is taken
    assert bad.data["suggestions"][0] == "Europe/Berlin" and "Did you mean Europe/Berlin" in bad.text
    h.clock.advance(hours=9)  # 23:00 UTC on 2026-03-06
    before = await h.ok("alice", "checkin 30")
    assert before.data["local_date"] == "2026-03-06"
    assert (await h.ok("alice", "timezone set Pacific/Kiritimati")).data["timezone"] == "Pacific/Kiritimati"
    after = await h.ok("alice", "checkin 30")  # 13:00 on 2026-03-07 in +14:00
    assert after.data["local_date"] == "2026-03-07"
    assert after.data["streak"] == 2


async def test_remind_settings(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club timezone:Europe/Berlin")
    assert (await h.ok("alice", "remind")).data["reminder_time"] == "19:00"
    await h.refused("alice", "remind set 7pm", "bad_time")
    await h.refused("alice", "remind set 24:00", "bad_time")
    assert (await h.ok("alice", "remind set 21:30")).data == {
        "cohort": "ml-club", "reminder_time": "21:30", "lastcall_minutes": None, "timezone": "Europe/Berlin",
        "next_reminder_at": "2026-03-06T20:30:00Z", "next_lastcall_at": None}  # 21:30 CET, today (14:00 UTC)
    assert (await h.ok("alice", "remind off")).data["reminder_time"] is None
    assert (await h.ok("alice", "remind")).data["reminder_time"] is None
