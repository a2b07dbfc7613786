from __future__ import annotations

import pytest

from tests.unit.conftest import Harness


async def test_example_transcript_gives_a_two_day_streak(h: Harness) -> None:
    await h.ok("alice", "/cohort create ml-club timezone:America/New_York")
    first = await h.ok("alice", "/checkin 30 backprop by hand")
    assert first.data["local_date"] == "2026-03-06"
    h.clock.advance(days=1)
    await h.ok("alice", "/checkin 30")
    streak = await h.ok("alice", "/streak")
    assert streak.data["streak"] == 2
    assert streak.data["today_done"] is True
    assert streak.private


async def test_checkin_reply_carries_the_numbers_and_is_public(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    reply = await h.ok("alice", "checkin 20 read the LoRA paper link:https://arxiv.org/abs/2106.09685")
    assert not reply.private
    assert reply.data["minutes_today"] == 20
    assert reply.data["day_done"] is False
    assert (reply.data["streak"], reply.data["longest"], reply.data["freezes"]) == (0, 0, 0)
    assert reply.data["link"] == "https://arxiv.org/abs/2106.09685"
    assert "read the LoRA paper" in reply.text
    second = await h.ok("alice", "checkin 10")
    assert second.data["minutes_today"] == 30
    assert second.data["day_done"] is True
    assert second.data["streak"] == 1


async def test_default_minutes_are_the_cohort_sprint(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club sprint:25")
    reply = await h.ok("alice", "checkin finished chapter 3")
    assert reply.data["minutes"] == 25
    assert reply.data["day_done"] is True


async def test_same_idempotency_key_records_once(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    first = await h.ok("alice", "checkin 30", key="interaction-1")
    again = await h.ok("alice", "checkin 30", key="interaction-1")
    assert first.data["duplicate"] is False
    assert again.data["duplicate"] is True
    assert again.data["minutes_today"] == 30
    later = await h.ok("alice", "checkin 5")
    assert later.data["minutes_today"] == 35


async def test_a_day_holds_at_most_960_minutes(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await h.ok("alice", "checkin 600")
    refused = await h.refused("alice", "checkin 400", "too_many_minutes")
    assert refused.data["minutes_left"] == 360
    assert "checkin 360" in refused.text
    assert (await h.ok("alice", "checkin 360")).data["minutes_today"] == 960


@pytest.mark.parametrize("line", ["checkin 0", "checkin 601", "checkin -5", "checkin 99999999999999999999",
                                  "checkin 3.5"])
async def test_minutes_out_of_range_are_refused(h: Harness, line: str) -> None:
    await h.ok("alice", "cohort create ml-club")
    reply = await h.refused("alice", line, "bad_minutes")
    assert "1" in reply.text and "600" in reply.text
    assert (await h.ok("alice", "streak")).data["minutes_today"] == 0


async def test_note_and_link_are_validated(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await h.refused("alice", "checkin 30 " + "x" * 501, "note_too_long")
    await h.refused("alice", "checkin 30 link:ftp://example.com/file", "bad_link")
    await h.refused("alice", "checkin 30 link:javascript:alert(1)", "bad_link")
    await h.refused("alice", "checkin 30 link:https://", "bad_link")
    ok = await h.ok("alice", "checkin 30 " + "y" * 500)
    assert ok.data["minutes_today"] == 30


async def test_yesterday_is_allowed_but_no_further(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    reply = await h.ok("alice", "checkin 30 yesterday:true")
    assert reply.data["local_date"] == "2026-03-05"
    assert reply.data["streak"] == 1  # yesterday done, today not yet: the streak stands
    await h.refused("alice", "checkin 30 yesterday:maybe", "bad_arguments")


async def test_commands_that_need_a_cohort_say_how_to_get_one(h: Harness) -> None:
    reply = await h.refused("bob", "checkin 30", "no_cohort")
    assert "cohort join" in reply.text


async def test_not_a_member_of_the_channel_cohort(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    reply = await h.refused("bob", "checkin 30", "not_member")
    assert "cohort join ml-club" in reply.text


async def test_several_cohorts_need_a_choice(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club", channel="ml")
    await h.ok("alice", "cohort create dl-club", channel="dl")
    reply = await h.refused("alice", "checkin 30", "which_cohort", channel="random")
    assert reply.data["choices"] == ["dl-club", "ml-club"]
    chosen = await h.ok("alice", "checkin 30 cohort:DL-CLUB", channel="random")
    assert chosen.data["cohort"] == "dl-club"
    in_channel = await h.ok("alice", "checkin 30", channel="ml")
    assert in_channel.data["cohort"] == "ml-club"


async def test_a_failed_commit_records_nothing_and_says_try_again(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    h.store.fail_next_commits(1)
    reply = await h.refused("alice", "checkin 30", "try_again")
    assert "again" in reply.text
    assert (await h.ok("alice", "streak")).data["minutes_today"] == 0


async def test_rollover_hour_decides_the_day(h: Harness) -> None:
    # 14:00 UTC is 09:00 in New York; at 03:59 the next night it is still the same study day.
    await h.ok("alice", "cohort create ml-club timezone:America/New_York")
    await h.ok("alice", "checkin 30")
    h.clock.advance(hours=18, minutes=59)  # 03:59 local, 2026-03-07
    late = await h.ok("alice", "checkin 10")
    assert late.data["local_date"] == "2026-03-06"
    h.clock.advance(minutes=1)  # 04:00 local
    assert (await h.ok("alice", "checkin 10")).data["local_date"] == "2026-03-07"


async def test_a_note_goes_on_the_latest_checkin_of_today(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club sprint:25")
    await h.refused("alice", "note read the paper", "no_checkin_today")
    await h.ok("alice", "checkin 10 warm-up")
    await h.ok("alice", "sprint start")
    h.clock.advance(minutes=26)
    await h.ok("alice", "sprint status")  # the sprint ended and was recorded as today's latest check-in
    added = await h.ok("alice", "note wrote up the attention notes link:https://example.com/notes")
    assert added.private and added.data["minutes"] == 25
    assert "wrote up the attention notes" in added.text
    checkins = sorted(h.store.snapshot()["checkins"].values(), key=lambda c: c.id)
    assert [(c.minutes, c.note, c.link) for c in checkins] == [
        (10, "warm-up", None), (25, "wrote up the attention notes", "https://example.com/notes")]
    only_link = await h.ok("alice", "note link:https://example.com/v2")  # keeps the words, swaps the link
    assert only_link.data["note"] == "wrote up the attention notes" and only_link.data["link"].endswith("/v2")
    await h.refused("alice", "note", "empty_note")
    await h.refused("alice", "note link:ftp://nope", "bad_link")
    h.clock.advance(days=1)
    await h.refused("alice", "note too late", "no_checkin_today")
