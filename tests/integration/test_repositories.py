"""Every repository method against a real database (SQLite, and Postgres when configured)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain import CheckIn, Cohort, Member, Membership, Pause, Role, Sprint, SprintStatus
from bot.ports import DuplicateKey
from bot.streaks import StreakState
from storage import Database
from tests.integration.conftest import NOW, Seed, add_enrolment

DAY = date(2026, 3, 1)


def checkin(seed: Seed, day: date, minutes: int, key: str, **extra: object) -> CheckIn:
    member_id, cohort_id, membership_id = seed.ids
    return CheckIn(membership_id=membership_id, member_id=member_id, cohort_id=cohort_id, local_date=day,
                   minutes=minutes, created_at=NOW, idempotency_key=key, **extra)  # type: ignore[arg-type]


async def test_members(database: Database) -> None:
    async with database.unit_of_work() as uow:
        added = await uow.members.add(Member("slack", "T1", "U1", "Ada", timezone="Europe/Paris"))
        assert added.id is not None
        again = await uow.members.add(Member("slack", "T1", "U1", "Someone else"))
        assert again == added  # an existing (platform, workspace, user) wins
        assert await uow.members.get(added.id) == added
        assert await uow.members.find("slack", "T1", "U1") == added
        assert await uow.members.find("slack", "T2", "U1") is None
        assert await uow.members.get(added.id + 1000) is None
        added.hidden, added.allow_mentions, added.timezone = True, False, None
        await uow.members.save(added)
        added.display_name = "Ada L."
        await uow.members.rename(added.id, added.display_name)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.members.get(added.id) == added


async def test_cohorts(database: Database, seed: Seed) -> None:
    member_id, cohort_id, _ = seed.ids
    async with database.unit_of_work() as uow:
        assert await uow.cohorts.get(cohort_id) == seed.cohort
        assert seed.cohort.created_at == NOW and seed.cohort.digest_time == time(21, 15)
        assert await uow.cohorts.find_by_name("discord", "g1", "ML-CLUB") == seed.cohort
        assert await uow.cohorts.find_by_name("slack", "g1", "ml-club") is None
        assert await uow.cohorts.find_by_channel("discord", "g1", "chan-ml-club") == seed.cohort
        assert await uow.cohorts.find_by_channel("discord", "g1", "elsewhere") is None
        with pytest.raises(DuplicateKey):
            await uow.cohorts.add(Cohort("discord", "g1", "Ml-Club", "other", created_by=member_id))
        other = await uow.cohorts.add(Cohort("discord", "g1", "ai-club", "chan-2", created_by=member_id))
        await uow.cohorts.add(Cohort("discord", "g2", "zzz", "chan-3", created_by=member_id))
        assert [c.name for c in await uow.cohorts.list_in_workspace("discord", "g1")] == ["ai-club", "ml-club"]
        other.name, other.sprint_minutes, other.recap_time, other.recap_weekday = "AI-Club", 25, time(7, 5), 0
        await uow.cohorts.save(other)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.cohorts.find_by_name("discord", "g1", "ai-CLUB") == other
        other.name = "ML-club"
        with pytest.raises(DuplicateKey):  # renamed onto a taken name
            await uow.cohorts.save(other)
        other.name = "ai-club"  # the transaction goes on
        await uow.cohorts.save(other)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.cohorts.get(other.id or 0) == other


async def test_cohort_remove_cascades(database: Database, seed: Seed) -> None:
    member_id, cohort_id, membership_id = seed.ids
    async with database.unit_of_work() as uow:
        await uow.checkins.add(checkin(seed, DAY, 30, "k1"))
        await uow.sprints.add(Sprint(member_id, membership_id, NOW, NOW + timedelta(minutes=30)))
        await uow.pauses.add(Pause(member_id, DAY, DAY))
        assert await uow.memberships.get_by_id(membership_id) is not None  # cached in the session
        await uow.cohorts.remove(cohort_id)
        assert await uow.memberships.get_by_id(membership_id) is None
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.cohorts.get(cohort_id) is None
        assert await uow.memberships.get(cohort_id, member_id) is None
        assert await uow.checkins.find_by_key(member_id, "k1") is None
        assert await uow.sprints.active_for_member(member_id) is None
        assert await uow.members.get(member_id) is not None
        assert len(await uow.pauses.for_member(member_id)) == 1  # pauses belong to the member


async def test_memberships(database: Database, seed: Seed) -> None:
    member_id, cohort_id, membership_id = seed.ids
    async with database.unit_of_work() as uow:
        assert seed.membership.role is Role.MEMBER and seed.membership.streak_state is None
        assert await uow.memberships.get(cohort_id, member_id) == seed.membership
        assert await uow.memberships.get_by_id(membership_id) == seed.membership
        with pytest.raises(DuplicateKey):
            await uow.memberships.add(Membership(cohort_id=cohort_id, member_id=member_id))
        second = await add_enrolment(uow, user_id="u2", cohort=seed.cohort)
        other_cohort = await add_enrolment(uow, user_id="u3", cohort_name="b-club")
        mine = await uow.memberships.add(Membership(cohort_id=other_cohort.ids[1], member_id=member_id,
                                                    role=Role.ORGANIZER, reminder_time=None))
        assert [(m.id, c.name) for m, c in await uow.memberships.active_for_member(member_id)] == [
            (mine.id, "b-club"), (membership_id, "ml-club")]
        assert [(m.id, p.user_id) for m, p in await uow.memberships.active_in_cohort(cohort_id)] == [
            (membership_id, "u1"), (second.membership.id, "u2")]

        state = StreakState(streak=9, freezes=1, longest=12, through=DAY)
        mine.streak_state, mine.active, mine.reminder_time = state, False, time(6, 45)
        await uow.memberships.save(mine)
        assert [c.name for _, c in await uow.memberships.active_for_member(member_id)] == ["ml-club"]
        seed.membership.streak_state = StreakState()
        second.membership.streak_state = state
        await uow.memberships.save(seed.membership)
        await uow.memberships.save(second.membership)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.memberships.get_by_id(mine.id or 0) == mine
        assert (await uow.memberships.get_by_id(membership_id)) == seed.membership  # an empty state is kept
        await uow.memberships.reset_streak_states(cohort_id)
        assert (await uow.memberships.get_by_id(second.membership.id or 0)).streak_state is None  # type: ignore[union-attr]
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert [m.streak_state for m, _ in await uow.memberships.active_in_cohort(cohort_id)] == [None, None]
        assert (await uow.memberships.get_by_id(mine.id or 0)).streak_state == state  # type: ignore[union-attr]


async def test_checkins_and_aggregates(database: Database, seed: Seed) -> None:
    member_id, cohort_id, membership_id = seed.ids
    async with database.unit_of_work() as uow:
        assert await uow.checkins.minutes_on(membership_id, DAY) == 0
        assert await uow.checkins.first_day(membership_id) is None
        assert await uow.checkins.first_days_in_cohort(cohort_id) == {}
        other = await add_enrolment(uow, user_id="u2", cohort=seed.cohort)
        added = await uow.checkins.add(checkin(seed, DAY, 30, "a", note="chapter 3", link="https://x.y",
                                               source="sprint"))
        assert added.id is not None and added.created_at == NOW
        for day, minutes, key in [(DAY, 15, "b"), (DAY + timedelta(days=1), 45, "c"),
                                  (DAY - timedelta(days=3), 20, "d")]:
            await uow.checkins.add(checkin(seed, day, minutes, key))
        await uow.checkins.add(checkin(other, DAY + timedelta(days=1), 60, "a"))  # same key, other member
        await uow.commit()
    other_id = other.ids[2]
    async with database.unit_of_work() as uow:
        assert await uow.checkins.find_by_key(member_id, "a") == added
        assert await uow.checkins.find_by_key(member_id, "zzz") is None
        assert await uow.checkins.minutes_on(membership_id, DAY) == 45
        assert await uow.checkins.first_day(membership_id) == DAY - timedelta(days=3)
        assert await uow.checkins.minutes_by_day(membership_id, DAY) == {DAY: 45, DAY + timedelta(days=1): 45}
        assert await uow.checkins.minutes_by_day_in_cohort(cohort_id, DAY - timedelta(days=3)) == {
            membership_id: {DAY - timedelta(days=3): 20, DAY: 45, DAY + timedelta(days=1): 45},
            other_id: {DAY + timedelta(days=1): 60},
        }
        assert await uow.checkins.first_days_in_cohort(cohort_id) == {
            membership_id: DAY - timedelta(days=3), other_id: DAY + timedelta(days=1)}
        assert await uow.checkins.totals_in_cohort(cohort_id, None, None) == {membership_id: 110, other_id: 60}
        assert await uow.checkins.totals_in_cohort(cohort_id, DAY, DAY) == {membership_id: 45}
        assert await uow.checkins.totals_in_cohort(cohort_id, None, DAY - timedelta(days=1)) == {membership_id: 20}
        assert await uow.checkins.totals_in_cohort(cohort_id, DAY + timedelta(days=1), None) == {
            membership_id: 45, other_id: 60}


async def test_sprints(database: Database, seed: Seed) -> None:
    member_id, _, membership_id = seed.ids
    async with database.unit_of_work() as uow:
        assert await uow.sprints.active_for_member(member_id) is None
        sprint = await uow.sprints.add(Sprint(member_id, membership_id, NOW, NOW + timedelta(minutes=30),
                                              goal="linear algebra"))
        assert sprint.id is not None and sprint.status is SprintStatus.ACTIVE
        with pytest.raises(DuplicateKey):  # one active sprint per member
            await uow.sprints.add(Sprint(member_id, membership_id, NOW, NOW + timedelta(minutes=30)))
        assert await uow.sprints.active_for_member(member_id) == sprint
        other = await add_enrolment(uow, user_id="u2", cohort=seed.cohort)
        early = await uow.sprints.add(Sprint(other.ids[0], other.ids[2], NOW, NOW + timedelta(minutes=10)))
        assert await uow.sprints.due(NOW + timedelta(minutes=5)) == []
        assert await uow.sprints.due(NOW + timedelta(minutes=30)) == [early, sprint]
        assert await uow.sprints.due(NOW + timedelta(hours=1), limit=1) == [early]
        # An instant in another zone compares as the same instant.
        assert await uow.sprints.due(datetime(2026, 3, 2, 10, 40, tzinfo=UTC).astimezone()) == [early, sprint]
        sprint.status, sprint.minutes = SprintStatus.COMPLETED, 30
        await uow.sprints.save(sprint)
        assert await uow.sprints.active_for_member(member_id) is None
        again = await uow.sprints.add(Sprint(member_id, membership_id, NOW, NOW + timedelta(minutes=30)))
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.sprints.active_for_member(member_id) == again
        assert await uow.sprints.due(NOW + timedelta(hours=1)) == [early, again]


async def test_pauses(database: Database, seed: Seed) -> None:
    member_id = seed.ids[0]
    async with database.unit_of_work() as uow:
        later = await uow.pauses.add(Pause(member_id, DAY + timedelta(days=10), DAY + timedelta(days=12)))
        first = await uow.pauses.add(Pause(member_id, DAY, DAY + timedelta(days=2)))
        assert await uow.pauses.for_member(member_id) == [first, later]
        assert await uow.pauses.for_members([]) == {}
        assert await uow.pauses.for_members([member_id, 999]) == {member_id: [first, later], 999: []}
        first.end = DAY + timedelta(days=5)
        await uow.pauses.save(first)
        await uow.pauses.remove(later.id or 0)
        await uow.commit()
    async with database.unit_of_work() as uow:
        assert await uow.pauses.for_member(member_id) == [first]


async def test_save_of_an_unknown_row_fails(database: Database) -> None:
    async with database.unit_of_work() as uow:
        with pytest.raises(LookupError):
            await uow.members.save(Member("slack", "T1", "U1", "Ada", id=12345))


async def test_naive_datetimes_are_refused(database: Database, seed: Seed) -> None:
    naive = checkin(seed, DAY, 30, "k")
    naive.created_at = NOW.replace(tzinfo=None)
    async with database.unit_of_work() as uow:
        with pytest.raises(Exception, match="naive datetime"):
            await uow.checkins.add(naive)
