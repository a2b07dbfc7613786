"""The board streak (bot/ranking.py) against DESIGN.md's reference walk, on random histories: built in one go
or day by day as check-ins arrive, its value on any later day is the walk's."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.ranking import BoardStreak, after_done_day, board_streak, competition_ranks
from tests.model import reference as ref

ORIGIN = date(2026, 1, 1)
TARGET = 30

# One entry a day from the first check-in on: minutes logged (0 = nothing; 60 and more repair) and whether it was an
# off day (paused, resting, a holiday, outside the study days).
days = st.lists(st.tuples(st.sampled_from([0, 0, 0, 10, 29, 30, 45, 60]), st.booleans()), min_size=1, max_size=50)


@settings(max_examples=300, deadline=None)
@given(days, st.lists(st.booleans(), max_size=12), st.integers(min_value=0, max_value=12))
def test_the_board_streak_is_the_walk_on_every_later_day(entries: list[tuple[int, bool]], later_pauses: list[bool],
                                                         ahead: int) -> None:
    minutes = {ORIGIN + timedelta(days=i): m for i, (m, _) in enumerate(entries) if m}
    paused = {ORIGIN + timedelta(days=i) for i, (_, p) in enumerate(entries) if p}
    paused |= {ORIGIN + timedelta(days=len(entries) + i) for i, p in enumerate(later_pauses) if p}
    done = sorted(day for day, m in minutes.items() if m >= TARGET)
    state = board_streak(minutes, TARGET, paused.__contains__)
    stepwise = BoardStreak()
    for day in done:  # what the write path does as each day becomes done, in order
        stepwise = after_done_day(stepwise, day, minutes[day], TARGET, paused.__contains__)
    assert stepwise == state
    start = done[-1] if done else ORIGIN
    for today in (start + timedelta(days=k) for k in range(ahead + 1)):
        status = ref.walk({d: m for d, m in minutes.items() if d <= today}, TARGET, paused.__contains__, today)
        assert state.as_of(today) == (status.streak, status.longest), today


@settings(max_examples=200, deadline=None)
@given(days)
def test_mendable_says_when_more_minutes_on_the_last_done_day_would_repair(entries: list[tuple[int, bool]]) -> None:
    minutes = {ORIGIN + timedelta(days=i): m for i, (m, _) in enumerate(entries) if m}
    paused = {ORIGIN + timedelta(days=i) for i, (_, p) in enumerate(entries) if p}
    state = board_streak(minutes, TARGET, paused.__contains__)
    if state.day is None:
        return
    doubled = board_streak({**minutes, state.day: 2 * TARGET}, TARGET, paused.__contains__)
    # The write path keeps a state unless `mendable` says the doubled day would walk differently.
    assert (doubled.streak != state.streak) == (state.mendable > 0 and minutes[state.day] < 2 * TARGET)


def test_a_last_done_day_after_today_is_not_answered() -> None:
    state = board_streak({ORIGIN: 30}, TARGET, lambda day: False)
    assert state.as_of(ORIGIN - timedelta(days=1)) is None
    assert state.as_of(ORIGIN) == (1, 1)
    assert state.as_of(ORIGIN + timedelta(days=1)) == (1, 1)  # yesterday done, today not yet: it stands
    assert state.as_of(ORIGIN + timedelta(days=2)) == (0, 1)  # no freeze to cover the missed day


def test_competition_ranks_share_a_place_and_skip_the_next() -> None:
    assert competition_ranks([9, 7, 7, 5, 5, 5, 1], key=lambda value: value) == [1, 2, 2, 4, 4, 4, 7]
