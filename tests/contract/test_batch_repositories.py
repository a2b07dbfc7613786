"""The set-based repository methods behind group-committed check-ins, on the fake, SQLite and Postgres."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import Membership
from bot.ports import UnitOfWorkFactory
from tests.contract.test_repositories import D0, a_checkin, a_member, a_sprint, enrol, new_cohort


async def test_find_many_members_of_one_workspace(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        alice = await uow.members.add(a_member("alice"))
        bob = await uow.members.add(a_member("bob"))
        await uow.members.add(a_member("alice", workspace="guild-2"))
        found = await uow.members.find_many("discord", "guild-1", ["alice", "bob", "nobody", "alice"])
    assert found == {"alice": alice, "bob": bob}


async def test_get_many_memberships_of_a_cohort(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        other = await new_cohort(uow, "nlp", channel="nlp-room")
        ann = await enrol(uow, "ann", cohort)
        ben = await enrol(uow, "ben", cohort, active=False)
        cal = await enrol(uow, "cal", other)
        assert cohort.id is not None
        found = await uow.memberships.get_many(cohort.id, [ann.member_id, ben.member_id, cal.member_id])
    assert found == {ann.member_id: ann, ben.member_id: ben}
    assert found[ben.member_id].active is False


async def test_add_many_skips_keys_already_recorded_and_keeps_the_transaction(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        ann, ben = await enrol(uow, "ann", cohort), await enrol(uow, "ben", cohort)
        await uow.checkins.add(a_checkin(ann, "k1"))
        stored = await uow.checkins.add_many([a_checkin(ann, "k1", minutes=99), a_checkin(ann, "k2", minutes=20),
                                              a_checkin(ben, "k1", minutes=40), a_checkin(ben, "k1", minutes=50)])
        assert stored[0] is None  # ann's k1 was already there
        assert stored[3] is None  # the same key twice in one call: the first one wins
        assert [c.minutes for c in stored if c is not None] == [20, 40]
        assert all(c.id is not None for c in stored if c is not None)
        await uow.commit()
    async with uow_factory() as uow:
        assert ann.id is not None and ben.id is not None
        assert await uow.checkins.minutes_on(ann.id, D0) == 30 + 20
        assert await uow.checkins.minutes_on(ben.id, D0) == 40
        again = await uow.checkins.find_by_key(ann.member_id, "k2")
        assert again is not None and again.id == stored[1].id  # type: ignore[union-attr]


async def test_minutes_first_days_and_days_since_for_many(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        ann, ben, cal = [await enrol(uow, name, cohort) for name in ("ann", "ben", "cal")]
        for days_back, minutes in ((0, 10), (0, 15), (1, 30), (5, 45)):
            await uow.checkins.add(a_checkin(ann, f"a{days_back}-{minutes}", D0 - timedelta(days=days_back),
                                             minutes))
        await uow.checkins.add(a_checkin(ben, "b", D0 - timedelta(days=2), 60))
        ids = [_id(m) for m in (ann, ben, cal)]
        assert await uow.checkins.minutes_on_days([(ids[0], D0), (ids[1], D0), (ids[2], D0),
                                                   (ids[1], D0 - timedelta(days=2))]) == {
            (ids[0], D0): 25, (ids[1], D0): 0, (ids[2], D0): 0, (ids[1], D0 - timedelta(days=2)): 60}
        assert await uow.checkins.first_days(ids) == {ids[0]: D0 - timedelta(days=5), ids[1]: D0 - timedelta(days=2)}
        since = await uow.checkins.minutes_by_day_since({ids[0]: D0 - timedelta(days=1), ids[1]: D0, ids[2]: D0})
        assert since == {ids[0]: {D0: 25, D0 - timedelta(days=1): 30}}


async def test_active_sprints_of_many_members(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        ann, ben = await enrol(uow, "ann", cohort), await enrol(uow, "ben", cohort)
        sprint = await uow.sprints.add(a_sprint(ann))
        assert await uow.sprints.active_for_members([ann.member_id, ben.member_id]) == {ann.member_id: sprint}


def _id(membership: Membership) -> int:
    assert membership.id is not None
    return membership.id


async def test_latest_checkin_of_a_day_and_its_note(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        ann = await enrol(uow, "ann", cohort)
        assert ann.id is not None
        assert await uow.checkins.latest_on(ann.id, D0) is None
        await uow.checkins.add(a_checkin(ann, "first"))
        second = await uow.checkins.add(a_checkin(ann, "second", minutes=25))
        await uow.checkins.add(a_checkin(ann, "yesterday", D0 - timedelta(days=1)))
        latest = await uow.checkins.latest_on(ann.id, D0)
        assert latest == second
        latest.note, latest.link = "attention notes", "https://example.com/n"
        await uow.checkins.save_note(latest)
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.checkins.find_by_key(ann.member_id, "second")
        assert stored is not None and (stored.note, stored.link, stored.minutes) == (
            "attention notes", "https://example.com/n", 25)
