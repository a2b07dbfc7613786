"""Off days, saved repair state and undo (DESIGN.md "Off days, repair and undo") on the fake, SQLite and Postgres:
the weekday histories and holidays round-trip through every read that hands out a cohort or a member, saved walks
and board streaks keep the repair rule's state, `undo` takes a check-in back with every figure derived from it,
and `forget_board_streaks` forgets only the board streaks the changed off days can move."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import text

from bot.commands.context import Invocation
from bot.domain import CheckIn, Cohort, Member, Membership
from bot.localtime import week_start
from bot.offdays import EVERY_DAY, NO_DAY, Holiday, WeeklyDays
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.ranking import FOREVER, Board, BoardStreak
from bot.streaks import StreakState
from tests.contract.test_leaderboards import Group
from tests.contract.test_repositories import D0, T0, a_checkin, a_member, enrol, new_cohort

ONE_DAY = timedelta(days=1)
# Non-trivial histories: a first mask, then two changes.
STUDY = WeeklyDays(0b0011111, ((D0 - 10 * ONE_DAY, 0b0111111), (D0 + 4 * ONE_DAY, 0b1010101)))
STUDY_FROM_DEFAULT = WeeklyDays(EVERY_DAY, ((D0, 0b0011111), (D0 + 7 * ONE_DAY, EVERY_DAY ^ 0b0000100)))
REST = WeeklyDays(NO_DAY, ((D0 - 3 * ONE_DAY, 0b1000000), (D0 + 2 * ONE_DAY, 0b1100001)))
HOLIDAYS = (Holiday(D0 - 40 * ONE_DAY, D0 - 40 * ONE_DAY),
            Holiday(D0 + 3 * ONE_DAY, D0 + 9 * ONE_DAY, "spring break"),
            Holiday(D0 + 60 * ONE_DAY, D0 + 61 * ONE_DAY, 'Día "de" l\'ñ 🎉, [x]'))


def _sql_session(uow: UnitOfWork) -> Any | None:
    """The SQL unit of work's session, to look at or write raw columns; None on the fake (no columns there)."""
    return getattr(uow, "_session", None)


async def _everything_read(uow: UnitOfWork, cohort: Cohort, member: Member) -> tuple[list[Cohort], list[Member]]:
    """The cohort and the member as every read that hands them out gives them."""
    assert cohort.id is not None and member.id is not None
    cohorts: list[Any] = [
        await uow.cohorts.get(cohort.id),
        await uow.cohorts.find_by_name(cohort.platform, cohort.workspace, cohort.name.upper()),
        await uow.cohorts.find_by_channel(cohort.platform, cohort.workspace, cohort.channel_id),
        next(c for c in await uow.cohorts.list_in_workspace(cohort.platform, cohort.workspace) if c.id == cohort.id),
        next(c for c in await uow.cohorts.created_by(cohort.created_by) if c.id == cohort.id),
        next(c for m, c in await uow.memberships.active_for_member(member.id) if c.id == cohort.id),
    ]
    members: list[Any] = [
        await uow.members.get(member.id),
        await uow.members.find(member.platform, member.workspace, member.user_id),
        (await uow.members.find_many(member.platform, member.workspace, [member.user_id, "nobody"]))[member.user_id],
        (await uow.members.get_many([member.id, member.id + 10_000]))[member.id],
        next(p for _, p in await uow.memberships.active_in_cohort(cohort.id) if p.id == member.id),
    ]
    due = [e for e in await uow.schedule.due_enrolments("next_reminder_at", T0, 100)
           if e.member.id == member.id and e.cohort.id == cohort.id]
    assert len(due) == 1
    cohorts.append(due[0].cohort)
    members.append(due[0].member)
    return cohorts, members


# --- 1. off-day settings round-trip -------------------------------------------------------------------------
async def test_study_days_holidays_and_rest_days_round_trip_through_every_read(
        uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        cohort.study_days, cohort.holidays = STUDY, HOLIDAYS
        await uow.cohorts.save(cohort)
        plain_cohort = await new_cohort(uow, "plain", owner="owner2", channel="other")
        set_on_add = await uow.cohorts.add(replace(plain_cohort, id=None, name="on-add", channel_id="third",
                                                   study_days=STUDY_FROM_DEFAULT, holidays=HOLIDAYS[1:2]))
        assert (set_on_add.study_days, set_on_add.holidays) == (STUDY_FROM_DEFAULT, HOLIDAYS[1:2])
        ann = await uow.members.add(replace(a_member("ann"), rest_days=REST))
        assert ann.rest_days == REST
        ben = await uow.members.add(a_member("ben"))
        ben.rest_days = WeeklyDays(0b0000011)  # a first mask, no change yet
        await uow.members.save(ben)
        cat = await uow.members.add(a_member("cat"))  # every default
        for member in (ann, ben, cat):
            assert member.id is not None
            for each in (cohort, plain_cohort, set_on_add):
                assert each.id is not None
                await uow.memberships.add(Membership(each.id, member.id, joined_at=T0, next_reminder_at=T0))
        await uow.commit()
    async with uow_factory() as uow:
        for each, study, holidays in ((cohort, STUDY, HOLIDAYS), (plain_cohort, WeeklyDays(EVERY_DAY), ()),
                                      (set_on_add, STUDY_FROM_DEFAULT, HOLIDAYS[1:2])):
            for member, rest in ((ann, REST), (ben, WeeklyDays(0b0000011)), (cat, WeeklyDays(NO_DAY))):
                cohorts, members = await _everything_read(uow, each, member)
                assert [(c.study_days, c.holidays) for c in cohorts] == [(study, holidays)] * len(cohorts), \
                    (each.name, member.user_id)
                assert [p.rest_days for p in members] == [rest] * len(members), (each.name, member.user_id)
                assert all(c == cohorts[0] for c in cohorts) and all(p == members[0] for p in members)
        # The histories mean what they say once read back.
        got = await uow.cohorts.get(cohort.id)  # type: ignore[arg-type]
        assert got is not None and got.study_days.mask_on(D0 - 11 * ONE_DAY) == 0b0011111
        assert got.study_days.mask_on(D0) == 0b0111111 and got.study_days.mask_on(D0 + 30 * ONE_DAY) == 0b1010101
        assert got.is_off(D0 + 5 * ONE_DAY) and not got.is_off(D0)  # a holiday; a Friday, a study day


async def test_settings_back_to_the_defaults_and_null_rows_read_as_the_defaults(
        uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        cohort.study_days, cohort.holidays = STUDY, HOLIDAYS
        await uow.cohorts.save(cohort)
        ann = await uow.members.add(replace(a_member("ann"), rest_days=REST))
        await uow.memberships.add(Membership(cohort.id or 0, ann.id or 0, joined_at=T0, next_reminder_at=T0))
        await uow.commit()
        cohort.study_days, cohort.holidays, ann.rest_days = WeeklyDays(EVERY_DAY), (), WeeklyDays(NO_DAY)
        await uow.cohorts.save(cohort)
        await uow.members.save(ann)
        await uow.commit()
    async with uow_factory() as uow:
        cohorts, members = await _everything_read(uow, cohort, ann)
        assert {(c.study_days, c.holidays) for c in cohorts} == {(WeeklyDays(EVERY_DAY), ())}
        assert {p.rest_days for p in members} == {WeeklyDays(NO_DAY)}
        session = _sql_session(uow)
        if session is not None:  # SQL: the defaults are stored as NULL ...
            raw = (await session.execute(text("SELECT study_days, holidays FROM cohorts WHERE id = :id"),
                                         {"id": cohort.id})).one()
            assert tuple(raw) == (None, None)
            assert (await session.execute(text("SELECT rest_days FROM members WHERE id = :id"),
                                          {"id": ann.id})).scalar() is None
        # ... and a row from before the columns (NULL) reads as the defaults: set a history, then NULL it by hand.
        cohort.study_days, cohort.holidays, ann.rest_days = STUDY, HOLIDAYS, REST
        await uow.cohorts.save(cohort)
        await uow.members.save(ann)
        await uow.commit()
        if session is not None:
            await session.execute(text("UPDATE cohorts SET study_days = NULL, holidays = NULL"))
            await session.execute(text("UPDATE members SET rest_days = NULL"))
            await uow.commit()
    async with uow_factory() as uow:
        cohorts, members = await _everything_read(uow, cohort, ann)
        if _sql_session(uow) is not None:
            assert {(c.study_days, c.holidays) for c in cohorts} == {(WeeklyDays(EVERY_DAY), ())}
            assert {p.rest_days for p in members} == {WeeklyDays(NO_DAY)}
        else:
            assert {(c.study_days, c.holidays) for c in cohorts} == {(STUDY, HOLIDAYS)}
            assert {p.rest_days for p in members} == {REST}


# --- 2. saved walks keep the repair rule's state -----------------------------------------------------------
STATE_A = StreakState(4, 1, 9, D0 - 2 * ONE_DAY, offer=0, offer_day=None, last_repair=D0 - 20 * ONE_DAY)
STATE_B = StreakState(0, 0, 7, D0 - 2 * ONE_DAY, offer=7, offer_day=D0 - 2 * ONE_DAY, last_repair=None)
STATE_C = StreakState(0, 2, 3, D0 - 3 * ONE_DAY, offer=3, offer_day=D0 - 3 * ONE_DAY, last_repair=D0 - 40 * ONE_DAY)
STATE_EMPTY = StreakState()


async def _memberships_read(uow: UnitOfWork, membership: Membership) -> list[Membership]:
    assert membership.id is not None
    return [m for m in (
        await uow.memberships.get_by_id(membership.id),
        await uow.memberships.get(membership.cohort_id, membership.member_id),
        (await uow.memberships.get_many(membership.cohort_id, [membership.member_id])).get(membership.member_id),
        next((m for m, _ in await uow.memberships.active_for_member(membership.member_id) if m.id == membership.id),
             None),
        next((m for m, _ in await uow.memberships.active_in_cohort(membership.cohort_id) if m.id == membership.id),
             None),
    ) if m is not None]


async def test_streak_states_keep_offer_and_last_repair(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        other = await new_cohort(uow, "other", owner="owner2", channel="other")
        ann = await enrol(uow, "ann", cohort, streak_state=STATE_A, next_reminder_at=T0)
        ben = await enrol(uow, "ben", cohort, next_reminder_at=T0)
        cat = await enrol(uow, "cat", cohort, streak_state=STATE_EMPTY)
        dan = await enrol(uow, "dan", other, streak_state=STATE_C)
        assert ann.streak_state == STATE_A
        ben.streak_state = STATE_B
        await uow.memberships.save(ben)
        await uow.commit()
    async with uow_factory() as uow:
        for membership, state in ((ann, STATE_A), (ben, STATE_B), (cat, STATE_EMPTY), (dan, STATE_C)):
            read = await _memberships_read(uow, membership)
            assert [m.streak_state for m in read] == [state] * 5, membership.member_id
        due = {e.membership.id: e.membership.streak_state
               for e in await uow.schedule.due_enrolments("next_reminder_at", T0, 100)}
        assert due == {ann.id: STATE_A, ben.id: STATE_B}
        await uow.memberships.save_streak_states({ann.id or 0: STATE_C, ben.id or 0: None, cat.id or 0: STATE_B})
        await uow.commit()
    async with uow_factory() as uow:
        assert [(await uow.memberships.get_by_id(m.id or 0)).streak_state  # type: ignore[union-attr]
                for m in (ann, ben, cat, dan)] == [STATE_C, None, STATE_B, STATE_C]
        await uow.memberships.reset_streak_states(cohort.id or 0)
        await uow.commit()
    async with uow_factory() as uow:
        for membership, state in ((ann, None), (ben, None), (cat, None), (dan, STATE_C)):
            read = await _memberships_read(uow, membership)
            assert [m.streak_state for m in read] == [state] * 5, membership.member_id


# --- 3. undo -------------------------------------------------------------------------------------------------
def _at(membership: Membership, key: str, day: date, minutes: int, created_at: datetime) -> CheckIn:
    return replace(a_checkin(membership, key, day, minutes), created_at=created_at)


async def _boards(uow: UnitOfWork, membership: Membership, day: date) -> dict[str, int | None]:
    """The member's own entry on the week, month and all-time boards of `day`."""
    found = {}
    for kind, start in (("week", week_start(day)), ("month", day.replace(day=1)), ("all", None)):
        entry = await uow.memberships.board_entry(Board(membership.cohort_id, kind, starts_on=start),
                                                  membership.member_id)
        found[kind] = entry.value if entry else None
    return found


def _expected_boards(checkins: list[CheckIn], day: date) -> dict[str, int]:
    return {"week": sum(c.minutes for c in checkins if week_start(c.local_date) == week_start(day)),
            "month": sum(c.minutes for c in checkins if c.local_date.replace(day=1) == day.replace(day=1)),
            "all": sum(c.minutes for c in checkins)}


async def _figures(uow: UnitOfWork, membership: Membership) -> dict[str, Any]:
    """Everything the check-in reads give for the membership, from the raw rows and from kept figures."""
    assert membership.id is not None
    checkins = list(await uow.checkins.for_membership(membership.id))
    return {
        "keys": [c.idempotency_key for c in checkins],
        "cohort_keys": [c.idempotency_key for c in await uow.checkins.for_cohort(membership.cohort_id)
                        if c.membership_id == membership.id],
        "on_days": [await uow.checkins.minutes_on(membership.id, D0 - d * ONE_DAY) for d in range(8)],
        "on_many": await uow.checkins.minutes_on_days([(membership.id, D0 - d * ONE_DAY) for d in range(8)]),
        "by_day": await uow.checkins.minutes_by_day(membership.id, D0 - 30 * ONE_DAY),
        "by_day_since": (await uow.checkins.minutes_by_day_since({membership.id: D0 - 30 * ONE_DAY}))
        .get(membership.id, {}),
        "in_cohort": (await uow.checkins.minutes_by_day_in_cohort(membership.cohort_id, D0 - 30 * ONE_DAY))
        .get(membership.id, {}),
        "total": (await uow.checkins.totals_in_cohort(membership.cohort_id, None, None)).get(membership.id, 0),
        "week_total": (await uow.checkins.totals_in_cohort(membership.cohort_id, week_start(D0), D0))
        .get(membership.id, 0),
        "first_day": await uow.checkins.first_day(membership.id),
        "by_step": await uow.checkins.minutes_by_step(membership.id),
        "boards": await _boards(uow, membership, D0),
        "expected_boards": _expected_boards(checkins, D0),
    }


async def test_undo_takes_the_check_in_and_every_figure_back(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        ann = await enrol(uow, "ann", cohort)
        ben = await enrol(uow, "ben", cohort)
        # D0 is Friday 2026-03-06: 2026-02-27 lies in the week and month before.
        old = _at(ann, "k0", date(2026, 2, 27), 40, T0 - 7 * ONE_DAY)
        c1 = _at(ann, "k1", D0 - ONE_DAY, 20, T0 - timedelta(hours=1))
        c2 = _at(ann, "k2", D0, 30, T0)
        c3 = _at(ann, "k3", D0, 15, T0)  # recorded at the same instant as c2, with a higher id
        stored = await uow.checkins.add_many([old, c1, c2, c3, _at(ben, "k3", D0, 50, T0)])
        assert all(c is not None for c in stored)
        old, c1, c2, c3, ben3 = stored  # type: ignore[assignment]
        unknown = await uow.memberships.board_unknown(cohort.id or 0)
        await uow.memberships.save_board_streaks(  # both board streaks known before the undo
            {ann.id or 0: (BoardStreak(D0, 2, 0, 2, D0 + ONE_DAY), unknown[ann.id or 0][1]),
             ben.id or 0: (BoardStreak(D0, 1, 0, 1, D0 + ONE_DAY), unknown[ben.id or 0][1])})
        await uow.commit()
    async with uow_factory() as uow:
        before = await _figures(uow, ann)
        assert before["boards"] == before["expected_boards"] == {"week": 65, "month": 65, "all": 105}
        assert await uow.memberships.board_unknown(cohort.id or 0) == {}
        latest = await uow.checkins.latest_recorded(ann.member_id, T0 - ONE_DAY)
        assert latest == c3
        assert await uow.checkins.undo(latest, T0 + timedelta(minutes=1))
        # Not committed: a rollback takes the undo back too.
    async with uow_factory() as uow:
        assert await _figures(uow, ann) == before
        assert not await uow.checkins.was_undone(ann.member_id, "k3")
        assert await uow.checkins.find_by_key(ann.member_id, "k3") == c3
        assert await uow.checkins.undo(c3, T0 + timedelta(minutes=1))
        assert await uow.checkins.find_by_key(ann.member_id, "k3") is None  # gone inside the transaction already
        await uow.commit()
    async with uow_factory() as uow:
        after = await _figures(uow, ann)
        assert after["keys"] == after["cohort_keys"] == ["k0", "k1", "k2"]
        assert after["on_days"] == [30, 20, 0, 0, 0, 0, 0, 40]  # D0 - 7 is 2026-02-27
        assert after["on_many"][ann.id, D0] == 30
        assert after["by_day"] == after["by_day_since"] == after["in_cohort"] \
            == {date(2026, 2, 27): 40, D0 - ONE_DAY: 20, D0: 30}
        assert (after["total"], after["week_total"]) == (90, 50)
        assert after["boards"] == after["expected_boards"] == {"week": 50, "month": 50, "all": 90}
        assert after["by_step"] == {None: 90}
        assert await uow.checkins.find_by_key(ann.member_id, "k3") is None
        assert await uow.checkins.find_by_key(ben.member_id, "k3") == ben3  # keys are per member
        assert await uow.checkins.was_undone(ann.member_id, "k3")
        assert not await uow.checkins.was_undone(ben.member_id, "k3")
        assert not await uow.checkins.was_undone(ann.member_id, "k2")
        # The board streak is unknown now (its version moved on: a state worked out before is not stored).
        unknown = await uow.memberships.board_unknown(cohort.id or 0)
        assert set(unknown) == {ann.id}
        ben_board = await uow.memberships.board_entry(Board(cohort.id or 0, "streak", today={None: D0}), ben.member_id)
        assert ben_board is not None and ben_board.value == 1
        irregular = await uow.memberships.board_irregular(Board(cohort.id or 0, "streak", today={None: D0}))
        assert [m.id for m, _ in irregular] == [ann.id]

        # Replays of the undone key record nothing, alone or in a batch; a new key does.
        assert await uow.checkins.add_many([c3]) == [None]
        replayed = await uow.checkins.add_many([replace(c3, id=None, minutes=99), _at(ann, "k4", D0, 5, T0),
                                                replace(c3, id=None)])
        assert replayed[0] is None and replayed[2] is None and replayed[1] is not None
        assert await uow.checkins.find_by_key(ann.member_id, "k3") is None
        await uow.commit()
    async with uow_factory() as uow:
        again = await _figures(uow, ann)
        assert again["keys"] == ["k0", "k1", "k2", "k4"]
        assert (again["total"], again["on_days"][0]) == (95, 35)
        assert again["boards"] == again["expected_boards"] == {"week": 55, "month": 55, "all": 95}

        # Undo of a check-in no longer stored: False, and nothing taken out twice.
        assert not await uow.checkins.undo(c3, T0 + timedelta(minutes=2))
        assert not await uow.checkins.undo(replace(c3, id=(c3.id or 0) + 10_000), T0 + timedelta(minutes=2))
        assert await _figures(uow, ann) == again
        # An undo in an earlier week and month takes its minutes out of those periods only.
        assert await uow.checkins.undo(old, T0 + timedelta(minutes=3))
        assert not await uow.checkins.undo(old, T0 + timedelta(minutes=4))  # twice in one transaction
        await uow.commit()
    async with uow_factory() as uow:
        last = await _figures(uow, ann)
        assert last["boards"] == last["expected_boards"] == {"week": 55, "month": 55, "all": 55}
        feb = await _boards(uow, ann, date(2026, 2, 27))
        assert feb == {"week": 0, "month": 0, "all": 55}
        assert await uow.checkins.was_undone(ann.member_id, "k0")


async def test_latest_recorded_orders_by_instant_then_id_and_respects_since(uow_factory: UnitOfWorkFactory) -> None:
    plus_two = timezone(timedelta(hours=2))
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        other = await new_cohort(uow, "other", owner="owner2", channel="other")
        ann = await enrol(uow, "ann", cohort)
        ann_other = await uow.memberships.add(Membership(other.id or 0, ann.member_id, joined_at=T0))
        ben = await enrol(uow, "ben", cohort)
        assert await uow.checkins.latest_recorded(ann.member_id, T0 - ONE_DAY) is None
        # Later local date, earlier instant: the instant decides, not the day nor the id.
        late_day = await uow.checkins.add(_at(ann, "a", D0, 10, T0 - timedelta(hours=3)))
        first = await uow.checkins.add(_at(ann_other, "b", D0 - ONE_DAY, 10, T0))
        assert await uow.checkins.latest_recorded(ann.member_id, T0 - ONE_DAY) == first
        # The same instant written in another offset, with a higher id: the id breaks the tie.
        tie = await uow.checkins.add(_at(ann, "c", D0 - 2 * ONE_DAY, 10, T0.astimezone(plus_two)))
        assert await uow.checkins.latest_recorded(ann.member_id, T0 - ONE_DAY) == tie
        await uow.checkins.add(_at(ben, "d", D0, 10, T0 + timedelta(hours=5)))  # another member's
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.checkins.latest_recorded(ann.member_id, T0 - ONE_DAY) == tie
        assert await uow.checkins.latest_recorded(ann.member_id, T0) == tie  # `since` is inclusive
        assert await uow.checkins.latest_recorded(ann.member_id, T0.astimezone(plus_two)) == tie
        assert await uow.checkins.latest_recorded(ann.member_id, T0 + timedelta(microseconds=1)) is None
        assert await uow.checkins.latest_recorded(ann.member_id, T0 + ONE_DAY) is None
        # 16:30 at +02:00 is 14:30 UTC: later than T0, the latest of ann's.
        later = await uow.checkins.add(_at(ann, "e", D0 - 5 * ONE_DAY, 5,
                                           (T0 + timedelta(minutes=30)).astimezone(plus_two)))
        assert await uow.checkins.latest_recorded(ann.member_id, T0 - ONE_DAY) == later
        assert await uow.checkins.undo(later, T0 + ONE_DAY)
        assert await uow.checkins.undo(tie, T0 + ONE_DAY)
        assert await uow.checkins.latest_recorded(ann.member_id, T0 - ONE_DAY) == first
        assert await uow.checkins.latest_recorded(ann.member_id, T0 - timedelta(hours=3)) == first
        assert await uow.checkins.undo(first, T0 + ONE_DAY)
        assert await uow.checkins.latest_recorded(ann.member_id, T0 - timedelta(hours=3)) == late_day
        assert await uow.checkins.latest_recorded(ann.member_id, T0 - timedelta(hours=2)) is None
        assert (await uow.checkins.latest_recorded(ben.member_id, T0)).idempotency_key == "d"  # type: ignore[union-attr]


async def _say(group: Group, user: str, line: str, key: str) -> Any:
    invocation = Invocation(platform="test", workspace="w", user_id=user, display_name=user,
                            channel_id="general", idempotency_key=key)
    return await group.bot.handle_text(invocation, line)


async def test_undo_through_the_bot_keeps_every_board_right(uow_factory: UnitOfWorkFactory) -> None:
    """The `undo` command on top of the repositories, the boards held to test_leaderboards.py's oracle; across a
    week's end and a month's end; a replay of an undone interaction records nothing."""
    group = Group(uow_factory)
    await group.say("ann", "cohort create club")
    await group.say("ben", "cohort join club")
    await group.say("ann", "checkin 30")
    await group.say("ben", "checkin 45")
    await group.check_boards("ann", "ben")  # board streaks worked out, so the undo has something to forget
    group.clock.advance(days=1)
    await group.say("ann", "checkin 30")
    await group.say("ann", "checkin 20")
    undone_key = f"k{group.keys}"
    await group.check_boards("ann", "ben")
    reply = await group.say("ann", "undo")
    assert reply.data["undone"]["minutes"] == 20
    await group.check_boards("ann", "ben")
    replay = await _say(group, "ann", "checkin 20", undone_key)
    assert replay.data.get("error") == "checkin_undone"
    await group.check_boards("ann", "ben")
    await group.say("ann", "undo")  # today's 30: the streak of two falls back to one
    await group.check_boards("ann", "ben")
    for days in (2, 23):  # to Monday 2026-03-09, then to Wednesday 2026-04-01
        group.clock.advance(days=days)
        await group.say("ben", "checkin 30 yesterday:true")  # the Sunday of last week; the last day of March
        await group.say("ben", "checkin 40")
        await group.check_boards("ann", "ben")
        await group.say("ben", "undo")
        await group.check_boards("ann", "ben")
        await group.say("ben", "undo")
        await group.check_boards("ann", "ben")
    reply = await _say(group, "ben", "undo", "last")
    assert reply.data.get("error") == "nothing_to_undo"


# --- 4. forget_board_streaks from a day on -------------------------------------------------------------------
async def test_forget_board_streaks_forgets_only_streaks_alive_from_that_day(uow_factory: UnitOfWorkFactory) -> None:
    names = ("ann", "ben", "cat", "dan", "eve", "fay", "gus", "ivy")
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        other = await new_cohort(uow, "other", owner="owner2", channel="other")
        people = {name: await enrol(uow, name, cohort) for name in names}
        in_other = await uow.memberships.add(Membership(other.id or 0, people["ann"].member_id, joined_at=T0))
        hal = await enrol(uow, "hal", other)
        states = {
            "ann": BoardStreak(D0 - ONE_DAY, 5, 1, 8, D0 + 2 * ONE_DAY, last_repair=D0 - 9 * ONE_DAY, mendable=4),
            "ben": BoardStreak(D0 - 4 * ONE_DAY, 2, 0, 6, D0 - ONE_DAY),  # over before D0
            "cat": BoardStreak(),  # no done day yet: nothing stands
            "dan": BoardStreak(D0 - ONE_DAY, 1, 0, 1, D0),  # stands on D0 exactly
            # eve: left unknown
            "fay": BoardStreak(D0 - 2 * ONE_DAY, 3, 0, 3, FOREVER),  # every day after is off
            "gus": BoardStreak(D0, 1, 0, 1, D0 + ONE_DAY),  # gus and ivy leave the cohort below
            "ivy": BoardStreak(D0 - 3 * ONE_DAY, 1, 0, 1, D0 - 2 * ONE_DAY),
        }
        versions = await _versions(uow, [*people.values(), in_other, hal])
        assert -1 not in versions.values()  # all unknown so far
        await uow.memberships.save_board_streaks(
            {people[name].id or 0: (state, versions[people[name].id or 0]) for name, state in states.items()}
            | {m.id or 0: (BoardStreak(D0, 1, 0, 1, D0 + ONE_DAY), versions[m.id or 0]) for m in (in_other, hal)})
        for name in ("gus", "ivy"):  # left: off the boards, yet their streaks are kept (and forgotten)
            people[name].active = False
            await uow.memberships.save(people[name])
        await uow.commit()
    async with uow_factory() as uow:
        assert set(await uow.memberships.board_unknown(cohort.id or 0)) == {people["eve"].id}
        assert set(await uow.memberships.board_unknown(other.id or 0)) == set()
        await uow.memberships.forget_board_streaks(alive_from=D0, cohort_id=cohort.id)
        await uow.commit()
    async with uow_factory() as uow:
        unknown = await uow.memberships.board_unknown(cohort.id or 0)
        assert set(unknown) == {people[name].id for name in ("ann", "dan", "eve", "fay")}  # gus: inactive
        for name in ("ann", "dan", "fay"):  # forgotten: the version moved on
            assert unknown[people[name].id or 0][1] > versions[people[name].id or 0], name
        assert unknown[people["eve"].id or 0] == (people["eve"].member_id, versions[people["eve"].id or 0])
        assert set(await uow.memberships.board_unknown(other.id or 0)) == set()  # another cohort's: kept
        # ben's streak (over before D0) and cat's (none) are still ranked as stored.
        board = Board(cohort.id or 0, "streak", today={None: D0})
        ben_entry = await uow.memberships.board_entry(board, people["ben"].member_id)
        cat_entry = await uow.memberships.board_entry(board, people["cat"].member_id)
        assert ben_entry is not None and (ben_entry.value, ben_entry.longest) == (0, 6)
        assert cat_entry is not None and (cat_entry.value, cat_entry.longest) == (0, 0)
        # gus (inactive, alive on D0) was forgotten too, ivy (over before) not: back in the cohort, gus's streak
        # is worked out again, ivy's is not.
        for name in ("gus", "ivy"):
            people[name].active = True
            await uow.memberships.save(people[name])
        back = await uow.memberships.board_unknown(cohort.id or 0)
        assert people["gus"].id in back and people["ivy"].id not in back
        # A state worked out before the forget is not stored; one from the new version is.
        ann_id = people["ann"].id or 0
        await uow.memberships.save_board_streaks({ann_id: (states["ann"], versions[ann_id])})
        assert ann_id in await uow.memberships.board_unknown(cohort.id or 0)
        await uow.memberships.save_board_streaks({ann_id: (states["ann"], unknown[ann_id][1])})
        assert ann_id not in await uow.memberships.board_unknown(cohort.id or 0)

        # A member's: every cohort of theirs, alive on or after the day; nobody else's.
        await uow.memberships.forget_board_streaks(alive_from=D0 + 2 * ONE_DAY, member_id=people["ann"].member_id)
        await uow.memberships.forget_board_streaks(alive_from=D0 + 2 * ONE_DAY, member_id=hal.member_id)
        await uow.commit()
    async with uow_factory() as uow:
        assert set(await uow.memberships.board_unknown(cohort.id or 0)) \
            == {people[name].id for name in ("ann", "dan", "eve", "fay", "gus")}
        assert set(await uow.memberships.board_unknown(other.id or 0)) == set()  # both alive until D0 + 1 only
        await uow.memberships.forget_board_streaks(alive_from=D0 + ONE_DAY, member_id=people["ann"].member_id)
        await uow.commit()
    async with uow_factory() as uow:
        assert set(await uow.memberships.board_unknown(other.id or 0)) == {in_other.id}


async def _versions(uow: UnitOfWork, memberships: list[Membership]) -> dict[int, int]:
    """Each membership's board version, read while its board streak is unknown (forgotten just for that)."""
    found: dict[int, int] = {}
    for cohort_id in {m.cohort_id for m in memberships}:
        found |= {membership: version for membership, (_, version) in
                  (await uow.memberships.board_unknown(cohort_id)).items()}
    return {m.id or 0: found[m.id or 0] for m in memberships if (m.id or 0) in found} | {
        m.id or 0: -1 for m in memberships if (m.id or 0) not in found}


async def test_saved_board_streaks_keep_last_repair_and_mendable(uow_factory: UnitOfWorkFactory) -> None:
    """The two new board fields as the check-in write path reads them back: `mendable` decides whether a day
    reaching twice the target is walked again, `last_repair` whether a doubled day after a missed one mends."""
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)  # daily target 30
        ann = await enrol(uow, "ann", cohort)
        ben = await enrol(uow, "ben", cohort)
        cat = await enrol(uow, "cat", cohort)
        dan = await enrol(uow, "dan", cohort)
        for m in (ann, ben):
            await uow.checkins.add(a_checkin(m, f"{m.id}-a", D0, 30))
        versions = await _versions(uow, [ann, ben, cat, dan])
        await uow.memberships.save_board_streaks({
            ann.id or 0: (BoardStreak(D0, 1, 0, 6, D0 + ONE_DAY, mendable=5), versions[ann.id or 0]),
            ben.id or 0: (BoardStreak(D0, 1, 0, 6, D0 + ONE_DAY, mendable=0), versions[ben.id or 0]),
            # Missed D0 + 1, then D0 + 2 with twice the target: a repair, unless one happened in the 30 days before.
            cat.id or 0: (BoardStreak(D0, 5, 0, 5, D0 + ONE_DAY, last_repair=None), versions[cat.id or 0]),
            dan.id or 0: (BoardStreak(D0, 5, 0, 5, D0 + ONE_DAY, last_repair=D0 - 10 * ONE_DAY),
                          versions[dan.id or 0]),
        })
        await uow.commit()
    async with uow_factory() as uow:
        for m in (ann, ben):  # D0 reaches twice the target
            await uow.checkins.add(a_checkin(m, f"{m.id}-b", D0, 30))
        for m in (cat, dan):
            await uow.checkins.add(a_checkin(m, f"{m.id}-c", D0 + 2 * ONE_DAY, 60))
        await uow.commit()
    async with uow_factory() as uow:
        assert set(await uow.memberships.board_unknown(cohort.id or 0)) == {ann.id}
        board = Board(cohort.id or 0, "streak", today={None: D0 + 2 * ONE_DAY})
        streaks = {}
        for m in (cat, dan):
            entry = await uow.memberships.board_entry(board, m.member_id)
            assert entry is not None
            streaks[m.id] = (entry.value, entry.longest)
        assert streaks == {cat.id: (6, 6), dan.id: (1, 5)}


async def test_board_streak_moves_on_by_the_stored_off_days(uow_factory: UnitOfWorkFactory) -> None:
    """The check-in write path reads the study days, holidays and rest days back to move a board streak on: a
    day between two done days that is off keeps the streak standing, one that is not breaks it."""
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        day1, day2 = D0 + ONE_DAY, D0 + 2 * ONE_DAY  # Saturday, Sunday
        cohort.study_days = WeeklyDays(EVERY_DAY, ((D0 - 30 * ONE_DAY, 0b0011111), (D0 - 10 * ONE_DAY, 0b1011111)))
        await uow.cohorts.save(cohort)  # from D0 - 10 every day but Saturday is a study day
        other = await new_cohort(uow, "other", owner="owner2", channel="other")
        other.holidays = (Holiday(day1, day1, "one day"),)
        await uow.cohorts.save(other)
        plain = await new_cohort(uow, "plain", owner="owner3", channel="third")
        ann = await enrol(uow, "ann", cohort)
        ben = await enrol(uow, "ben", other)
        cat = await enrol(uow, "cat", plain)
        resting = await enrol(uow, "dan", plain)
        member = await uow.members.get(resting.member_id)
        assert member is not None
        member.rest_days = WeeklyDays(NO_DAY, ((D0 - 5 * ONE_DAY, 0b0100000), (D0 - 2 * ONE_DAY, 0b0101000)))
        await uow.members.save(member)
        every = [ann, ben, cat, resting]
        versions = await _versions(uow, every)
        await uow.memberships.save_board_streaks(
            {m.id or 0: (BoardStreak(D0, 3, 0, 3, day1), versions[m.id or 0]) for m in every})
        await uow.commit()
    async with uow_factory() as uow:
        for m in every:
            await uow.checkins.add(a_checkin(m, f"{m.id}", day2, 30))
        await uow.commit()
    async with uow_factory() as uow:
        values = {}
        for m in every:
            assert m.id not in await uow.memberships.board_unknown(m.cohort_id)
            entry = await uow.memberships.board_entry(Board(m.cohort_id, "streak", today={None: day2}), m.member_id)
            assert entry is not None
            values[m.id] = entry.value
        assert values == {ann.id: 4, ben.id: 4, cat.id: 1, resting.id: 4}


# --- 5. a member removed takes their undone keys along ------------------------------------------------------
async def test_member_removal_removes_their_undone_keys(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        cohort = await new_cohort(uow)
        ann = await enrol(uow, "ann", cohort)
        ben = await enrol(uow, "ben", cohort)
        for m in (ann, ben):
            for key in ("x", "y"):
                stored = await uow.checkins.add(a_checkin(m, key))
                assert await uow.checkins.undo(stored, T0)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.members.remove(ann.member_id)
        await uow.commit()  # no foreign key in the way
    async with uow_factory() as uow:
        assert await uow.members.get(ann.member_id) is None
        assert not await uow.checkins.was_undone(ann.member_id, "x")
        assert not await uow.checkins.was_undone(ann.member_id, "y")
        assert await uow.checkins.was_undone(ben.member_id, "x") and await uow.checkins.was_undone(ben.member_id, "y")
        session = _sql_session(uow)
        if session is not None:
            rows = (await session.execute(text("SELECT member_id, idempotency_key FROM undone_checkins "
                                               "ORDER BY idempotency_key"))).all()
            assert [tuple(row) for row in rows] == [(ben.member_id, "x"), (ben.member_id, "y")]
        # The same person back: a new member, whose keys were never undone.
        again = await enrol(uow, "ann", cohort)
        assert again.member_id != ann.member_id
        assert await uow.checkins.add_many([a_checkin(again, "x")]) != [None]
        await uow.members.remove(ben.member_id)
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.checkins.was_undone(ben.member_id, "x")
        assert await uow.checkins.find_by_key(again.member_id, "x") is not None
