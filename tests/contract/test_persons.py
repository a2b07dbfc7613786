"""Linked accounts and bridged cohorts (issue 21) on the fake, SQLite and Postgres: `PersonRepository.join` and
`split` move a person's data between accounts and keep every kept-on-write figure (board totals, period totals,
done days) equal to what the check-ins say; one-time codes and wrong-code counts; a cohort's homes, and the
look-ups that see a cohort bridged into a workspace."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from bot.domain import Buddy, BuddyStatus, CheckIn, Cohort, CohortHome, LinkCode, Member, Membership, Pause, Role
from bot.localtime import week_start
from bot.ports import DuplicateKey, UnitOfWork, UnitOfWorkFactory
from bot.ranking import Board
from tests.contract.test_repositories import D0, T0, a_checkin, a_member, new_cohort

ONE_DAY = timedelta(days=1)
FEB = date(2026, 2, 27)  # a Friday in the week and month before D0's (Friday 2026-03-06)
DAYS = (D0, D0 - ONE_DAY, FEB)


def _slack(user: str) -> Member:
    return a_member(user, platform="slack", workspace="team-1")


def _telegram(user: str) -> Member:
    return a_member(user, platform="telegram", workspace="tg")


async def _join(uow: UnitOfWork, cohort: Cohort, member: Member, role: Role = Role.MEMBER) -> Membership:
    assert cohort.id is not None and member.id is not None
    return await uow.memberships.add(Membership(cohort.id, member.id, role=role, joined_at=T0))


async def _log(uow: UnitOfWork, membership: Membership, *entries: tuple[str, date, int]) -> list[CheckIn]:
    stored = await uow.checkins.add_many([a_checkin(membership, key, day, minutes) for key, day, minutes in entries])
    assert all(c is not None for c in stored)
    return stored  # type: ignore[return-value]


async def _figures_match_the_checkins(uow: UnitOfWork, cohort: Cohort) -> dict[str, dict[int, int]]:
    """Every board (all-time; the weeks and months of DAYS) and the cohort's done days, asserted equal to what its
    check-ins say; returns the boards (kind and start -> member id -> value)."""
    assert cohort.id is not None
    checkins = await uow.checkins.for_cohort(cohort.id)
    pairs = await uow.memberships.active_in_cohort(cohort.id)
    membership_of = {member.id: membership.id for membership, member in pairs}
    for checkin in checkins:  # each check-in lies in its member's own membership
        assert membership_of.get(checkin.member_id, checkin.membership_id) == checkin.membership_id, checkin
    boards: dict[str, dict[int, int]] = {}
    for kind, start in [("all", None), *(("week", week_start(d)) for d in DAYS),
                        *(("month", d.replace(day=1)) for d in DAYS)]:
        expected: dict[int, int] = defaultdict(int)
        for checkin in checkins:
            if start is None or (week_start(checkin.local_date) if kind == "week"
                                 else checkin.local_date.replace(day=1)) == start:
                expected[checkin.member_id] += checkin.minutes
        board = Board(cohort.id, kind, starts_on=start)
        leaders = {e.member_id: e.value for e in await uow.memberships.board_leaders(board, 100)}
        label = f"{kind} {start}"
        assert leaders == {m: v for m, v in expected.items() if v > 0 and m in membership_of}, label
        for _, member in pairs:
            entry = await uow.memberships.board_entry(board, member.id or 0)
            assert entry is not None, (label, member.user_id)
            assert (entry.membership_id, entry.value) == (membership_of[member.id], expected.get(member.id or 0, 0)), \
                (label, member.user_id)
        if kind != "month":
            totals = await uow.checkins.totals_in_cohort(
                cohort.id, start, None if start is None else start + timedelta(days=6))
            by_membership: dict[int, int] = defaultdict(int)
            for checkin in checkins:
                if start is None or start <= checkin.local_date <= start + timedelta(days=6):
                    by_membership[checkin.membership_id] += checkin.minutes
            assert {m: v for m, v in totals.items() if v} == dict(by_membership), label
        boards[label] = dict(leaders)
    per_day: dict[tuple[int, date], int] = defaultdict(int)
    for checkin in checkins:
        per_day[checkin.membership_id, checkin.local_date] += checkin.minutes
    done: dict[date, int] = defaultdict(int)
    for (_, day), minutes in per_day.items():
        if minutes >= cohort.daily_target:
            done[day] += 1
    counts = await uow.checkins.done_counts(cohort.id, D0 - 60 * ONE_DAY)
    assert {day: n for day, n in counts.items() if n} == dict(done), "done days"
    return boards


async def _keys(uow: UnitOfWork, membership_id: int) -> dict[str, tuple[int, int | None, int]]:
    """The membership's check-ins: idempotency key -> (member id, account id, minutes)."""
    return {c.idempotency_key: (c.member_id, c.account_id, c.minutes)
            for c in await uow.checkins.for_membership(membership_id)}


# --- join ---------------------------------------------------------------------------------------------------
async def test_join_in_one_cohort_merges_the_memberships(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)  # daily target 30
        ann = await uow.members.add(a_member("ann"))
        sam = await uow.members.add(_slack("ann"))  # ann on Slack, a person of her own so far
        ben = await uow.members.add(a_member("ben"))
        assert ann.id and sam.id and ben.id and cohort.id
        mine = await _join(uow, cohort, ann)
        theirs = await _join(uow, cohort, sam, Role.ORGANIZER)
        bens = await _join(uow, cohort, ben)
        await _log(uow, mine, ("k1", D0, 20), ("k2", D0 - ONE_DAY, 30))
        await _log(uow, theirs, ("k1", D0, 15), ("k3", D0 - ONE_DAY, 10), ("k4", FEB, 40))
        await _log(uow, bens, ("b1", D0, 30))
        for membership, step in ((mine, 1), (theirs, 1), (theirs, 2)):
            assert await uow.roadmaps.mark_done(membership.id or 0, step, T0)
        await uow.buddies.add(Buddy(cohort.id, ann.id, sam.id, T0, BuddyStatus.ACTIVE))  # buddies of themselves
        await uow.buddies.add(Buddy(cohort.id, sam.id, ben.id, T0, BuddyStatus.ACTIVE))
        await uow.buddies.add(Buddy(cohort.id, ben.id, sam.id, T0 + ONE_DAY))
        kept_pause = await uow.pauses.add(Pause(ann.id, D0 + ONE_DAY, D0 + 3 * ONE_DAY))
        await uow.pauses.add(Pause(sam.id, D0 + 5 * ONE_DAY, D0 + 6 * ONE_DAY))
        await uow.commit()
    async with uow_factory() as uow:
        before = await _figures_match_the_checkins(uow, cohort)
        assert before["all None"] == {ann.id: 50, sam.id: 65, ben.id: 30}
        assert await uow.persons.join(ann.id, sam.id) == [cohort.id]
        await uow.commit()
    async with uow_factory() as uow:
        # The accounts: Slack ann points at the holder, who is linked now.
        holder, other = await uow.members.get(ann.id), await uow.members.get(sam.id)
        assert holder is not None and other is not None
        assert (holder.person_id, holder.linked, other.person_id, other.linked) == (None, True, ann.id, False)
        assert await uow.members.find("slack", "team-1", "ann") == holder
        assert await uow.members.account("slack", "team-1", "ann") == other
        assert (await uow.members.find_many("slack", "team-1", ["ann", "nobody"])) == {"ann": holder}
        assert await uow.persons.accounts([ann.id]) == {ann.id: [holder, other]}
        # A linked account's own id, or no account's, names no person.
        assert await uow.persons.accounts([sam.id, ben.id + 1000]) == {sam.id: [], ben.id + 1000: []}
        assert await uow.persons.accounts([]) == {}
        # One membership, organizer since the other was.
        assert await uow.memberships.get(cohort.id, sam.id) is None
        assert await uow.memberships.get_by_id(theirs.id or 0) is None
        merged = await uow.memberships.get(cohort.id, ann.id)
        assert merged is not None and merged.id == mine.id and merged.role is Role.ORGANIZER
        assert [m.id for m, _ in await uow.memberships.active_for_member(ann.id)] == [mine.id]
        # Every check-in of both in it, marked with the account that recorded it; the clashing key renamed.
        assert await _keys(uow, mine.id or 0) == {
            "k1": (ann.id, None, 20), "k2": (ann.id, None, 30), f"k1@{sam.id}": (ann.id, sam.id, 15),
            "k3": (ann.id, sam.id, 10), "k4": (ann.id, sam.id, 40)}
        assert [c.cohort_id for c in await uow.checkins.for_membership(mine.id or 0)] == [cohort.id] * 5
        renamed = await uow.checkins.find_by_key(ann.id, f"k1@{sam.id}")
        assert renamed is not None and renamed.minutes == 15
        assert await uow.checkins.find_by_key(sam.id, "k3") is None
        assert await uow.roadmaps.steps_done(mine.id or 0) == {1, 2}
        assert await uow.roadmaps.steps_done_in_cohort(cohort.id) == {mine.id: {1, 2}}
        # Buddies: the pair of the two is gone, the others name the holder.
        pairs = await uow.buddies.for_member(cohort.id, ann.id)
        assert sorted((b.requester_id, b.partner_id) for b in pairs) == sorted([(ann.id, ben.id), (ben.id, ann.id)])
        assert await uow.buddies.for_member(cohort.id, sam.id) == []
        # Pauses: the other's gone, the holder's kept.
        assert await uow.pauses.for_member(sam.id) == []
        assert await uow.pauses.for_member(ann.id) == [kept_pause]
        # The figures: the merged membership's board streak unknown, every total what the check-ins say.
        assert mine.id in await uow.memberships.board_unknown(cohort.id)
        after = await _figures_match_the_checkins(uow, cohort)
        assert after["all None"] == {ann.id: 115, ben.id: 30}
        assert after[f"week {week_start(D0)}"] == {ann.id: 75, ben.id: 30}
        assert after["month 2026-02-01"] == {ann.id: 40}
        counts = await uow.checkins.done_counts(cohort.id, FEB)
        assert {day: n for day, n in counts.items() if n} == {D0: 2, D0 - ONE_DAY: 1, FEB: 1}


async def test_join_across_cohorts_moves_the_membership(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        club = await new_cohort(uow)
        other_club = await new_cohort(uow, "slack-club", owner="owner2", channel="other")
        ann = await uow.members.add(a_member("ann"))
        sam = await uow.members.add(_slack("ann"))
        assert ann.id and sam.id and club.id and other_club.id
        mine = await _join(uow, club, ann)
        theirs = await _join(uow, other_club, sam, Role.ORGANIZER)
        await _log(uow, mine, ("k1", D0, 20))
        await _log(uow, theirs, ("k1", D0, 35), ("k2", FEB, 25))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.persons.join(ann.id, sam.id) == []
        await uow.commit()
    async with uow_factory() as uow:
        moved = await uow.memberships.get(other_club.id, ann.id)
        assert moved is not None and moved.id == theirs.id and moved.role is Role.ORGANIZER
        assert await uow.memberships.get(other_club.id, sam.id) is None
        assert sorted(m.id or 0 for m, _ in await uow.memberships.active_for_member(ann.id)) \
            == sorted([mine.id or 0, theirs.id or 0])
        assert await _keys(uow, mine.id or 0) == {"k1": (ann.id, None, 20)}
        # The same key in another cohort's membership: the holder already used it, so it is renamed too.
        assert await _keys(uow, theirs.id or 0) == {f"k1@{sam.id}": (ann.id, sam.id, 35),
                                                    "k2": (ann.id, sam.id, 25)}
        for cohort in (club, other_club):
            await _figures_match_the_checkins(uow, cohort)
        boards = await _figures_match_the_checkins(uow, other_club)
        assert boards["all None"] == {ann.id: 60}
        assert await uow.memberships.board_entry(Board(other_club.id, "all"), sam.id) is None


# --- split --------------------------------------------------------------------------------------------------
async def _three_accounts(
        uow_factory: UnitOfWorkFactory) -> tuple[Cohort, Member, Member, Member, Member, Membership]:
    """ann (Discord) holding Slack ann and Telegram ann, all three having checked in to one cohort; ben too."""
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        ann = await uow.members.add(replace(a_member("ann"), timezone="Europe/Berlin", hidden=False,
                                            allow_mentions=False))
        sam = await uow.members.add(_slack("ann"))
        tom = await uow.members.add(_telegram("ann"))
        ben = await uow.members.add(a_member("ben"))
        mine = await _join(uow, cohort, ann, Role.ORGANIZER)
        bens = await _join(uow, cohort, ben)
        await _log(uow, mine, ("a1", D0, 20), ("a2", D0 - ONE_DAY, 30))
        await _log(uow, bens, ("b1", D0, 30))
        for member in (sam, tom):
            await _join(uow, cohort, member)
        await _log(uow, (await uow.memberships.get(cohort.id or 0, sam.id or 0)),  # type: ignore[arg-type]
                   ("s1", D0, 15), ("s2", FEB, 40))
        await _log(uow, (await uow.memberships.get(cohort.id or 0, tom.id or 0)),  # type: ignore[arg-type]
                   ("t1", D0 - ONE_DAY, 5))
        await uow.pauses.add(Pause(ann.id or 0, D0 + ONE_DAY, D0 + 2 * ONE_DAY))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.persons.join(ann.id or 0, sam.id or 0) == [cohort.id]
        assert await uow.persons.join(ann.id or 0, tom.id or 0) == [cohort.id]
        await uow.commit()
    async with uow_factory() as uow:
        assert await _keys(uow, mine.id or 0) == {
            "a1": (ann.id, None, 20), "a2": (ann.id, None, 30), "s1": (ann.id, sam.id, 15),
            "s2": (ann.id, sam.id, 40), "t1": (ann.id, tom.id, 5)}
        await _figures_match_the_checkins(uow, cohort)
        assert [a.id for a in (await uow.persons.accounts([ann.id or 0]))[ann.id or 0]] == [ann.id, sam.id, tom.id]
    return cohort, ann, sam, tom, ben, mine


async def test_split_of_a_linked_account_gives_back_what_it_recorded(uow_factory: UnitOfWorkFactory) -> None:
    cohort, ann, sam, tom, ben, mine = await _three_accounts(uow_factory)
    assert cohort.id and ann.id and sam.id and tom.id and ben.id
    async with uow_factory() as uow:
        await uow.persons.split(sam.id)
        await uow.commit()
    async with uow_factory() as uow:
        holder, gone = await uow.members.get(ann.id), await uow.members.get(sam.id)
        assert holder is not None and gone is not None
        assert (holder.linked, gone.person_id, gone.linked) == (True, None, False)  # Telegram ann is still linked
        assert await uow.members.find("slack", "team-1", "ann") == gone
        assert await uow.members.find("telegram", "tg", "ann") == holder
        own = await uow.memberships.get(cohort.id, sam.id)
        assert own is not None and own.id != mine.id and own.role is Role.MEMBER and own.active
        assert own.joined_at == T0
        assert await _keys(uow, own.id or 0) == {"s1": (sam.id, None, 15), "s2": (sam.id, None, 40)}
        assert await _keys(uow, mine.id or 0) == {"a1": (ann.id, None, 20), "a2": (ann.id, None, 30),
                                                  "t1": (ann.id, tom.id, 5)}
        assert (await uow.memberships.get(cohort.id, ann.id)).role is Role.ORGANIZER  # type: ignore[union-attr]
        assert {mine.id, own.id} <= set(await uow.memberships.board_unknown(cohort.id))
        boards = await _figures_match_the_checkins(uow, cohort)
        assert boards["all None"] == {ann.id: 55, sam.id: 55, ben.id: 30}
        assert boards["month 2026-02-01"] == {sam.id: 40}
        assert await uow.persons.accounts([ann.id, sam.id]) == {ann.id: [holder, (await uow.members.get(tom.id))],
                                                                  sam.id: [gone]}
        await uow.persons.split(tom.id)
        await uow.commit()
    async with uow_factory() as uow:
        holder = await uow.members.get(ann.id)
        assert holder is not None and (holder.person_id, holder.linked) == (None, False)  # no other account left
        assert await _keys(uow, mine.id or 0) == {"a1": (ann.id, None, 20), "a2": (ann.id, None, 30)}
        boards = await _figures_match_the_checkins(uow, cohort)
        assert boards["all None"] == {ann.id: 50, sam.id: 55, tom.id: 5, ben.id: 30}
        # Splitting an account that is a person of its own does nothing.
        await uow.persons.split(tom.id)
        await uow.persons.split(ann.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await _figures_match_the_checkins(uow, cohort))["all None"] == boards["all None"]


async def test_split_of_the_holder_keeps_the_person_and_the_others_leave_together(
        uow_factory: UnitOfWorkFactory) -> None:
    cohort, ann, sam, tom, ben, mine = await _three_accounts(uow_factory)
    assert cohort.id and ann.id and sam.id and tom.id and ben.id
    async with uow_factory() as uow:
        await uow.persons.split(ann.id)
        await uow.commit()
    async with uow_factory() as uow:
        holder, heir, third = (await uow.members.get(ann.id), await uow.members.get(sam.id),
                               await uow.members.get(tom.id))
        assert holder is not None and heir is not None and third is not None
        # The holder keeps the person's data and settings; the others leave it, each with what it recorded, and
        # stay one person together (the oldest of them holding it).
        assert (holder.person_id, holder.linked) == (None, False)
        assert (holder.timezone, holder.allow_mentions) == ("Europe/Berlin", False)
        assert (heir.person_id, heir.linked, third.person_id) == (None, True, sam.id)
        assert await uow.members.find("telegram", "tg", "ann") == heir
        assert await uow.members.find("discord", "guild-1", "ann") == holder
        kept = await uow.memberships.get(cohort.id, ann.id)
        assert kept is not None and kept.id == mine.id and kept.role is Role.ORGANIZER
        assert await _keys(uow, mine.id or 0) == {"a1": (ann.id, None, 20), "a2": (ann.id, None, 30)}
        own = await uow.memberships.get(cohort.id, sam.id)
        assert own is not None and own.id != mine.id and own.role is Role.MEMBER
        assert await _keys(uow, own.id or 0) == {"s1": (sam.id, None, 15), "s2": (sam.id, None, 40),
                                                 "t1": (sam.id, tom.id, 5)}
        assert len(await uow.pauses.for_member(ann.id)) == 1 and await uow.pauses.for_member(sam.id) == []
        boards = await _figures_match_the_checkins(uow, cohort)
        assert boards["all None"] == {ann.id: 50, sam.id: 60, ben.id: 30}
        assert await uow.persons.accounts([sam.id, ann.id]) == {sam.id: [heir, third], ann.id: [holder]}


# --- one-time codes -----------------------------------------------------------------------------------------
async def test_codes_are_replaced_single_use_and_peekable(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        ann = await uow.members.add(a_member("ann"))
        ben = await uow.members.add(a_member("ben"))
        assert ann.id and ben.id and cohort.id
        first = LinkCode("h1", "link", ann.id, T0, T0 + timedelta(minutes=10))
        second = LinkCode("h2", "link", ann.id, T0 + ONE_DAY, T0 + ONE_DAY + timedelta(minutes=10))
        bridge = LinkCode("h3", "bridge", ann.id, T0, T0 + timedelta(minutes=10), cohort_id=cohort.id)
        bens = LinkCode("h4", "link", ben.id, T0, T0 + timedelta(minutes=10))
        for code in (first, bridge, bens, second):
            await uow.persons.add_code(code)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.persons.peek_code("h1") is None  # replaced by ann's later code of that kind
        for code in (second, bridge, bens):
            assert await uow.persons.peek_code(code.code_hash) == code
            assert await uow.persons.peek_code(code.code_hash) == code  # peeking does not use it up
        assert await uow.persons.take_code("h2") == second
        assert await uow.persons.take_code("h2") is None
        assert await uow.persons.peek_code("h2") is None
        assert await uow.persons.take_code("nope") is None
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.persons.take_code("h2") is None
        assert await uow.persons.take_code("h3") == bridge
        # Not committed: the code is there again.
    async with uow_factory() as uow:
        assert await uow.persons.peek_code("h3") == bridge
        assert await uow.persons.peek_code("h4") == bens


async def test_failures_count_within_a_window(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        ann = await uow.members.add(a_member("ann"))
        ben = await uow.members.add(a_member("ben"))
        assert ann.id and ben.id
        for minutes in (120, 50, 30, 1):
            await uow.persons.add_failure(ann.id, T0 - timedelta(minutes=minutes))
        await uow.persons.add_failure(ben.id, T0)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.persons.failures_since(ann.id, T0 - timedelta(hours=1)) == 3
        assert await uow.persons.failures_since(ann.id, T0 - timedelta(minutes=30)) == 2  # the bound counts
        assert await uow.persons.failures_since(ann.id, T0) == 0
        assert await uow.persons.failures_since(ann.id, T0 - ONE_DAY) == 4
        assert await uow.persons.failures_since(ben.id, T0 - ONE_DAY) == 1
        # A failure two days later drops those older than a day before it.
        await uow.persons.add_failure(ann.id, T0 + 2 * ONE_DAY)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.persons.failures_since(ann.id, datetime(2000, 1, 1, tzinfo=T0.tzinfo)) == 1
        assert await uow.persons.failures_since(ben.id, T0 - ONE_DAY) == 1


# --- homes --------------------------------------------------------------------------------------------------
async def test_homes_bridge_a_cohort_into_another_workspace(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        club = await new_cohort(uow, "ML-Club")  # Discord guild-1, #general
        other = await new_cohort(uow, "stats", owner="owner2", channel="stats")
        assert club.id and other.id
        slack_owner = await uow.members.add(_slack("owner"))
        native = await uow.cohorts.add(Cohort("slack", "team-1", "Zeta", "CZ", slack_owner.id or 0, created_at=T0))
        home = await uow.cohorts.add_home(club.id, CohortHome("slack", "team-1", "C1"), T0)
        assert home.id is not None and (home.platform, home.workspace, home.channel_id) == ("slack", "team-1", "C1")
        later = await uow.cohorts.add_home(club.id, CohortHome("telegram", "tg", "-100"), T0 + ONE_DAY)
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(DuplicateKey):
            await uow.cohorts.add_home(other.id, CohortHome("slack", "team-1", "C1"), T0)
        # the transaction is still usable
        third = await uow.cohorts.add_home(other.id, CohortHome("slack", "team-1", "C2"), T0)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.cohorts.homes(club.id) == [CohortHome("discord", "guild-1", "general"), home, later]
        assert await uow.cohorts.homes(other.id) == [CohortHome("discord", "guild-1", "stats"), third]
        assert await uow.cohorts.homes(club.id + other.id + 1000) == []
        assert await uow.cohorts.find_by_channel("slack", "team-1", "C1") == club
        assert await uow.cohorts.find_by_channel("slack", "team-1", "C2") == other
        assert await uow.cohorts.find_by_channel("slack", "team-1", "CZ") == native
        assert await uow.cohorts.find_by_channel("slack", "team-2", "C1") is None
        assert await uow.cohorts.find_by_channel("discord", "guild-1", "general") == club
        assert await uow.cohorts.find_by_name("slack", "team-1", "ml-CLUB") == club
        assert await uow.cohorts.find_by_name("telegram", "tg", "ml-club") == club
        assert await uow.cohorts.find_by_name("slack", "team-2", "ml-club") is None
        assert [c.id for c in await uow.cohorts.list_in_workspace("slack", "team-1")] == [club.id, other.id, native.id]
        assert [c.id for c in await uow.cohorts.list_in_workspace("telegram", "tg")] == [club.id]
        assert [c.id for c in await uow.cohorts.list_in_workspace("discord", "guild-1")] == [club.id, other.id]
        await uow.cohorts.remove_home(home.id or 0)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.cohorts.homes(club.id) == [CohortHome("discord", "guild-1", "general"), later]
        assert await uow.cohorts.find_by_channel("slack", "team-1", "C1") is None
        assert await uow.cohorts.find_by_name("slack", "team-1", "ml-club") is None
        assert [c.id for c in await uow.cohorts.list_in_workspace("slack", "team-1")] == [other.id, native.id]
        # The channel is free again.
        again = await uow.cohorts.add_home(other.id, CohortHome("slack", "team-1", "C1"), T0)
        assert again.id is not None and again.id != home.id


async def test_a_workspace_s_own_cohort_wins_over_a_bridged_one_of_that_name(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        club = await new_cohort(uow, "club")
        slack_owner = await uow.members.add(_slack("owner"))
        own = await uow.cohorts.add(Cohort("slack", "team-1", "CLUB", "C9", slack_owner.id or 0, created_at=T0))
        await uow.cohorts.add_home(club.id or 0, CohortHome("slack", "team-1", "C1"), T0)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.cohorts.find_by_name("slack", "team-1", "club") == own
        assert await uow.cohorts.find_by_channel("slack", "team-1", "C1") == club
        assert {c.id for c in await uow.cohorts.list_in_workspace("slack", "team-1")} == {club.id, own.id}


async def _two_accounts(uow_factory: UnitOfWorkFactory, **settings: object) -> tuple[Member, Member]:
    """ann (Discord) holding Slack ann, with these settings on the holder."""
    async with uow_factory() as uow:
        ann = await uow.members.add(a_member("ann"))
        sam = await uow.members.add(_slack("ann"))
        assert ann.id and sam.id
        await uow.persons.join(ann.id, sam.id)
        holder = await uow.members.get(ann.id)
        assert holder is not None
        await uow.members.save(replace(holder, **settings))  # type: ignore[arg-type]
        await uow.commit()
    return ann, sam


async def test_unlinking_the_account_dms_go_to_takes_the_route_away(uow_factory: UnitOfWorkFactory) -> None:
    ann, sam = await _two_accounts(uow_factory, remind_via="slack", dm_platform="slack", dm_workspace="team-1",
                                   dm_user_id="ann")
    async with uow_factory() as uow:
        assert await uow.persons.accounts([ann.id or 0])  # as `unlink` reads them first
        await uow.persons.split(sam.id or 0)
        await uow.commit()
    async with uow_factory() as uow:
        holder = await uow.members.get(ann.id or 0)
        assert holder is not None
        assert (holder.linked, holder.remind_via, holder.dm_route) == (False, None, ("discord", "guild-1", "ann"))


async def test_unlinking_the_holder_keeps_its_settings_and_the_other_its_own(uow_factory: UnitOfWorkFactory) -> None:
    """The holder chose `remind via:discord` (and a zone) and leaves: it keeps the person's settings, which still name
    a platform it is on; the other account is a person of its own again, with its own settings and DMs to itself."""
    ann, sam = await _two_accounts(uow_factory, remind_via="discord", timezone="Asia/Tokyo")
    async with uow_factory() as uow:
        assert await uow.persons.accounts([ann.id or 0])  # as `unlink` reads them first
        await uow.persons.split(ann.id or 0)
        await uow.commit()
    async with uow_factory() as uow:
        holder, other = await uow.members.get(ann.id or 0), await uow.members.get(sam.id or 0)
        assert holder is not None and other is not None
        assert (holder.person_id, holder.linked, holder.timezone, holder.remind_via) == (None, False, "Asia/Tokyo",
                                                                                         "discord")
        assert (other.person_id, other.linked, other.remind_via) == (None, False, None)
        assert other.dm_route == ("slack", "team-1", "ann")


async def test_join_of_two_persons_with_linked_accounts(uow_factory: UnitOfWorkFactory) -> None:
    """Joining a person who already holds another account: every account of theirs points at the new holder, and
    check-ins keep the account that really recorded them."""
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        ann = await uow.members.add(a_member("ann"))
        sam = await uow.members.add(_slack("ann"))
        tom = await uow.members.add(_telegram("ann"))
        assert ann.id and sam.id and tom.id and cohort.id
        mine, theirs, toms = (await _join(uow, cohort, ann), await _join(uow, cohort, sam),
                              await _join(uow, cohort, tom))
        await _log(uow, mine, ("a1", D0, 10))
        await _log(uow, theirs, ("s1", D0, 20))
        await _log(uow, toms, ("t1", D0, 30))
        assert await uow.persons.join(sam.id, tom.id) == [cohort.id]  # Slack ann holds Telegram ann
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.persons.join(ann.id, sam.id) == [cohort.id]
        await uow.commit()
    async with uow_factory() as uow:
        accounts = (await uow.persons.accounts([ann.id]))[ann.id]
        assert [(a.id, a.person_id, a.linked) for a in accounts] == [(ann.id, None, True), (sam.id, ann.id, False),
                                                                      (tom.id, ann.id, False)]
        assert await uow.members.find("telegram", "tg", "ann") == accounts[0]
        assert await _keys(uow, mine.id or 0) == {"a1": (ann.id, None, 10), "s1": (ann.id, sam.id, 20),
                                                  "t1": (ann.id, tom.id, 30)}
        assert (await _figures_match_the_checkins(uow, cohort))["all None"] == {ann.id: 60}
        await uow.persons.split(tom.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await _keys(uow, mine.id or 0) == {"a1": (ann.id, None, 10), "s1": (ann.id, sam.id, 20)}
        assert (await _figures_match_the_checkins(uow, cohort))["all None"] == {ann.id: 30, tom.id: 30}


async def test_join_keeps_the_active_membership_s_reminders_and_the_earlier_joining(
        uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        ann = await uow.members.add(a_member("ann"))
        sam = await uow.members.add(_slack("ann"))
        assert ann.id and sam.id and cohort.id
        left = await uow.memberships.add(Membership(cohort.id, ann.id, active=False, joined_at=T0,
                                                    reminder_time=None))
        staying = await uow.memberships.add(Membership(
            cohort.id, sam.id, joined_at=T0 - 10 * ONE_DAY, reminder_time=time(7, 30),
            next_reminder_at=T0 + ONE_DAY, next_reminder_day=D0 + ONE_DAY, lastcall_minutes=90))
        await _log(uow, left, ("a1", D0 - ONE_DAY, 30))
        await _log(uow, staying, ("s1", D0, 30))
        assert await uow.roadmaps.mark_done(left.id or 0, 3, T0)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.persons.join(ann.id, sam.id) == [cohort.id]
        await uow.commit()
    async with uow_factory() as uow:
        merged = await uow.memberships.get(cohort.id, ann.id)
        assert merged is not None and merged.id == left.id
        assert (merged.active, merged.role, merged.joined_at, merged.reminder_time, merged.next_reminder_at,
                merged.next_reminder_day, merged.lastcall_minutes) == (
            True, Role.MEMBER, T0 - 10 * ONE_DAY, time(7, 30), T0 + ONE_DAY, D0 + ONE_DAY, 90)
        assert await uow.roadmaps.steps_done(left.id or 0) == {3}
        assert (await _figures_match_the_checkins(uow, cohort))["all None"] == {ann.id: 60}
        due = [e.membership.id for e in await uow.schedule.due_enrolments("next_reminder_at", T0 + ONE_DAY, 10)]
        assert due == [left.id]


async def test_unlinking_the_only_account_of_the_remind_via_platform_forgets_the_choice(
        uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        ann = await uow.members.add(a_member("ann"))
        sam = await uow.members.add(_slack("ann"))
        tom = await uow.members.add(_telegram("ann"))
        assert ann.id and sam.id and tom.id
        await uow.persons.join(ann.id, sam.id)
        await uow.persons.join(ann.id, tom.id)
        holder = await uow.members.get(ann.id)
        assert holder is not None
        await uow.members.save(replace(holder, remind_via="slack", dm_platform="slack", dm_workspace="team-1",
                                       dm_user_id="ann"))  # as `remind via:slack` leaves it
        await uow.commit()
    async with uow_factory() as uow:
        await uow.persons.split(sam.id)
        await uow.commit()
    async with uow_factory() as uow:
        holder = await uow.members.get(ann.id)
        assert holder is not None and holder.linked  # Telegram ann is still linked
        assert holder.dm_route == ("discord", "guild-1", "ann")
        # No Slack account is left: `remind via:slack` means nothing now, and while it stays set, DMs no longer
        # follow where the person checked in last (bot.persons.checked_in_from).
        assert holder.remind_via is None


async def test_join_and_split_roll_back_with_their_unit_of_work(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        ann = await uow.members.add(a_member("ann"))
        sam = await uow.members.add(_slack("ann"))
        assert ann.id and sam.id and cohort.id
        mine, theirs = await _join(uow, cohort, ann), await _join(uow, cohort, sam)
        await _log(uow, mine, ("k1", D0, 20))
        await _log(uow, theirs, ("k1", D0, 15))
        await uow.commit()
    async with uow_factory() as uow:
        before = (await _figures_match_the_checkins(uow, cohort), await _keys(uow, mine.id or 0),
                  await _keys(uow, theirs.id or 0), await uow.persons.accounts([ann.id, sam.id]))
        assert await uow.persons.join(ann.id, sam.id) == [cohort.id]
        assert await uow.memberships.get(cohort.id, sam.id) is None  # seen inside the unit of work
        # Not committed.
    async with uow_factory() as uow:
        assert (await _figures_match_the_checkins(uow, cohort), await _keys(uow, mine.id or 0),
                await _keys(uow, theirs.id or 0), await uow.persons.accounts([ann.id, sam.id])) == before
        await uow.persons.join(ann.id, sam.id)
        await uow.commit()
        await uow.persons.split(sam.id)
        assert await uow.memberships.get(cohort.id, sam.id) is not None
        # Not committed.
    async with uow_factory() as uow:
        assert await uow.memberships.get(cohort.id, sam.id) is None
        assert (await uow.persons.accounts([ann.id]))[ann.id][1].id == sam.id
        assert (await _figures_match_the_checkins(uow, cohort))["all None"] == {ann.id: 35}
