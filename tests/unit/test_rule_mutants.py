"""Hand-worked cases for the rule modules (streaks, progress, ranking, schedule, localtime), written from
DESIGN.md's rules and the modules' documented contracts. Each closes a gap a mutation run (mutmut, issue 13)
found in the fast tests: a change to the code that no test noticed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import progress, schedule, streaks
from bot.domain import Cohort, Enrolment, Member, Membership
from bot.errors import CommandError
from bot.localtime import all_zone_names, parse_hhmm, parse_zone, suggest_zones, wall_time_to_utc
from bot.offdays import EVERY_DAY, NO_DAY, Holiday, WeekdaysError, WeeklyDays, count, off_days, parse_weekdays
from bot.ranking import Board, BoardEntry, BoardStreak, after_done_day, best_first, board_streak, competition_ranks
from bot.streaks import StreakState, StreakStatus
from tests.model import reference as reference_model

ORIGIN = date(2026, 1, 1)
TARGET = 30
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def never(day: date) -> bool:
    return False


# --- the streak walk, DESIGN.md "Streak and freezes" -------------------------------------------------------


def _both(pattern: str) -> tuple[tuple, tuple]:
    """`x` done, `-` under target; the last character is today. Returns (reference walk, `status`)."""
    minutes = {ORIGIN + timedelta(days=i): {"x": TARGET, "-": 10}[c] for i, c in enumerate(pattern)}
    today = ORIGIN + timedelta(days=len(pattern) - 1)
    ref = reference_model.walk(minutes, TARGET, never, today)
    got, _ = streaks.status(None, ORIGIN, today, minutes, TARGET, never)
    as_tuple = lambda s: (s.streak, s.longest, s.freezes, s.today_done)  # noqa: E731
    return as_tuple(ref), as_tuple(got)


@pytest.mark.parametrize(("pattern", "expected"), [
    ("x" * 7, (7, 7, 1, True)),  # the 7th done day (today) earns a freeze
    ("x" * 8, (8, 8, 1, True)),
    ("x" * 14, (14, 14, 2, True)),  # the 14th (today) earns the second
    ("x" * 21, (21, 21, 2, True)),  # never more than two held
    ("x" * 7 + "-", (7, 7, 1, False)),  # earned before today; today not done yet: the streak stands
    ("x" * 14 + "-", (14, 14, 2, False)),
    ("x" * 21 + "-", (21, 21, 2, False)),
])
def test_freezes_are_earned_every_seventh_done_day_up_to_two(pattern: str, expected: tuple) -> None:
    reference, walked = _both(pattern)
    assert reference == expected  # the oracle the property tests trust is itself held to DESIGN.md
    assert walked == expected


def test_a_save_that_walked_no_day_is_no_save() -> None:
    minutes = {ORIGIN + timedelta(days=i): TARGET for i in range(5)}
    today = ORIGIN + timedelta(days=4)
    fresh, _ = streaks.status(None, ORIGIN, today, minutes, TARGET, never)
    undated, _ = streaks.status(StreakState(), ORIGIN, today, minutes, TARGET, never)
    assert undated == fresh == StreakStatus(5, 5, 0, True)


@pytest.mark.parametrize("days", [3, 10])
def test_status_offers_a_save_through_the_day_before_yesterday_that_resumes_to_the_same_answer(days: int) -> None:
    minutes = {ORIGIN + timedelta(days=i): TARGET for i in range(days)}
    today = ORIGIN + timedelta(days=days - 1)
    fresh, checkpoint = streaks.status(None, ORIGIN, today, minutes, TARGET, never)
    assert checkpoint is not None and checkpoint.through == today - timedelta(days=2)
    assert checkpoint.streak == days - 2
    later = {day: m for day, m in minutes.items() if day > checkpoint.through}
    resumed, _ = streaks.status(checkpoint, ORIGIN, today, later, TARGET, never)
    assert resumed == fresh


# --- bot.progress: the resumed walk and its save ------------------------------------------------------------


class _Checkins:
    def __init__(self, minutes: dict[date, int]) -> None:
        self.minutes = minutes
        self.asked_since: list[date] = []

    async def first_day(self, membership_id: int) -> date | None:
        return min(self.minutes, default=None)

    async def minutes_by_day(self, membership_id: int, since: date) -> dict[date, int]:
        self.asked_since.append(since)
        return {day: m for day, m in self.minutes.items() if day >= since}


class _Memberships:
    def __init__(self) -> None:
        self.saved: list[Membership] = []

    async def save(self, membership: Membership) -> None:
        self.saved.append(membership)


class _Uow:
    def __init__(self, minutes: dict[date, int] | None = None) -> None:
        self.checkins = _Checkins(minutes or {})
        self.memberships = _Memberships()


def _enrolment(*, cohort_zone: str = "UTC", member_zone: str | None = None, rollover: int = 4,
               state: StreakState | None = None, reminder: time | None = time(19, 0),
               lastcall: int | None = None, active: bool = True) -> Enrolment:
    cohort = Cohort("test", "w", "club", "general", created_by=1, timezone=cohort_zone, rollover_hour=rollover, id=1)
    member = Member("test", "w", "u1", "Ann", timezone=member_zone, id=1)
    membership = Membership(cohort_id=1, member_id=1, active=active, reminder_time=reminder,
                            lastcall_minutes=lastcall, streak_state=state, id=7)
    return Enrolment(cohort, member, membership)


async def test_a_member_without_check_ins_has_no_streak() -> None:
    assert await progress.streak_status(_Uow(), _enrolment(), ORIGIN) == StreakStatus(0, 0, 0, False)


async def test_the_streak_resumes_from_the_save_and_reads_only_the_days_after_it() -> None:
    day = ORIGIN + timedelta(days=2)  # saved through here: three done days
    uow = _Uow({ORIGIN + timedelta(days=i): TARGET for i in range(6)})
    enrolment = _enrolment(state=StreakState(3, 0, 3, day))
    result = await progress.streak_status(uow, enrolment, ORIGIN + timedelta(days=5))
    assert result == StreakStatus(6, 6, 0, True)
    assert uow.checkins.asked_since == [day + timedelta(days=1)]


async def test_a_write_to_a_day_the_save_covered_forgets_it() -> None:
    day = ORIGIN + timedelta(days=5)
    uow, enrolment = _Uow(), _enrolment(state=StreakState(6, 0, 6, day))
    await progress.forget_saved_walk_from(uow, enrolment.membership, day)
    assert enrolment.membership.streak_state is None
    assert uow.memberships.saved == [enrolment.membership]


async def test_a_write_after_the_save_keeps_it() -> None:
    day = ORIGIN + timedelta(days=5)
    state = StreakState(6, 0, 6, day)
    uow, enrolment = _Uow(), _enrolment(state=state)
    await progress.forget_saved_walk_from(uow, enrolment.membership, day + timedelta(days=1))
    assert enrolment.membership.streak_state == state
    assert uow.memberships.saved == []
    unsaved = _enrolment()
    await progress.forget_saved_walk_from(uow, unsaved.membership, day)  # nothing saved: nothing to forget
    assert unsaved.membership.streak_state is None and uow.memberships.saved == []


def test_resume_day_is_the_first_day_after_a_trusted_save() -> None:
    first, through = ORIGIN, ORIGIN + timedelta(days=4)
    state = StreakState(5, 0, 5, through)
    assert progress.resume_day(state, first, through + timedelta(days=3)) == through + timedelta(days=1)
    assert progress.resume_day(state, first) == through + timedelta(days=1)
    assert progress.resume_day(None, first, through) == first
    assert progress.resume_day(StreakState(), first, through) == first
    assert progress.resume_day(state, first, through) == first  # dated on today: not trusted (streaks.trusted)
    later_first = through + timedelta(days=3)  # the history now starts after the save
    assert progress.resume_day(state, later_first, through + timedelta(days=9)) == later_first


# --- bot.schedule: local dates own the wall times from their rollover hour to the next one -------------------


def test_a_wall_time_before_the_rollover_hour_belongs_to_the_previous_local_date() -> None:
    day = date(2026, 3, 10)
    assert schedule.occurrence(day, time(2, 0), UTC, 4) == utc(2026, 3, 11, 2, 0)
    assert schedule.occurrence(day, time(3, 59), UTC, 4) == utc(2026, 3, 11, 3, 59)
    assert schedule.occurrence(day, time(4, 0), UTC, 4) == utc(2026, 3, 10, 4, 0)  # the rollover hour opens D
    assert schedule.occurrence(day, time(2, 0), TOKYO, 4) == utc(2026, 3, 10, 17, 0)  # 02:00 JST on the 11th


def test_a_reminder_skipped_by_dst_keeps_its_local_date() -> None:
    # issue 13, defect 3: New York, rollover 03:00, reminder 02:30. 7 March's reminder falls in the gap of
    # the 8th (02:00 EST -> 03:00 EDT) and fires at the jump, 07:00Z, still for 7 March; the 8th's at 06:30Z on the 9th.
    first = schedule.next_daily(utc(2026, 3, 8, 0, 0), time(2, 30), NEW_YORK, 3)
    assert first == schedule.Slot(date(2026, 3, 7), utc(2026, 3, 8, 7, 0))
    second = schedule.next_daily(first.at, time(2, 30), NEW_YORK, 3)
    assert second == schedule.Slot(date(2026, 3, 8), utc(2026, 3, 9, 6, 30))


def test_next_weekly_finds_today_and_is_strictly_after() -> None:
    sunday = date(2026, 3, 8)
    after = utc(2026, 3, 8, 1, 0)  # Sunday 10:00 in Tokyo
    got = schedule.next_weekly(after, 6, time(18, 0), TOKYO, 4)
    assert got == schedule.Slot(sunday, utc(2026, 3, 8, 9, 0))  # 18:00 JST the same day
    again = schedule.next_weekly(got.at, 6, time(18, 0), TOKYO, 4)
    assert again == schedule.Slot(sunday + timedelta(days=7), utc(2026, 3, 15, 9, 0))


def test_next_lastcall_is_before_todays_rollover() -> None:
    # Tokyo, rollover 04:00: 10 March ends at 04:00 JST on the 11th = 19:00Z on the 10th; a 60-minute last call.
    got = schedule.next_lastcall(utc(2026, 3, 10, 1, 0), 60, TOKYO, 4)
    assert got == schedule.Slot(date(2026, 3, 10), utc(2026, 3, 10, 18, 0))


def test_schedule_reminder_uses_the_members_zone() -> None:
    enrolment = _enrolment(cohort_zone="UTC", member_zone="Asia/Tokyo", lastcall=60)
    schedule.schedule_reminder(enrolment, utc(2026, 3, 10, 1, 0))  # 10:00 JST on the 10th
    membership = enrolment.membership
    assert (membership.next_reminder_day, membership.next_reminder_at) == (date(2026, 3, 10), utc(2026, 3, 10, 10, 0))
    assert (membership.next_lastcall_day, membership.next_lastcall_at) == (date(2026, 3, 10), utc(2026, 3, 10, 18, 0))
    off = _enrolment(reminder=None, lastcall=60, active=False)
    schedule.schedule_reminder(off, utc(2026, 3, 10, 1, 0))
    assert (off.membership.next_reminder_at, off.membership.next_lastcall_at) == (None, None)


def test_schedule_cohort_uses_the_cohorts_zone() -> None:
    cohort = Cohort("test", "w", "club", "general", created_by=1, timezone="Asia/Tokyo", rollover_hour=4)
    schedule.schedule_cohort(cohort, utc(2026, 3, 8, 1, 0))  # Sunday 10:00 JST
    assert (cohort.next_digest_day, cohort.next_digest_at) == (date(2026, 3, 8), utc(2026, 3, 8, 11, 0))
    assert (cohort.next_recap_day, cohort.next_recap_at) == (date(2026, 3, 8), utc(2026, 3, 8, 9, 0))


def test_slot_day_keeps_the_stored_date_and_derives_it_only_for_old_rows() -> None:
    # The skipped 02:30 of defect 3: the instant reads as 8 March, the occurrence is 7 March's.
    assert schedule.slot_day(date(2026, 3, 7), utc(2026, 3, 8, 7, 0), NEW_YORK, 3) == date(2026, 3, 7)
    # A row from before migration 0006: 05:00 JST on the 11th, rollover 04:00, is the 11th (in UTC it is the 10th).
    assert schedule.slot_day(None, utc(2026, 3, 10, 20, 0), TOKYO, 4) == date(2026, 3, 11)
    assert schedule.slot_day(None, utc(2026, 3, 10, 18, 0), TOKYO, 4) == date(2026, 3, 10)  # 03:00 JST: still the 10th


# --- bot.ranking ---------------------------------------------------------------------------------------------


def test_a_board_zone_without_its_own_date_uses_the_cohorts() -> None:
    board = Board(cohort_id=1, kind="streak", today={None: ORIGIN, "Asia/Tokyo": ORIGIN + timedelta(days=1)})
    assert board.today_in("Asia/Tokyo") == ORIGIN + timedelta(days=1)
    assert board.today_in("Europe/Berlin") == ORIGIN
    assert board.today_in(None) == ORIGIN


# --- bot.localtime -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "day", "gap_start", "gap_minutes", "jump"), [
    (NEW_YORK, date(2026, 3, 8), time(2, 0), 60, utc(2026, 3, 8, 7, 0)),  # 02:00 EST -> 03:00 EDT
    (LORD_HOWE, date(2026, 10, 4), time(2, 0), 30, utc(2026, 10, 3, 15, 30)),  # 02:00 +10:30 -> 02:30 +11:00
])
def test_every_skipped_wall_time_fires_exactly_at_the_jump(zone: ZoneInfo, day: date, gap_start: time,
                                                           gap_minutes: int, jump: datetime) -> None:
    for minute in range(gap_minutes):
        at = (datetime.combine(day, gap_start) + timedelta(minutes=minute)).time()
        instant = wall_time_to_utc(day, at, zone)
        assert instant == jump, at
        assert instant.tzinfo is UTC


def test_all_zone_names_lists_every_iana_zone_once_in_order() -> None:
    names = all_zone_names()
    assert names == sorted(set(names))
    assert set(names) == available_timezones()


def test_a_bad_zone_lists_its_suggestions_and_nothing_when_none_are_close() -> None:
    with pytest.raises(CommandError) as caught:
        parse_zone("Europe/Berln")
    suggestions = caught.value.data["suggestions"]
    assert "Europe/Berlin" in suggestions
    assert f"Did you mean {', '.join(suggestions)}?" in caught.value.message
    with pytest.raises(CommandError) as caught:
        parse_zone("qqqqzzzzxxxx")
    assert caught.value.data["suggestions"] == []
    message = caught.value.message
    assert "Did you mean" not in message and "None" not in message
    assert message.startswith("'qqqqzzzzxxxx' is not a time zone I know. Use an IANA name")


def test_a_city_name_finds_its_zone_however_deep_it_is() -> None:
    assert "America/Argentina/Buenos_Aires" in suggest_zones("buenos aires")
    assert "America/Argentina/Buenos_Aires" in suggest_zones("Buenos_Aires")


def test_refused_input_is_echoed_whole_when_short_and_cut_with_an_ellipsis_when_long() -> None:
    with pytest.raises(CommandError) as caught:
        parse_hhmm("7pm")
    assert caught.value.message.startswith("'7pm' is not a time")
    long = "1" * 100
    with pytest.raises(CommandError) as caught:
        parse_hhmm(long)
    echoed = caught.value.message.split("'")[1]
    assert echoed.endswith("…") and len(echoed) <= 40
    assert long.startswith(echoed[:-1])


# --- issue 15: off days and repair ---------------------------------------------------------------------------
# DESIGN.md "Off days, repair and undo", the README's Rules (Off day, Repair, Leaderboards) and the `rest` and
# `days:` settings, held against hand-worked cases and tests/model/reference.py. Each closes a gap a mutation
# run over bot/streaks.py, bot/offdays.py and bot/ranking.py found in the fast tests.

MONDAY = date(2026, 3, 2)


def _minutes(pattern: str, start: date = ORIGIN) -> dict[date, int]:
    """`x` done, `X` done with twice the target, `-` under target, `.` nothing logged."""
    minutes = {start + timedelta(days=i): {"x": TARGET, "X": 2 * TARGET, "-": 10, ".": 0}[c]
               for i, c in enumerate(pattern)}
    return {day: m for day, m in minutes.items() if m}


_repair_days = st.lists(st.tuples(st.sampled_from([0, 0, 10, 30, 30, 45, 60, 90]), st.booleans()),
                        min_size=1, max_size=70)


@settings(max_examples=200, deadline=None)
@given(_repair_days, st.integers(min_value=0, max_value=75))
def test_the_days_that_repaired_are_the_reference_walks(entries: list[tuple[int, bool]], offset: int) -> None:
    """README: the repairing check-in says `data.repaired: true`; `checkin` finds it among `repaired_on`, the
    days that repaired a streak (also when the doubled day is yesterday's, checked in late)."""
    today = ORIGIN + timedelta(days=offset)
    minutes = {ORIGIN + timedelta(days=i): m for i, (m, _) in enumerate(entries) if m and i <= offset}
    off = {ORIGIN + timedelta(days=i) for i, (_, o) in enumerate(entries) if o}
    if not minutes:
        return
    expected = reference_model.walk(minutes, TARGET, off.__contains__, today)
    got, _ = streaks.status(None, min(minutes), today, minutes, TARGET, off.__contains__)
    assert (got.repaired_days, got.repaired_on) == (expected.repaired, expected.repaired_on)


def test_a_doubled_day_yesterday_is_named_as_the_day_that_repaired() -> None:
    # 4 done, a miss (breaks 4), yesterday twice the target (repairs: 5), today not done yet.
    minutes = _minutes("xxxx.X-")
    today = ORIGIN + timedelta(days=6)
    got, _ = streaks.status(None, ORIGIN, today, minutes, TARGET, never)
    assert (got.streak, got.repaired_days, got.repaired_on) == (5, (ORIGIN + timedelta(days=4),),
                                                                (ORIGIN + timedelta(days=5),))
    assert not got.repaired_today and got.offer is None


def test_the_board_remembers_the_last_repair_and_refuses_a_second_within_30_days() -> None:
    # 3 done, a miss, a doubled day repairs (4); a done day (5), a miss breaks 5, a doubled day three days after
    # the repair: no repair (one in the 30 days before it), so the streak is 1.
    minutes = _minutes("xxx.Xx.X")
    last = ORIGIN + timedelta(days=7)
    expected = reference_model.walk(minutes, TARGET, never, last)
    assert (expected.streak, expected.longest, expected.repaired_on) == (1, 5, (ORIGIN + timedelta(days=4),))
    whole = board_streak(minutes, TARGET, never)
    assert whole.last_repair == ORIGIN + timedelta(days=4)
    stepwise = BoardStreak()
    for day in sorted(minutes):  # the write path, as each day becomes done
        stepwise = after_done_day(stepwise, day, minutes[day], TARGET, never)
    assert stepwise == whole
    assert stepwise.as_of(last) == (1, 5)


@pytest.mark.parametrize(("after", "offered"), [(30, False), (31, True)])
def test_a_repair_is_offered_only_when_none_happened_in_the_30_days_before_today(after: int, offered: bool) -> None:
    """README: `streak` shows the offer while a doubled day today would repair. Day 4 repairs a break (4), day 5 is
    done (5), then paused days up to a miss the day before today, which breaks 5; today is not done yet."""
    today = ORIGIN + timedelta(days=4 + after)
    minutes = {**_minutes("xxx.Xx"), today: 10}
    paused = {ORIGIN + timedelta(days=k) for k in range(6, 4 + after - 1)}
    got, _ = streaks.status(None, ORIGIN, today, minutes, TARGET, paused.__contains__)
    expected = reference_model.walk(minutes, TARGET, paused.__contains__, today)
    missed = today - timedelta(days=1)
    assert expected.offer == ((missed, 5) if offered else None)
    assert got.streak == expected.streak == 0
    assert got.offer == (streaks.Offer(missed, 5, 2 * TARGET) if offered else None)


@pytest.mark.parametrize(("pattern", "mendable"), [
    ("xxx.x", 3),  # fell short of repairing the break of 3: twice the target on it would make 4
    ("xxx.X", 0),  # twice the target already: it repaired, nothing is left to mend
    ("xxx.Xx.x", 0),  # fell short, but day 4 repaired 3 days before: doubling it would repair nothing
    ("xxx.Xx.-x", 0),  # the offer lapsed on the day under target (a missed day in between)
])
def test_mendable_is_the_streak_twice_the_target_on_the_last_done_day_would_restore(pattern: str,
                                                                                    mendable: int) -> None:
    minutes = _minutes(pattern)
    last = max(minutes)
    state = board_streak(minutes, TARGET, never)
    assert state.mendable == mendable
    doubled = {**minutes, last: 2 * TARGET}
    expected = reference_model.walk(doubled, TARGET, never, last)
    assert (expected.streak == mendable + 1) if mendable else (expected.streak == state.streak)


# An off day is a holiday, a day outside the cohort's study days, a rest day or a paused day; study and rest days
# as set over time (each change from its day on). Worked out here from the rules, independently of bot.offdays.
_STUDY_CHANGE = MONDAY + timedelta(days=14)  # `days:mon-fri` until then, `days:mon-thu` from then on
_REST_FROM = MONDAY + timedelta(days=21)  # `rest wed` from then on
_HOLIDAY = Holiday(MONDAY + timedelta(days=7), MONDAY + timedelta(days=9), "Spring")


@dataclass(frozen=True)
class _Pause:
    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


_PAUSE = _Pause(MONDAY + timedelta(days=3), MONDAY + timedelta(days=4))


def _expected_off(day: date) -> bool:
    study = reference_model.weekdays("mon-fri" if day < _STUDY_CHANGE else "mon-thu")
    rest = reference_model.weekdays("wed") if day >= _REST_FROM else set()
    return (day.weekday() not in study or day.weekday() in rest or _HOLIDAY.start <= day <= _HOLIDAY.end
            or _PAUSE.start <= day <= _PAUSE.end)


def _member_off_days() -> Callable[[date], bool]:
    study = WeeklyDays(parse_weekdays("mon-fri")).set_from(_STUDY_CHANGE, parse_weekdays("mon-thu"))
    rest = WeeklyDays(NO_DAY).set_from(_REST_FROM, parse_weekdays("wed"))
    return off_days(study, (_HOLIDAY,), rest, [_PAUSE])


def test_off_days_for_a_member_are_any_of_the_four_as_set_over_time() -> None:
    is_off = _member_off_days()
    for day in (MONDAY + timedelta(days=k) for k in range(-3, 42)):
        assert is_off(day) == _expected_off(day), day


# From MONDAY: off on days 3-4 (paused), 5-6 (weekend), 7-9 (holiday), then weekends, Fridays from day 14 on and
# Wednesdays from day 21 on. A miss on day 10 breaks 3 and doubled day 11 repairs it (4); a freeze earned on
# day 16 covers day 22; day 24 breaks 10 and doubled day 28, across the off days, is refused (17 days after a
# repair): 1; day 38 breaks 6 and doubled day 42, across three off days and 31 days after day 11, repairs it.
_OFF_DAYS_HISTORY = "xxx.......-X..xxxx.x.x......Xxxx...xx.....Xxx"


def test_a_hand_worked_history_with_off_days_and_repairs() -> None:
    minutes = _minutes(_OFF_DAYS_HISTORY, MONDAY)
    is_off = _member_off_days()

    def on(k: int) -> tuple:
        today = MONDAY + timedelta(days=k)
        seen = {day: m for day, m in minutes.items() if day <= today}
        got, _ = streaks.status(None, MONDAY, today, seen, TARGET, is_off)
        return got.streak, got.longest, got.freezes, got.repaired_on

    repaired = (MONDAY + timedelta(days=11),)
    assert on(11) == (4, 4, 0, repaired)
    assert on(23) == (10, 10, 0, repaired)
    assert on(28) == (1, 10, 0, repaired)
    assert on(44) == (9, 10, 1, (*repaired, MONDAY + timedelta(days=42)))


@pytest.mark.parametrize("pattern", [
    _OFF_DAYS_HISTORY,
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",  # done every day, off days too
    "xx.x.x...x.X..x....xX..x.x.xx.x..X.xx...",
])
def test_the_walk_and_the_board_with_a_members_off_days_agree_with_the_reference(pattern: str) -> None:
    minutes = _minutes(pattern, MONDAY)
    is_off = _member_off_days()
    for today in (MONDAY + timedelta(days=k) for k in range(len(pattern) + 5)):
        seen = {day: m for day, m in minutes.items() if day <= today}
        if not seen:
            continue
        expected = reference_model.walk(seen, TARGET, _expected_off, today)
        got, _ = streaks.status(None, min(seen), today, seen, TARGET, is_off)
        assert (got.streak, got.longest, got.freezes, got.repaired_days) == \
            (expected.streak, expected.longest, expected.freezes, expected.repaired), today
        before = {day: m for day, m in seen.items() if day < today}  # the board as of today, before its check-in
        if before:
            standing = reference_model.walk(before, TARGET, _expected_off, today)
            assert board_streak(before, TARGET, is_off).as_of(today) == (standing.streak, standing.longest), today


def test_count_is_the_number_of_weekdays_named() -> None:
    # `rest` takes at most 3 days a week (README): `rest mon-thu` is four.
    assert count(parse_weekdays("sat,sun")) == 2
    assert count(parse_weekdays("mon-thu")) == 4
    assert (count(EVERY_DAY), count(NO_DAY)) == (7, 0)


@pytest.mark.parametrize("second", [0, 1])
def test_study_days_set_and_then_set_back_read_as_the_last_setting(second: int) -> None:
    """`days:mon-fri` on a Monday, then `days:all` the same day or the next: from then on every day is a study
    day again (each change applies from its day on and replaces what an earlier one said)."""
    history = WeeklyDays(EVERY_DAY).set_from(MONDAY, parse_weekdays("mon-fri"))
    history = history.set_from(MONDAY + timedelta(days=second), EVERY_DAY)
    made = [reference_model.DaysChange(utc(2026, 3, 2, 9), MONDAY, frozenset(range(5))),
            reference_model.DaysChange(utc(2026, 3, 2 + second, 10), MONDAY + timedelta(days=second),
                                       frozenset(range(7)))]
    for day in (MONDAY + timedelta(days=k) for k in range(-2, 15)):
        expected = reference_model.weekdays_on(made, day, utc(2026, 3, 4), frozenset(range(7)))
        assert history.includes(day) == (day.weekday() in expected), day
    assert history.includes(MONDAY + timedelta(days=5))  # the Saturday after


@pytest.mark.parametrize(("typed", "message"), [
    ("", "no weekday given"), (" , ", "no weekday given"), ("funday", "'funday' is not a weekday"),
    ("mon-funday", "'funday' is not a weekday"),
])
def test_weekdays_that_cannot_be_read_say_what_was_wrong(typed: str, message: str) -> None:
    # `cohort settings days:` and `rest` show this message to the member as it is (capitalised).
    with pytest.raises(WeekdaysError) as caught:
        parse_weekdays(typed)
    assert str(caught.value) == message


_names = st.sampled_from(["ann", "Bob", "_kai", "zoe", "[x]", "Carl", "dee", "Eve"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_names, st.integers(0, 3), st.integers(0, 3)), max_size=8, unique_by=lambda e: e[0]))
def test_the_board_order_is_the_reference_models(entries: list[tuple[str, int, int]]) -> None:
    """README: ranked by value, ties by longest (sharing a rank), names in order within a rank (ignoring case)."""
    pool = sorted((BoardEntry(i, i, name, value, longest) for i, (name, value, longest) in enumerate(entries)),
                  key=best_first)
    ranks = competition_ranks(pool, key=lambda entry: entry.key)
    rows = [{"rank": rank, "name": entry.name, "value": entry.value}
            for rank, entry in zip(ranks, pool, strict=True) if entry.value > 0]
    assert rows == reference_model.competition_rows(entries)


def test_names_within_a_rank_are_ordered_ignoring_case() -> None:
    # As the reference model orders them: by the lower-cased name, so `_` comes before the letters.
    pool = [BoardEntry(i, i, name, 3, 5) for i, name in enumerate(["zoe", "Bob", "_kai", "ann"])]
    assert [entry.name for entry in sorted(pool, key=best_first)] == ["_kai", "ann", "Bob", "zoe"]
