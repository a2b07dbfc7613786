"""A first day that explains itself: someone in no cohort is told how to join one or start one, an organizer
gets a private checklist after `cohort create`, a member's first check-in explains reminders, and `help`
groups the commands by what people want to do, with examples."""

from __future__ import annotations

import re

import pytest

from bot.grammar import BY_NAME, COMMANDS, HELP, HELP_SECTIONS
from bot.parser import parse
from bot.replies import Reply
from tests.unit.conftest import Harness

_QUOTED = re.compile(r"`([^`]+)`")


def commands_in(reply: Reply) -> list[str]:
    return _QUOTED.findall(reply.text)


def assert_every_command_exists(reply: Reply) -> None:
    """Guidance promises only commands the grammar has."""
    for line in commands_in(reply):
        parse(line)  # raises CommandError for a command that does not exist or takes no such words


# --- someone in no cohort ----------------------------------------------------------------------------------
async def test_in_a_workspace_without_cohorts_checkin_says_how_to_start_one(h: Harness) -> None:
    reply = await h.refused("bob", "checkin 30", "no_cohort")
    assert "`cohort create NAME` in this channel" in reply.text
    assert_every_command_exists(reply)


@pytest.mark.parametrize("line", ["checkin", "streak", "sprint start", "remind set 20:00", "stats", "roadmap"])
async def test_any_cohort_command_names_the_cohorts_to_join(h: Harness, line: str) -> None:
    await h.ok("alice", "cohort create ml-club", channel="ml")
    await h.ok("carol", "cohort create book-club", channel="books")
    reply = await h.refused("bob", line, "no_cohort", channel="random")
    assert "Cohorts here: book-club, ml-club." in reply.text
    assert "`cohort join book-club`" in reply.text and "`cohort create NAME` in this channel" in reply.text
    assert_every_command_exists(reply)


async def test_many_cohorts_are_not_all_listed(h: Harness) -> None:
    for number in range(7):
        await h.ok("alice", f"cohort create club-{number}", channel=f"c{number}")
    reply = await h.refused("bob", "checkin", "no_cohort", channel="random")
    assert "club-0, club-1, club-2, club-3, club-4 and 2 more." in reply.text


async def test_in_a_cohorts_channel_it_names_that_cohort(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club", channel="ml")
    here = await h.refused("bob", "checkin 30", "not_member", channel="ml")
    assert "You are not in ml-club, this channel's cohort, yet. Type `cohort join ml-club`" in here.text
    named = await h.refused("bob", "checkin 30 cohort:ml-club", "not_member", channel="random")
    assert "You are not in ml-club yet. Type `cohort join ml-club`" in named.text
    assert_every_command_exists(here)
    await h.ok("bob", "cohort join", channel="ml")
    await h.ok("bob", "checkin 30", channel="ml")


# --- the organizer's checklist -----------------------------------------------------------------------------
async def test_cohort_create_gives_the_organizer_a_private_checklist(h: Harness) -> None:
    created = await h.ok("alice", "cohort create ml-club timezone:Europe/Berlin")
    assert not created.private  # the channel sees the cohort start
    (checklist,) = created.followups
    assert checklist.private and checklist.title == "Next steps"
    assert checklist.data == {"type": "checklist", "cohort": "ml-club",
                              "steps": ["invite", "digest", "roadmap", "web", "settings"]}
    text = checklist.text
    assert "1. Invite members: ask them to type `cohort join ml-club`" in text
    assert "2. Set the daily digest time (now 20:00, Europe/Berlin): `cohort settings digest:19:30`" in text
    assert "3. Pick a roadmap" in text and "`cohort settings roadmap:ai-engineer`" in text
    assert "`roadmap load FILE.yaml`" in text
    assert "4. A web page for the cohort, if you want one" in text and "`cohort web on`" in text
    assert "5. The rest" in text
    assert_every_command_exists(checklist)  # nothing promised that the grammar lacks
    # what it suggests works, for the organizer
    await h.ok("alice", "cohort settings digest:19:30")
    await h.ok("alice", "cohort settings roadmap:ai-engineer")
    await h.ok("alice", "cohort web on")
    assert (await h.ok("alice", "help group")).data["commands"]


async def test_the_checklist_says_so_when_a_roadmap_is_already_picked(h: Harness) -> None:
    created = await h.ok("alice", "cohort create ml-club roadmap:ai-engineer")
    (checklist,) = created.followups
    assert "Roadmap: ai-engineer is set; `roadmap` shows this week's step." in checklist.text
    assert "Pick a roadmap" not in checklist.text


async def test_only_cohort_create_has_the_checklist(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    assert (await h.ok("bob", "cohort join ml-club")).followups == ()
    assert (await h.refused("carol", "cohort create ml-club", "channel_taken")).followups == ()


# --- the first check-in ------------------------------------------------------------------------------------
async def test_a_first_checkin_explains_reminders_once(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await h.ok("bob", "cohort join ml-club")
    await h.ok("bob", "timezone set Europe/Berlin")
    first = await h.ok("bob", "checkin 20", key="first")  # a known member in the channel: the group commit
    assert not first.private
    (tips,) = first.followups
    assert tips.private and tips.title == "Reminders"
    assert "on a day your sprint isn't done by 19:00 (Europe/Berlin), I send you one direct message" in tips.text
    assert "`remind set 21:30`" in tips.text and "`remind off`" in tips.text
    assert tips.data == {"type": "tips", "topic": "reminders", "cohort": "ml-club", "reminder_time": "19:00",
                         "timezone": "Europe/Berlin"}
    assert_every_command_exists(tips)
    assert (await h.ok("bob", "checkin 20", key="first")).followups == ()  # the same check-in again
    assert (await h.ok("bob", "checkin 10")).followups == ()
    h.clock.advance(days=1)
    assert (await h.ok("bob", "checkin 30")).followups == ()


async def test_the_ordinary_path_explains_reminders_too(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await h.ok("alice", "remind off")
    first = await h.ok("alice", "checkin 30 cohort:ml-club")  # `cohort:` takes the ordinary path
    (tips,) = first.followups
    assert "Your daily reminder is off; `remind set 19:00` turns it on" in tips.text
    assert tips.data["reminder_time"] is None
    assert (await h.ok("alice", "checkin 30 cohort:ml-club")).followups == ()


async def test_a_first_checkin_for_yesterday_then_today_explains_once(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    assert len((await h.ok("alice", "checkin 30 yesterday:true")).followups) == 1
    assert (await h.ok("alice", "checkin 30")).followups == ()
    assert (await h.ok("alice", "checkin 30 cohort:ml-club")).followups == ()


async def test_each_cohort_has_its_first_checkin(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club", channel="ml")
    await h.ok("alice", "cohort create book-club", channel="books")
    assert len((await h.ok("alice", "checkin 30", channel="ml")).followups) == 1
    assert len((await h.ok("alice", "checkin 30", channel="books")).followups) == 1


# --- help ---------------------------------------------------------------------------------------------------
def test_every_command_has_a_section_and_examples_that_run_it() -> None:
    sections = {key for key, _ in HELP_SECTIONS} | {"help"}
    assert set(HELP) == set(BY_NAME)
    for name, (section, examples) in HELP.items():
        assert section in sections, name
        assert examples, name
        for line, does in examples:
            assert parse(line).name == name, f"{line!r} runs {parse(line).name}, not {name}"
            assert does and not does.endswith(".")


async def test_help_groups_commands_by_what_people_want_to_do(h: Harness) -> None:
    reply = await h.ok("alice", "help")
    assert reply.private
    lines = reply.text.splitlines()
    titles = [title for _, title in HELP_SECTIONS]
    assert [line.split(":")[0] for line in lines[1:6]] == titles
    log = lines[1]
    assert "`checkin 45 read the LoRA paper`" in log and "`sprint start attention paper`" in log
    assert "`remind set 21:30`" in lines[4] and "`forget confirm:yes`" in lines[5]
    shown = commands_in(reply)
    for spec in COMMANDS:  # one example each
        if spec.name != "help":
            assert HELP[spec.name][1][0][0] in shown, spec.name
    assert {c["name"] for c in reply.data["commands"]} == set(BY_NAME)
    checkin = next(c for c in reply.data["commands"] if c["name"] == "checkin")
    assert checkin["section"] == "log" and checkin["examples"][0] == {
        "line": "checkin 45 read the LoRA paper", "does": "45 minutes today, with what you did"}
    assert len(reply.text) < 2900  # one Slack section


async def test_help_command_shows_its_examples(h: Harness) -> None:
    reply = await h.ok("alice", "help checkin")
    assert reply.text.splitlines()[0].startswith("`checkin [MINUTES]")
    for line, does in HELP["checkin"][1]:
        assert f"  e.g. `{line}` — {does}" in reply.text
    assert [c["name"] for c in reply.data["commands"]] == ["checkin"]
    several = await h.ok("alice", "/help remind")
    assert [c["name"] for c in several.data["commands"]] == ["remind set", "remind off", "remind lastcall",
                                                             "remind show"]
    assert "`remind lastcall 2h`" in several.text
    two_words = await h.ok("alice", "help cohort  create")
    assert [c["name"] for c in two_words.data["commands"]] == ["cohort create"]


async def test_help_for_one_section_and_for_nothing_known(h: Harness) -> None:
    privacy = await h.ok("alice", "help privacy")
    assert privacy.text.startswith("Privacy and your data:")
    assert [c["name"] for c in privacy.data["commands"]] == ["privacy", "export", "forget"]
    unknown = await h.refused("alice", "help frobnicate", "unknown_command")
    assert "`help log`" in unknown.text
