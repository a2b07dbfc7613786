"""Issue 13, defects 5-7, on a real SQLite file (and Postgres when STUDYBOT_TEST_POSTGRES_URL is set): the
sequences of tests/unit/test_zone_changes.py, run against storage as it really is (saved walks and board
figures in columns, memberships read back from rows)."""

from __future__ import annotations

import pytest

from storage import Database
from tests.unit.test_zone_changes import (
    START_5,
    START_6,
    START_7,
    WEST,
    World,
    cohort_moves_to_tokyo,
    cohort_rolls_over_at_midnight,
    leave_and_rejoin,
    member_moves_to_tokyo,
    rejoin_with_a_pair_left_active,
    streak_after_moving_two_days_back,
    today_done_after_moving_two_days_back,
    walk_never_trusts_a_save_dated_today,
)


@pytest.mark.parametrize("scenario", [member_moves_to_tokyo, cohort_moves_to_tokyo, cohort_rolls_over_at_midnight])
async def test_a_zone_or_rollover_change_moves_buddy_day_ends(database: Database, scenario) -> None:  # type: ignore[no-untyped-def]
    await scenario(World(database.unit_of_work, START_5))


@pytest.mark.parametrize("scenario", [leave_and_rejoin, rejoin_with_a_pair_left_active])
async def test_leaving_ends_buddy_pairings_on_both_sides(database: Database, scenario) -> None:  # type: ignore[no-untyped-def]
    await scenario(World(database.unit_of_work, START_6))


@pytest.mark.parametrize("cohort", [False, True], ids=["member", "cohort"])
@pytest.mark.parametrize(("east", "west"), WEST)
@pytest.mark.parametrize("scenario", [streak_after_moving_two_days_back, today_done_after_moving_two_days_back])
async def test_moving_two_days_back_forgets_the_saved_walk(database: Database, scenario,  # type: ignore[no-untyped-def]
                                                           east: str, west: str, cohort: bool) -> None:
    await scenario(World(database.unit_of_work, START_7), east, west, cohort)


async def test_the_walk_never_trusts_a_save_dated_on_or_after_today(database: Database) -> None:
    await walk_never_trusts_a_save_dated_today(World(database.unit_of_work, START_7))
