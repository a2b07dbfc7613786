"""The streak walk (freezes, off days, repair) against DESIGN.md's reference walk (tests/model/reference.py),
on random histories."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import streaks
from bot.streaks import StreakState
from tests.model import reference as ref

ORIGIN = date(2026, 1, 1)
TARGET = 30

# One entry a day from the first check-in on: minutes logged (0 = missed; 60 and more repair) and whether it was
# an off day (paused, resting, a holiday or outside the study days: the walk sees them alike).
days = st.lists(st.tuples(st.sampled_from([0, 0, 0, 10, 29, 30, 45, 60, 90]), st.booleans()), min_size=1, max_size=60)


def _history(entries: list[tuple[int, bool]]) -> tuple[dict[date, int], set[date], date | None]:
    minutes = {ORIGIN + timedelta(days=i): m for i, (m, _) in enumerate(entries) if m}
    paused = {ORIGIN + timedelta(days=i) for i, (_, p) in enumerate(entries) if p}
    first = min(minutes) if minutes else None
    return minutes, paused, first


def _expected(minutes: dict[date, int], paused: set[date], first: date | None, today: date) -> tuple:
    seen = {day: m for day, m in minutes.items() if day <= today}
    status = ref.walk(seen, TARGET, paused.__contains__, today)
    return status.streak, status.longest, status.freezes, status.today_done, status.offer


def _got(status: streaks.StreakStatus) -> tuple:
    offer = (status.offer.missed, status.offer.streak) if status.offer is not None else None
    return status.streak, status.longest, status.freezes, status.today_done, offer


def _status(saved: StreakState | None, minutes: dict[date, int], paused: set[date], today: date):
    seen = {day: m for day, m in minutes.items() if day <= today}
    first = min(seen) if seen else None
    since = ORIGIN if saved is None or saved.through is None else saved.through + timedelta(days=1)
    window = {day: m for day, m in seen.items() if day >= since}  # only what the real query would return
    return streaks.status(saved, first, today, window, TARGET, lambda d: d in paused)


@settings(max_examples=300, deadline=None)
@given(days, st.integers(min_value=0, max_value=65))
def test_from_scratch_agrees_with_the_reference_walk(entries: list[tuple[int, bool]], today_offset: int) -> None:
    minutes, paused, first = _history(entries)
    today = ORIGIN + timedelta(days=today_offset)
    status, _ = _status(None, minutes, paused, today)
    assert _got(status) == _expected(minutes, paused, first, today)
    seen = {day: m for day, m in minutes.items() if day <= today}
    assert status.repaired_days == ref.walk(seen, TARGET, paused.__contains__, today).repaired


@settings(max_examples=300, deadline=None)
@given(days, st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=25))
def test_resuming_from_a_saved_state_agrees_with_the_reference_walk(
        entries: list[tuple[int, bool]], earlier_offset: int, gap: int) -> None:
    minutes, paused, first = _history(entries)
    earlier = ORIGIN + timedelta(days=earlier_offset)
    later = earlier + timedelta(days=gap)
    _, saved = _status(None, minutes, paused, earlier)
    status, _ = _status(saved, minutes, paused, later)
    assert _got(status) == _expected(minutes, paused, first, later)


@settings(max_examples=200, deadline=None)
@given(days, st.integers(min_value=2, max_value=40), st.integers(min_value=5, max_value=60))
def test_a_backdated_check_in_after_a_save_agrees_once_the_stale_save_is_dropped(
        entries: list[tuple[int, bool]], today_offset: int, extra: int) -> None:
    minutes, paused, first = _history(entries)
    today = ORIGIN + timedelta(days=today_offset)
    _, saved = _status(None, minutes, paused, today)
    yesterday = today - timedelta(days=1)
    minutes = {**minutes, yesterday: minutes.get(yesterday, 0) + extra}  # `checkin … yesterday:true`
    if saved is not None and saved.through is not None and yesterday <= saved.through:
        saved = None  # the core's rule: a write to a day the save covered discards it
    status, _ = _status(saved, minutes, paused, today)
    first = min(minutes)
    assert _got(status) == _expected(minutes, paused, first, today)


def _run(pattern: str, paused: str = "") -> streaks.StreakStatus:
    """`x` done, `X` done twice over, `-` under target, `.` missed; the last character is today. `p` in `paused`
    makes that day an off day."""
    minutes = {ORIGIN + timedelta(days=i): {"x": TARGET, "X": 2 * TARGET, "-": 10}.get(c, 0)
               for i, c in enumerate(pattern)}
    paused_days = {ORIGIN + timedelta(days=i) for i, c in enumerate(paused) if c == "p"}
    today = ORIGIN + timedelta(days=len(pattern) - 1)
    status, _ = _status(None, {d: m for d, m in minutes.items() if m}, paused_days, today)
    return status


def test_hand_worked_examples() -> None:
    assert (_run("xxxxxxx").streak, _run("xxxxxxx").freezes) == (7, 1)
    assert _run("x" * 14).freezes == 2
    assert _run("x" * 21).freezes == 2  # at most two held
    assert (_run("xxxxxxx.x").streak, _run("xxxxxxx.x").freezes) == (8, 0)  # the freeze covers the miss
    assert _run("xxxxxxx..x").streak == 1  # one freeze, two misses: reset, then today
    assert _run("xx...x", paused="  ppp").streak == 3  # paused days change nothing
    assert (_run("xx-").streak, _run("xx-").today_done) == (2, False)  # today not done yet: the streak stands
    longest = _run("xxxx..x")
    assert (longest.streak, longest.longest) == (1, 4)
    frozen = _run("xxxxxxx.x")
    assert frozen.frozen_days == (ORIGIN + timedelta(days=7),)


def test_repair_hand_worked_examples() -> None:
    assert _run("xxxx.X").streak == 5  # the doubled day after the break repairs it: 4 + 1
    assert _run("xxxx.X").repaired_days == (ORIGIN + timedelta(days=4),)
    assert _run("xxxx.x").streak == 1  # done, but not doubled: the offer lapses
    assert _run("xxxx..X").streak == 1  # a second missed day ends the offer
    assert _run("xxxx.  X", paused="     pp").streak == 5  # off days between keep the offer open
    assert _run("xxxxxx.X").freezes == 1  # the repaired streak reaches 7: a freeze, as any 7th day
    offer = _run("xxx.-")
    assert (offer.streak, offer.offer) == (0, streaks.Offer(ORIGIN + timedelta(days=3), 3, 2 * TARGET))
    assert _run("xxx.X").repaired_today
    assert _run("xxx.X").offer is None
    # At most one repair in any 30 days (two freezes spent first, then the break): 30 days apart is refused...
    second = "xxx.X" + "x" * 26 + "...X"
    assert _run(second).streak == 1
    assert _run(second[:-1]).offer is None
    third = "xxx.X" + "x" * 27 + "...X"  # ... 31 days apart, both count
    assert _run(third).streak == 3 + 1 + 27 + 1
