"""The contract of `bot.ports`: every implementation (the in-memory fake, SQLite, Postgres) must pass these
unchanged. Each test starts from an empty database (see `uow_factory` in conftest.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from bot.domain import CheckIn, Cohort, Member, Membership, Pause, Role, Sprint, SprintStatus
from bot.ports import DuplicateKey, UnitOfWork, UnitOfWorkFactory
from bot.streaks import StreakState

T0 = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
D0 = date(2026, 3, 6)


# --- builders --------------------------------------------------------------------------------------------
def a_member(user: str = "alice", *, platform: str = "discord", workspace: str = "guild-1") -> Member:
    return Member(platform=platform, workspace=workspace, user_id=user, display_name=user.title())


def a_cohort(name: str = "ml-club", *, created_by: int, channel: str = "general", platform: str = "discord",
             workspace: str = "guild-1") -> Cohort:
    return Cohort(platform=platform, workspace=workspace, name=name, channel_id=channel, created_by=created_by,
                  created_at=T0)


def a_checkin(membership: Membership, key: str, day: date = D0, minutes: int = 30) -> CheckIn:
    assert membership.id is not None
    return CheckIn(membership_id=membership.id, member_id=membership.member_id, cohort_id=membership.cohort_id,
                   local_date=day, minutes=minutes, created_at=T0, idempotency_key=key)


def a_sprint(membership: Membership, *, ends_in: int = 30, started_at: datetime = T0) -> Sprint:
    assert membership.id is not None
    return Sprint(member_id=membership.member_id, membership_id=membership.id, started_at=started_at,
                  ends_at=started_at + timedelta(minutes=ends_in), goal="read")


async def enrol(uow: UnitOfWork, user: str, cohort: Cohort, **kwargs: object) -> Membership:
    member = await uow.members.add(a_member(user, platform=cohort.platform, workspace=cohort.workspace))
    assert member.id is not None and cohort.id is not None
    return await uow.memberships.add(Membership(cohort_id=cohort.id, member_id=member.id, joined_at=T0,
                                                **kwargs))  # type: ignore[arg-type]


async def new_cohort(uow: UnitOfWork, name: str = "ml-club", *, owner: str = "owner", channel: str = "general",
                     workspace: str = "guild-1") -> Cohort:
    creator = await uow.members.add(a_member(owner, workspace=workspace))
    assert creator.id is not None
    return await uow.cohorts.add(a_cohort(name, created_by=creator.id, channel=channel, workspace=workspace))


# --- unit of work: transactions ---------------------------------------------------------------------------
async def test_writes_without_commit_are_rolled_back(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        member = await uow.members.add(a_member())
        assert member.id is not None
        assert await uow.members.get(member.id) == member  # visible inside its own transaction
    async with uow_factory() as uow:
        assert await uow.members.get(member.id) is None
        assert await uow.members.find("discord", "guild-1", "alice") is None


async def test_an_exception_rolls_back(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(ZeroDivisionError):
        async with uow_factory() as uow:
            await uow.members.add(a_member())
            1 / 0  # noqa: B018
    async with uow_factory() as uow:
        assert await uow.members.find("discord", "guild-1", "alice") is None


async def test_commit_publishes_and_the_unit_of_work_goes_on(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        alice = await uow.members.add(a_member("alice"))
        await uow.commit()
        bob = await uow.members.add(a_member("bob"))  # after commit: a new transaction, alice still there
        assert await uow.members.get(alice.id) == alice  # type: ignore[arg-type]
        await uow.commit()
        await uow.members.add(a_member("carol"))  # never committed
    async with uow_factory() as uow:
        assert await uow.members.find("discord", "guild-1", "alice") == alice
        assert await uow.members.find("discord", "guild-1", "bob") == bob
        assert await uow.members.find("discord", "guild-1", "carol") is None


async def test_other_units_of_work_see_only_committed_data(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        alice = await uow.members.add(a_member("alice"))
        await uow.commit()
    async with uow_factory() as writer:
        alice.display_name = "Alice L."
        await writer.members.save(alice)
    async with uow_factory() as reader:
        again = await reader.members.get(alice.id)  # type: ignore[arg-type]
        assert again is not None and again.display_name == "Alice"


async def test_returned_objects_are_copies(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        membership = await enrol(uow, "alice", cohort)
        await uow.commit()
        fetched = await uow.cohorts.get(cohort.id)  # type: ignore[arg-type]
        assert fetched is not None
        fetched.sprint_minutes = 45
        fetched.name = "changed"
        fetched_membership = await uow.memberships.get_by_id(membership.id)  # type: ignore[arg-type]
        assert fetched_membership is not None
        fetched_membership.active = False
        await uow.commit()
        assert (await uow.cohorts.get(cohort.id)) == cohort  # type: ignore[arg-type]
        assert (await uow.memberships.get_by_id(membership.id)) == membership  # type: ignore[arg-type]
    async with uow_factory() as uow:
        assert (await uow.cohorts.get(cohort.id)) == cohort  # type: ignore[arg-type]


# --- members ----------------------------------------------------------------------------------------------
async def test_member_add_get_find_save(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        alice = await uow.members.add(replace(a_member("alice"), timezone="Europe/Berlin", hidden=True))
        bob = await uow.members.add(a_member("bob"))
        assert alice.id is not None and bob.id is not None and alice.id != bob.id
        assert alice.timezone == "Europe/Berlin" and alice.hidden and alice.allow_mentions
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.members.get(alice.id) == alice
        assert await uow.members.find("discord", "guild-1", "alice") == alice
        assert await uow.members.find("discord", "guild-1", "ALICE") is None  # user ids are exact
        assert await uow.members.find("discord", "guild-2", "alice") is None
        assert await uow.members.find("slack", "guild-1", "alice") is None
        assert await uow.members.get(alice.id + bob.id + 1000) is None
        alice.display_name, alice.timezone, alice.allow_mentions, alice.hidden = "Al", None, False, False
        await uow.members.save(alice)  # every field but the name: a linked person's copy carries another's name
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.members.get(alice.id) == replace(alice, display_name="Alice")
        await uow.members.rename(alice.id, "Al")
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.members.get(alice.id) == alice
        assert await uow.members.get(bob.id) == bob


async def test_member_add_returns_the_existing_member(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        first = await uow.members.add(a_member("alice"))
        await uow.commit()
    async with uow_factory() as uow:
        again = await uow.members.add(replace(a_member("alice"), display_name="Someone Else"))
        assert again == first
        other_workspace = await uow.members.add(a_member("alice", workspace="guild-2"))
        other_platform = await uow.members.add(a_member("alice", platform="slack"))
        assert len({first.id, other_workspace.id, other_platform.id}) == 3
        # within one transaction too
        carol = await uow.members.add(a_member("carol"))
        assert await uow.members.add(a_member("carol")) == carol


# --- cohorts ----------------------------------------------------------------------------------------------
async def test_cohort_add_get_and_all_fields_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        owner = await uow.members.add(a_member("owner"))
        assert owner.id is not None
        cohort = await uow.cohorts.add(Cohort(
            platform="discord", workspace="guild-1", name="ML Club", channel_id="c-1", created_by=owner.id,
            timezone="America/New_York", sprint_minutes=25, daily_goal=2, rollover_hour=5,
            digest_time=time(21, 30), recap_weekday=4, recap_time=time(17, 15), created_at=T0))
        assert cohort.id is not None
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.cohorts.get(cohort.id)
        assert got == cohort
        assert got is not None and got.daily_target == 50 and got.zone.key == "America/New_York"
        assert await uow.cohorts.get(cohort.id + 1000) is None


async def test_cohort_defaults_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.cohorts.get(cohort.id)  # type: ignore[arg-type]
        assert got is not None
        assert (got.timezone, got.sprint_minutes, got.daily_goal, got.rollover_hour) == ("UTC", 30, 1, 4)
        assert (got.digest_time, got.recap_weekday, got.recap_time) == (time(20, 0), 6, time(18, 0))


async def test_cohort_find_by_name_is_case_insensitive_and_scoped(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow, "ML-Club")
        elsewhere = await new_cohort(uow, "ml-club", workspace="guild-2")
        await uow.commit()
    async with uow_factory() as uow:
        for spelling in ("ML-Club", "ml-club", "ML-CLUB", "mL-cLuB"):
            assert await uow.cohorts.find_by_name("discord", "guild-1", spelling) == cohort
        assert await uow.cohorts.find_by_name("discord", "guild-2", "ML-CLUB") == elsewhere
        assert await uow.cohorts.find_by_name("slack", "guild-1", "ml-club") is None
        assert await uow.cohorts.find_by_name("discord", "guild-1", "ml") is None
        assert await uow.cohorts.find_by_name("discord", "guild-1", "ml-club ") is None


async def test_cohort_name_clash_raises_duplicate_key_and_keeps_the_uow(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        first = await new_cohort(uow, "ML-Club")
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(DuplicateKey):
            await uow.cohorts.add(a_cohort("ml-CLUB", created_by=first.created_by, channel="other"))
        # the transaction is still usable, and earlier work in it survives
        second = await uow.cohorts.add(a_cohort("stats-club", created_by=first.created_by, channel="other"))
        same_name_elsewhere = await uow.cohorts.add(a_cohort("ml-club", created_by=first.created_by,
                                                             workspace="guild-2"))
        await uow.commit()
    async with uow_factory() as uow:
        names = sorted(c.name for c in await uow.cohorts.list_in_workspace("discord", "guild-1"))
        assert names == ["ML-Club", "stats-club"]
        assert await uow.cohorts.get(second.id) == second  # type: ignore[arg-type]
        assert await uow.cohorts.get(same_name_elsewhere.id) == same_name_elsewhere  # type: ignore[arg-type]


async def test_cohort_rename_onto_a_taken_name_raises_duplicate_key(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await new_cohort(uow, "ML-Club")
        other = await new_cohort(uow, "stats", channel="c-2")
        await uow.commit()
    async with uow_factory() as uow:
        other.name = "ml-club"
        with pytest.raises(DuplicateKey):
            await uow.cohorts.save(other)
        other.name = "Stats"  # a change of case of its own name is fine
        await uow.cohorts.save(other)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.cohorts.find_by_name("discord", "guild-1", "stats") == other


async def test_cohort_find_by_channel_list_and_save(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        ml = await new_cohort(uow, "ml", channel="c-ml")
        stats = await new_cohort(uow, "stats", channel="c-stats")
        slack = await uow.cohorts.add(a_cohort("ml", created_by=ml.created_by, channel="c-ml", platform="slack"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.cohorts.find_by_channel("discord", "guild-1", "c-ml") == ml
        assert await uow.cohorts.find_by_channel("discord", "guild-1", "c-stats") == stats
        assert await uow.cohorts.find_by_channel("slack", "guild-1", "c-ml") == slack
        assert await uow.cohorts.find_by_channel("discord", "guild-1", "c-none") is None
        assert await uow.cohorts.find_by_channel("discord", "guild-2", "c-ml") is None
        listed = await uow.cohorts.list_in_workspace("discord", "guild-1")
        assert sorted(listed, key=lambda c: c.id or 0) == [ml, stats]
        assert list(await uow.cohorts.list_in_workspace("discord", "nowhere")) == []
        ml.channel_id, ml.timezone, ml.sprint_minutes, ml.daily_goal = "c-new", "Asia/Tokyo", 45, 2
        ml.rollover_hour, ml.digest_time, ml.recap_weekday, ml.recap_time = 0, time(7, 5), 0, time(9, 0)
        await uow.cohorts.save(ml)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.cohorts.get(ml.id) == ml  # type: ignore[arg-type]
        assert await uow.cohorts.find_by_channel("discord", "guild-1", "c-new") == ml
        assert await uow.cohorts.find_by_channel("discord", "guild-1", "c-ml") is None
        assert await uow.cohorts.get(stats.id) == stats  # type: ignore[arg-type]


async def test_cohort_remove_cascades_to_memberships_checkins_and_sprints(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        doomed = await new_cohort(uow, "doomed", channel="c-1")
        kept = await new_cohort(uow, "kept", channel="c-2")
        alice_doomed = await enrol(uow, "alice", doomed)
        alice_kept = await enrol(uow, "alice", kept)
        bob_doomed = await enrol(uow, "bob", doomed)
        await uow.checkins.add(a_checkin(alice_doomed, "k1"))
        await uow.checkins.add(a_checkin(bob_doomed, "k2"))
        kept_checkin = await uow.checkins.add(a_checkin(alice_kept, "k3"))
        await uow.sprints.add(a_sprint(bob_doomed))
        alice_sprint = await uow.sprints.add(a_sprint(alice_kept))
        pause = await uow.pauses.add(Pause(member_id=bob_doomed.member_id, start=D0, end=D0))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.cohorts.remove(doomed.id)  # type: ignore[arg-type]
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.cohorts.get(doomed.id) is None  # type: ignore[arg-type]
        assert await uow.cohorts.find_by_name("discord", "guild-1", "doomed") is None
        assert await uow.memberships.get_by_id(alice_doomed.id) is None  # type: ignore[arg-type]
        assert await uow.memberships.get_by_id(bob_doomed.id) is None  # type: ignore[arg-type]
        assert await uow.checkins.find_by_key(alice_doomed.member_id, "k1") is None
        assert await uow.checkins.find_by_key(bob_doomed.member_id, "k2") is None
        assert await uow.checkins.first_days_in_cohort(doomed.id) == {}  # type: ignore[arg-type]
        assert await uow.sprints.active_for_member(bob_doomed.member_id) is None
        assert list(await uow.sprints.due(T0 + timedelta(days=1))) == [alice_sprint]
        # the rest of the world is untouched: members, the other cohort, pauses
        assert await uow.members.get(bob_doomed.member_id) is not None
        assert await uow.cohorts.get(kept.id) == kept  # type: ignore[arg-type]
        assert await uow.memberships.get_by_id(alice_kept.id) == alice_kept  # type: ignore[arg-type]
        assert await uow.checkins.find_by_key(alice_kept.member_id, "k3") == kept_checkin
        assert list(await uow.pauses.for_member(bob_doomed.member_id)) == [pause]
        # the name is free again
        again = await uow.cohorts.add(a_cohort("DOOMED", created_by=doomed.created_by, channel="c-1"))
        assert again.id is not None


async def test_cohort_remove_without_commit_changes_nothing(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        membership = await enrol(uow, "alice", cohort)
        checkin = await uow.checkins.add(a_checkin(membership, "k1"))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.cohorts.remove(cohort.id)  # type: ignore[arg-type]
        assert await uow.cohorts.get(cohort.id) is None  # type: ignore[arg-type]
    async with uow_factory() as uow:
        assert await uow.cohorts.get(cohort.id) == cohort  # type: ignore[arg-type]
        assert await uow.memberships.get_by_id(membership.id) == membership  # type: ignore[arg-type]
        assert await uow.checkins.find_by_key(membership.member_id, "k1") == checkin


# --- memberships ------------------------------------------------------------------------------------------
async def test_membership_add_get_and_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    state = StreakState(streak=8, freezes=1, longest=12, through=date(2026, 3, 5))
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        organizer = await enrol(uow, "alice", cohort, role=Role.ORGANIZER, reminder_time=time(7, 30),
                                streak_state=state)
        plain = await enrol(uow, "bob", cohort, reminder_time=None)
        assert organizer.id is not None and plain.id is not None
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.memberships.get(cohort.id, organizer.member_id)  # type: ignore[arg-type]
        assert got == organizer
        assert got is not None and got.role is Role.ORGANIZER and got.is_organizer
        assert got.streak_state == state and got.reminder_time == time(7, 30) and got.active
        assert got.joined_at == T0
        bob = await uow.memberships.get_by_id(plain.id)
        assert bob == plain
        assert bob is not None and bob.role is Role.MEMBER and bob.reminder_time is None
        assert bob.streak_state is None
        assert await uow.memberships.get(cohort.id, plain.member_id + 1000) is None  # type: ignore[arg-type]
        assert await uow.memberships.get_by_id(plain.id + organizer.id + 1000) is None


async def test_membership_save(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        membership = await enrol(uow, "alice", cohort)
        await uow.commit()
    async with uow_factory() as uow:
        membership.role, membership.active, membership.reminder_time = Role.ORGANIZER, False, time(21, 0)
        membership.streak_state = StreakState(streak=1, freezes=0, longest=3, through=D0)
        await uow.memberships.save(membership)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.memberships.get_by_id(membership.id) == membership  # type: ignore[arg-type]
        membership.streak_state, membership.reminder_time = None, None
        await uow.memberships.save(membership)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.memberships.get_by_id(membership.id) == membership  # type: ignore[arg-type]


async def test_a_member_is_in_a_cohort_once(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        membership = await enrol(uow, "alice", cohort)
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(DuplicateKey):
            await uow.memberships.add(Membership(cohort_id=membership.cohort_id, member_id=membership.member_id))
        assert await uow.memberships.get(membership.cohort_id, membership.member_id) == membership


async def test_active_for_member_and_active_in_cohort(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        ml = await new_cohort(uow, "ml", channel="c-1")
        stats = await new_cohort(uow, "stats", channel="c-2")
        left = await new_cohort(uow, "left", channel="c-3")
        alice_ml = await enrol(uow, "alice", ml)
        bob_ml = await enrol(uow, "bob", ml)
        alice_left = await enrol(uow, "alice", left, active=False)
        alice_stats = await enrol(uow, "alice", stats)
        carol_ml = await enrol(uow, "carol", ml)
        bob_ml.active = False
        await uow.memberships.save(bob_ml)
        await uow.commit()
    async with uow_factory() as uow:
        alice = await uow.members.get(alice_ml.member_id)
        assert list(await uow.memberships.active_for_member(alice_ml.member_id)) == [
            (alice_ml, ml), (alice_stats, stats)]
        assert list(await uow.memberships.active_for_member(bob_ml.member_id)) == []
        assert list(await uow.memberships.active_for_member(alice_ml.member_id + 1000)) == []
        carol = await uow.members.get(carol_ml.member_id)
        assert list(await uow.memberships.active_in_cohort(ml.id)) == [  # type: ignore[arg-type]
            (alice_ml, alice), (carol_ml, carol)]
        assert list(await uow.memberships.active_in_cohort(left.id)) == []  # type: ignore[arg-type]
        # inactive memberships are still found directly
        assert await uow.memberships.get(left.id, alice_left.member_id) == alice_left  # type: ignore[arg-type]


async def test_reset_streak_states_touches_only_that_cohort(uow_factory: UnitOfWorkFactory) -> None:
    state = StreakState(streak=3, freezes=0, longest=3, through=D0)
    async with uow_factory() as uow:
        ml = await new_cohort(uow, "ml", channel="c-1")
        stats = await new_cohort(uow, "stats", channel="c-2")
        a = await enrol(uow, "alice", ml, streak_state=state)
        b = await enrol(uow, "bob", ml, streak_state=state, active=False)
        c = await enrol(uow, "alice", stats, streak_state=state)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.memberships.reset_streak_states(ml.id)  # type: ignore[arg-type]
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.memberships.get_by_id(a.id) == replace(a, streak_state=None)  # type: ignore[arg-type]
        assert await uow.memberships.get_by_id(b.id) == replace(b, streak_state=None)  # type: ignore[arg-type]
        assert await uow.memberships.get_by_id(c.id) == c  # type: ignore[arg-type]


# --- check-ins --------------------------------------------------------------------------------------------
async def test_checkin_add_and_find_by_key(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        membership = await enrol(uow, "alice", cohort)
        checkin = await uow.checkins.add(replace(a_checkin(membership, "interaction-1", minutes=25),
                                                 note="backprop by hand", link="https://example.com/x",
                                                 source="sprint"))
        bare = await uow.checkins.add(a_checkin(membership, "interaction-2"))
        assert checkin.id is not None and bare.id is not None and checkin.id != bare.id
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.checkins.find_by_key(membership.member_id, "interaction-1") == checkin
        found = await uow.checkins.find_by_key(membership.member_id, "interaction-2")
        assert found == bare
        assert found is not None and found.note is None and found.link is None and found.source == "command"
        assert await uow.checkins.find_by_key(membership.member_id, "interaction-3") is None
        assert await uow.checkins.find_by_key(membership.member_id + 1000, "interaction-1") is None


async def test_duplicate_idempotency_key_raises_and_keeps_the_uow_usable(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        alice = await enrol(uow, "alice", cohort)
        bob = await enrol(uow, "bob", cohort)
        first = await uow.checkins.add(a_checkin(alice, "same-key", minutes=30))
        await uow.commit()
    async with uow_factory() as uow:
        kept = await uow.checkins.add(a_checkin(alice, "before", minutes=5))
        with pytest.raises(DuplicateKey):
            await uow.checkins.add(a_checkin(alice, "same-key", minutes=45))
        # still usable, the earlier write in this transaction survives, and the key is per member
        other = await uow.checkins.add(a_checkin(bob, "same-key", minutes=10))
        assert await uow.checkins.minutes_on(alice.id, D0) == 35  # type: ignore[arg-type]
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.checkins.find_by_key(alice.member_id, "same-key") == first
        assert await uow.checkins.find_by_key(alice.member_id, "before") == kept
        assert await uow.checkins.find_by_key(bob.member_id, "same-key") == other
        assert await uow.checkins.minutes_on(alice.id, D0) == 35  # type: ignore[arg-type]
        # within one transaction too
        await uow.checkins.add(a_checkin(bob, "fresh"))
        with pytest.raises(DuplicateKey):
            await uow.checkins.add(a_checkin(bob, "fresh"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.checkins.minutes_on(bob.id, D0) == 40  # type: ignore[arg-type]


async def test_minutes_on_first_day_and_minutes_by_day(uow_factory: UnitOfWorkFactory) -> None:
    d = [D0 + timedelta(days=i) for i in range(5)]
    async with uow_factory() as uow:
        ml = await new_cohort(uow, "ml", channel="c-1")
        stats = await new_cohort(uow, "stats", channel="c-2")
        alice = await enrol(uow, "alice", ml)
        alice_stats = await enrol(uow, "alice", stats)
        bob = await enrol(uow, "bob", ml)
        for key, day, minutes in [("a1", d[3], 10), ("a2", d[1], 20), ("a3", d[1], 15), ("a4", d[4], 600)]:
            await uow.checkins.add(a_checkin(alice, key, day, minutes))
        await uow.checkins.add(a_checkin(alice_stats, "s1", d[0], 99))
        await uow.checkins.add(a_checkin(bob, "b1", d[2], 7))
        await uow.commit()
    async with uow_factory() as uow:
        assert alice.id is not None and bob.id is not None and alice_stats.id is not None
        assert await uow.checkins.minutes_on(alice.id, d[1]) == 35
        assert await uow.checkins.minutes_on(alice.id, d[0]) == 0
        assert await uow.checkins.minutes_on(alice.id, d[2]) == 0
        assert await uow.checkins.minutes_on(alice_stats.id, d[0]) == 99
        assert await uow.checkins.first_day(alice.id) == d[1]
        assert await uow.checkins.first_day(alice_stats.id) == d[0]
        assert await uow.checkins.first_day(alice.id + bob.id + alice_stats.id + 1000) is None
        assert await uow.checkins.minutes_by_day(alice.id, d[0]) == {d[1]: 35, d[3]: 10, d[4]: 600}
        assert await uow.checkins.minutes_by_day(alice.id, d[1]) == {d[1]: 35, d[3]: 10, d[4]: 600}  # inclusive
        assert await uow.checkins.minutes_by_day(alice.id, d[2]) == {d[3]: 10, d[4]: 600}
        assert await uow.checkins.minutes_by_day(alice.id, d[4] + timedelta(days=1)) == {}
        assert await uow.checkins.minutes_by_day(bob.id, d[0]) == {d[2]: 7}


async def test_cohort_aggregates(uow_factory: UnitOfWorkFactory) -> None:
    d = [D0 + timedelta(days=i) for i in range(6)]
    async with uow_factory() as uow:
        ml = await new_cohort(uow, "ml", channel="c-1")
        stats = await new_cohort(uow, "stats", channel="c-2")
        alice = await enrol(uow, "alice", ml)
        bob = await enrol(uow, "bob", ml)
        await enrol(uow, "carol", ml)  # never checked in
        alice_stats = await enrol(uow, "alice", stats)
        rows = [(alice, "a1", d[1], 30), (alice, "a2", d[1], 5), (alice, "a3", d[3], 40), (alice, "a4", d[5], 1),
                (bob, "b1", d[0], 60), (bob, "b2", d[3], 20), (bob, "b3", d[3], 25),
                (alice_stats, "s1", d[0], 90), (alice_stats, "s2", d[4], 15)]
        for membership, key, day, minutes in rows:
            await uow.checkins.add(a_checkin(membership, key, day, minutes))
        await uow.commit()
    a, b, s = alice.id, bob.id, alice_stats.id
    assert a is not None and b is not None and s is not None and ml.id is not None and stats.id is not None
    async with uow_factory() as uow:
        checkins = uow.checkins
        assert await checkins.minutes_by_day_in_cohort(ml.id, d[0]) == {
            a: {d[1]: 35, d[3]: 40, d[5]: 1}, b: {d[0]: 60, d[3]: 45}}
        assert await checkins.minutes_by_day_in_cohort(ml.id, d[3]) == {a: {d[3]: 40, d[5]: 1}, b: {d[3]: 45}}
        assert await checkins.minutes_by_day_in_cohort(ml.id, d[4]) == {a: {d[5]: 1}}
        assert await checkins.minutes_by_day_in_cohort(ml.id, d[5] + timedelta(days=1)) == {}
        assert await checkins.minutes_by_day_in_cohort(stats.id, d[0]) == {s: {d[0]: 90, d[4]: 15}}

        assert await checkins.first_days_in_cohort(ml.id) == {a: d[1], b: d[0]}
        assert await checkins.first_days_in_cohort(stats.id) == {s: d[0]}
        assert await checkins.first_days_in_cohort(ml.id + stats.id + 1000) == {}

        assert await checkins.totals_in_cohort(ml.id, None, None) == {a: 76, b: 105}
        assert await checkins.totals_in_cohort(ml.id, d[1], d[3]) == {a: 75, b: 45}  # both bounds inclusive
        assert await checkins.totals_in_cohort(ml.id, d[3], None) == {a: 41, b: 45}
        assert await checkins.totals_in_cohort(ml.id, None, d[1]) == {a: 35, b: 60}
        assert await checkins.totals_in_cohort(ml.id, d[4], d[4]) == {}  # nobody: absent, not zero
        assert await checkins.totals_in_cohort(ml.id, d[5], d[5]) == {a: 1}
        assert await checkins.totals_in_cohort(stats.id, None, d[3]) == {s: 90}


async def test_checkin_instants_round_trip_as_aware_utc(uow_factory: UnitOfWorkFactory) -> None:
    plus_five = timezone(timedelta(hours=5, minutes=30))
    written = datetime(2026, 3, 7, 1, 2, 3, 456789, tzinfo=plus_five)
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        membership = await enrol(uow, "alice", cohort)
        await uow.checkins.add(replace(a_checkin(membership, "k"), created_at=written))
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.checkins.find_by_key(membership.member_id, "k")
        assert found is not None
        assert found.created_at == written
        assert found.created_at.utcoffset() == timedelta(0)
        assert found.created_at.astimezone(UTC) == datetime(2026, 3, 6, 19, 32, 3, 456789, tzinfo=UTC)
        cohort_again = await uow.cohorts.get(cohort.id)  # type: ignore[arg-type]
        assert cohort_again is not None and cohort_again.created_at == T0
        assert cohort_again.created_at.utcoffset() == timedelta(0)  # type: ignore[union-attr]
        membership_again = await uow.memberships.get_by_id(membership.id)  # type: ignore[arg-type]
        assert membership_again is not None and membership_again.joined_at == T0
        assert membership_again.joined_at.utcoffset() == timedelta(0)  # type: ignore[union-attr]


# --- sprints ----------------------------------------------------------------------------------------------
async def test_sprint_add_active_for_member_and_save(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        alice = await enrol(uow, "alice", cohort)
        sprint = await uow.sprints.add(a_sprint(alice))
        assert sprint.id is not None and sprint.status is SprintStatus.ACTIVE and sprint.minutes is None
        await uow.commit()
    async with uow_factory() as uow:
        active = await uow.sprints.active_for_member(alice.member_id)
        assert active == sprint
        assert active is not None and active.status is SprintStatus.ACTIVE and active.goal == "read"
        assert active.started_at == T0 and active.ends_at == T0 + timedelta(minutes=30)
        assert active.ends_at.utcoffset() == timedelta(0)
        assert await uow.sprints.active_for_member(alice.member_id + 1000) is None
        active.status, active.minutes = SprintStatus.STOPPED, 12
        await uow.sprints.save(active)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sprints.active_for_member(alice.member_id) is None
        assert list(await uow.sprints.due(T0 + timedelta(days=1))) == []
        # a finished sprint does not block a new one
        again = await uow.sprints.add(a_sprint(alice, started_at=T0 + timedelta(hours=1)))
        assert again.id != sprint.id
        assert await uow.sprints.active_for_member(alice.member_id) == again


async def test_one_active_sprint_per_member(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        ml = await new_cohort(uow, "ml", channel="c-1")
        stats = await new_cohort(uow, "stats", channel="c-2")
        alice_ml = await enrol(uow, "alice", ml)
        alice_stats = await enrol(uow, "alice", stats)
        bob = await enrol(uow, "bob", ml)
        first = await uow.sprints.add(a_sprint(alice_ml))
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(DuplicateKey):
            await uow.sprints.add(a_sprint(alice_ml, ends_in=45))
        with pytest.raises(DuplicateKey):  # per member, across cohorts
            await uow.sprints.add(a_sprint(alice_stats))
        bobs = await uow.sprints.add(a_sprint(bob))  # the unit of work is still usable
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sprints.active_for_member(alice_ml.member_id) == first
        assert await uow.sprints.active_for_member(bob.member_id) == bobs
        assert [s.id for s in await uow.sprints.due(T0 + timedelta(days=1))] == sorted([first.id, bobs.id])


async def test_due_sprints_oldest_first_with_limit(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        users = ["u0", "u1", "u2", "u3", "u4"]
        enrolled = [await enrol(uow, user, cohort) for user in users]
        # ends at T0+50, T0+10, T0+30, T0+20 (stopped), T0+40
        ends = [50, 10, 30, 20, 40]
        sprints = [await uow.sprints.add(a_sprint(m, ends_in=e)) for m, e in zip(enrolled, ends, strict=True)]
        sprints[3].status, sprints[3].minutes = SprintStatus.STOPPED, 5
        await uow.sprints.save(sprints[3])
        await uow.commit()
    async with uow_factory() as uow:
        due = uow.sprints.due
        assert list(await due(T0 + timedelta(minutes=9))) == []
        assert list(await due(T0 + timedelta(minutes=10))) == [sprints[1]]  # ends_at == now is due
        assert list(await due(T0 + timedelta(minutes=45))) == [sprints[1], sprints[2], sprints[4]]
        assert list(await due(T0 + timedelta(hours=2))) == [sprints[1], sprints[2], sprints[4], sprints[0]]
        assert list(await due(T0 + timedelta(hours=2), limit=2)) == [sprints[1], sprints[2]]
        # `now` in another zone is the same instant
        other_zone = (T0 + timedelta(minutes=30)).astimezone(timezone(timedelta(hours=-7)))
        assert list(await due(other_zone)) == [sprints[1], sprints[2]]
        for sprint in await due(T0 + timedelta(hours=2)):
            assert sprint.ends_at.utcoffset() == timedelta(0) and sprint.started_at.utcoffset() == timedelta(0)


# --- pauses -----------------------------------------------------------------------------------------------
async def test_pauses(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        alice = await uow.members.add(a_member("alice"))
        bob = await uow.members.add(a_member("bob"))
        carol = await uow.members.add(a_member("carol"))
        assert alice.id is not None and bob.id is not None and carol.id is not None
        week = await uow.pauses.add(Pause(member_id=alice.id, start=D0, end=D0 + timedelta(days=6)))
        later = D0 + timedelta(days=20)
        day = await uow.pauses.add(Pause(member_id=alice.id, start=later, end=later))
        bobs = await uow.pauses.add(Pause(member_id=bob.id, start=D0, end=D0 + timedelta(days=1)))
        assert len({week.id, day.id, bobs.id}) == 3 and None not in {week.id, day.id, bobs.id}
        await uow.commit()
    async with uow_factory() as uow:
        assert sorted(await uow.pauses.for_member(alice.id), key=lambda p: p.id or 0) == [week, day]
        assert list(await uow.pauses.for_member(carol.id)) == []
        found = await uow.pauses.for_members([alice.id, bob.id, carol.id, carol.id + 1000])
        assert set(found) == {alice.id, bob.id, carol.id, carol.id + 1000}
        assert sorted(found[alice.id], key=lambda p: p.id or 0) == [week, day]
        assert found[bob.id] == [bobs]
        assert found[carol.id] == [] and found[carol.id + 1000] == []
        assert await uow.pauses.for_members([]) == {}
        assert await uow.pauses.for_members([bob.id]) == {bob.id: [bobs]}

        week.end = D0 + timedelta(days=2)
        await uow.pauses.save(week)
        await uow.pauses.remove(bobs.id)  # type: ignore[arg-type]
        await uow.commit()
    async with uow_factory() as uow:
        assert sorted(await uow.pauses.for_member(alice.id), key=lambda p: p.id or 0) == [week, day]
        assert list(await uow.pauses.for_member(bob.id)) == []
        assert await uow.pauses.for_members([bob.id]) == {bob.id: []}


async def test_pause_remove_without_commit_is_rolled_back(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        alice = await uow.members.add(a_member("alice"))
        assert alice.id is not None
        pause = await uow.pauses.add(Pause(member_id=alice.id, start=D0, end=D0))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.pauses.remove(pause.id)  # type: ignore[arg-type]
        assert list(await uow.pauses.for_member(alice.id)) == []
    async with uow_factory() as uow:
        assert list(await uow.pauses.for_member(alice.id)) == [pause]
