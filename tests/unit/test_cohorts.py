from __future__ import annotations

from bot.domain import Membership
from tests.unit.conftest import Harness


async def test_create_makes_the_creator_an_organizer_with_defaults(h: Harness) -> None:
    created = await h.ok("alice", "cohort create ml-club")
    assert created.data["timezone"] == "UTC"
    assert created.data["sprint_minutes"] == 30
    info = await h.ok("alice", "cohort info")
    assert info.data["organizers"] == ["alice"]
    assert info.data["members"] == 1
    assert (info.data["digest_time"], info.data["recap"], info.data["rollover_hour"]) == ("20:00", "sun@18:00", 4)


async def test_names_are_unique_case_insensitively_and_channels_hold_one_cohort(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await h.refused("bob", "cohort create ML-Club", "name_taken", channel="other")
    await h.refused("bob", "cohort create dl-club", "channel_taken")
    await h.refused("bob", "cohort create x", "bad_name", channel="other")
    await h.refused("bob", "cohort create", "bad_name", channel="other")
    await h.refused("bob", "cohort create a');DROP--", "bad_name", channel="other")


async def test_bad_settings_name_the_fix(h: Harness) -> None:
    bad_zone = await h.refused("alice", "cohort create ml-club timezone:Europe/Berln", "bad_timezone")
    assert "Europe/Berlin" in bad_zone.text
    await h.refused("alice", "cohort create ml-club sprint:4", "bad_sprint")
    await h.refused("alice", "cohort create ml-club digest:25:00", "bad_time")
    await h.refused("alice", "cohort create ml-club recap:someday", "bad_recap")
    created = await h.ok("alice", "cohort create ml-club timezone:asia/kolkata recap:fri@17:30 digest:21:15")
    assert created.data["timezone"] == "Asia/Kolkata"
    assert created.data["recap"] == "fri@17:30"


async def test_only_organizers_or_admins_change_settings(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await h.ok("bob", "cohort join")
    await h.refused("bob", "cohort settings sprint:25", "not_organizer")
    assert (await h.ok("bob", "cohort settings")).data["sprint_minutes"] == 30
    changed = await h.ok("carol", "cohort settings sprint:25", admin=True)
    assert changed.data["changed"] == ["sprint"]
    assert (await h.ok("alice", "cohort settings sprint:45")).data["sprint_minutes"] == 45


async def test_leave_keeps_history_and_hands_over_organizing(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await h.ok("bob", "cohort join ml-club")
    await h.ok("alice", "checkin 30")
    left = await h.ok("alice", "cohort leave")
    assert "bob is now its organizer" in left.text
    await h.refused("alice", "checkin 30", "not_member")
    assert (await h.ok("bob", "cohort info")).data["organizers"] == ["bob"]
    await h.ok("alice", "cohort join ml-club")
    assert (await h.ok("alice", "streak")).data["minutes_today"] == 30


async def test_leaving_unschedules_reminders_last_calls_and_buddy_notices(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ben", "cohort join")
    await h.ok("ben", "remind lastcall 2h")
    await h.ok("ann", "buddy @ben")
    await h.ok("ben", "buddy accept")
    ben = _membership(h, "ben")
    assert ben.next_reminder_at and ben.next_lastcall_at and ben.next_dayend_at
    await h.ok("ben", "cohort leave")
    ben = _membership(h, "ben")
    assert (ben.active, ben.next_reminder_at, ben.next_lastcall_at, ben.next_dayend_at) == (False, None, None, None)


def _membership(h: Harness, user: str) -> Membership:
    tables = h.store.snapshot()
    (member_id,) = [m.id for m in tables["members"].values() if m.user_id == user]
    (membership,) = [m for m in tables["memberships"].values() if m.member_id == member_id]
    return membership


async def test_remove_needs_an_organizer_and_a_typed_confirmation(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await h.ok("bob", "cohort join")
    await h.ok("alice", "checkin 30")
    await h.refused("bob", "cohort remove ml-club confirm:ml-club", "not_organizer")
    asked = await h.refused("alice", "cohort remove ml-club", "confirm_needed")
    assert "confirm:ml-club" in asked.text
    await h.ok("alice", "cohort remove ml-club confirm:ml-club")
    await h.refused("alice", "checkin 30", "no_cohort")
    await h.refused("alice", "cohort info ml-club", "unknown_cohort")


async def test_workspaces_do_not_see_each_other(h: Harness) -> None:
    await h.ok("alice", "cohort create ml-club")
    await h.refused("mallory", "cohort join ml-club", "unknown_cohort", workspace="elsewhere", channel="x")
    await h.ok("mallory", "cohort create ml-club", workspace="elsewhere")
