"""Every storage hands out an id once: outbox keys name ids and outlive their rows. The fake has always done so;
this holds SQLite (AUTOINCREMENT since 0005_ids_never_reused) and Postgres (sequences) to the same."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.domain import Cohort, Member, Membership, Pause, Sprint
from bot.ports import UnitOfWorkFactory

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


async def test_the_highest_rows_id_is_not_handed_out_again_once_it_is_deleted(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        ann = await uow.members.add(Member("test", "w", "ann", "Ann"))
        bob = await uow.members.add(Member("test", "w", "bob", "Bob"))
        assert ann.id is not None and bob.id is not None
        cohort = await uow.cohorts.add(Cohort(platform="test", workspace="w", name="club", channel_id="ml",
                                              created_by=ann.id, digest_time=time(20), created_at=NOW))
        gone = await uow.cohorts.add(Cohort(platform="test", workspace="w", name="gone", channel_id="dl",
                                            created_by=ann.id, digest_time=time(20), created_at=NOW))
        assert cohort.id is not None and gone.id is not None
        membership = await uow.memberships.add(Membership(cohort_id=cohort.id, member_id=bob.id, joined_at=NOW))
        assert membership.id is not None
        sprint = await uow.sprints.add(Sprint(bob.id, membership.id, NOW, NOW))
        pause = await uow.pauses.add(Pause(ann.id, date(2026, 3, 3), date(2026, 3, 4)))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.members.remove(bob.id)  # and with him his membership and sprint, the highest of each
        await uow.cohorts.remove(gone.id)
        await uow.pauses.remove(pause.id or 0)
        await uow.commit()
    async with uow_factory() as uow:
        carol = await uow.members.add(Member("test", "w", "carol", "Carol"))
        again = await uow.cohorts.add(Cohort(platform="test", workspace="w", name="gone", channel_id="dl",
                                             created_by=ann.id, digest_time=time(20), created_at=NOW))
        assert carol.id is not None and again.id is not None
        joined = await uow.memberships.add(Membership(cohort_id=cohort.id, member_id=carol.id, joined_at=NOW))
        assert joined.id is not None
        started = await uow.sprints.add(Sprint(carol.id, joined.id, NOW, NOW))
        paused = await uow.pauses.add(Pause(ann.id, date(2026, 3, 3), date(2026, 3, 4)))
        await uow.commit()
    assert carol.id > bob.id and again.id > gone.id and joined.id > membership.id
    assert (started.id or 0) > (sprint.id or 0) and (paused.id or 0) > (pause.id or 0)
