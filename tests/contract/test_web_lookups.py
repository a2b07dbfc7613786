"""What the web pages read (issue 14) on the fake, SQLite and Postgres: a page is found by its slug or token alone
(unique, like the databases' unique indexes), members are counted, and members done per day are counted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.ports import DuplicateKey, UnitOfWorkFactory
from tests.contract.test_repositories import D0, T0, a_checkin, enrol, new_cohort


async def test_a_page_is_found_by_its_slug_or_token_and_each_is_unique(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        first, second = await new_cohort(uow), await new_cohort(uow, "dl-club", owner="own2", channel="dl")
        ann = await enrol(uow, "ann", first)
        ben = await enrol(uow, "ben", second)
        first.web_slug, ann.web_token = "s" * 32, "t" * 32
        await uow.cohorts.save(first)
        await uow.memberships.save(ann)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.cohorts.find_by_web_slug("s" * 32)
        assert found is not None and found.name == "ml-club"
        mine = await uow.memberships.find_by_web_token("t" * 32)
        assert mine is not None and mine.id == ann.id and mine.web_token == "t" * 32
        assert await uow.cohorts.find_by_web_slug("t" * 32) is None
        assert await uow.memberships.find_by_web_token("s" * 32) is None
        second.web_slug = "s" * 32  # taken: the unique index refuses it, as the fake must
        with pytest.raises(DuplicateKey):
            await uow.cohorts.save(second)
    async with uow_factory() as uow:
        ben.web_token = "t" * 32
        with pytest.raises(DuplicateKey):
            await uow.memberships.save(ben)


async def test_members_done_per_day_follow_check_ins_undo_forget_and_the_target(uow_factory: UnitOfWorkFactory
                                                                                   ) -> None:
    """The kept count (SQL: `cohort_days`) against the fake, which counts from the check-ins each time."""
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        ann = await enrol(uow, "ann", cohort)
        ben = await enrol(uow, "ben", cohort)
        cat = await enrol(uow, "cat", cohort, active=False)
        yesterday = D0 - timedelta(days=1)
        stored = await uow.checkins.add_many([
            a_checkin(ann, "a1", D0, 20), a_checkin(ann, "a2", D0, 10),  # 30 in two: done
            a_checkin(ben, "b1", D0, 29),  # not done
            a_checkin(cat, "c1", D0, 45),  # done, though no longer active: the day was theirs
            a_checkin(ben, "b2", yesterday, 60),
            a_checkin(ann, "a3", yesterday - timedelta(days=5), 30)])
        await uow.checkins.add(a_checkin(ben, "b3", D0, 1))  # the one-at-a-time path: ben reaches 30 today
        await uow.commit()
    assert cohort.id is not None and all(stored)
    async with uow_factory() as uow:
        assert await uow.memberships.count_active(cohort.id) == 2
        assert await uow.checkins.done_counts(cohort.id, yesterday) == {D0: 3, yesterday: 1}
        assert await uow.checkins.done_counts(cohort.id, D0 + timedelta(days=1)) == {}
        first = stored[0]
        assert first is not None and await uow.checkins.undo(first, T0)  # ann falls back to 10 today
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.checkins.done_counts(cohort.id, yesterday) == {D0: 2, yesterday: 1}
        await uow.members.remove(cat.member_id)  # forget
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.checkins.done_counts(cohort.id, yesterday) == {D0: 1, yesterday: 1}
        changed = await uow.cohorts.get(cohort.id)
        assert changed is not None
        changed.sprint_minutes = 60  # the target doubles: only ben's 60 yesterday is still a done day
        await uow.cohorts.save(changed)
        await uow.memberships.reset_streak_states(cohort.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.checkins.done_counts(cohort.id, D0 - timedelta(days=30)) == {yesterday: 1}
