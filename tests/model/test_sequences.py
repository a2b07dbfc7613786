"""Fixed sequences of the model-based test's rules (tests/model/test_model_based.py): the sequences of issue 13's
defects 2, 3, 5, 6, 7 and 8, which random sequences reach only now and then. Each runs the same machine, rule by
rule, with its invariants after every step, as hypothesis would; the model's checks, not expected outputs written
here, decide pass or fail. On the code before the fixes (54111a8) each of them fails; see each docstring for the
check that fires there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from tests.model.test_model_based import StudyBotMachine

OCT_3 = datetime(2026, 10, 3, 6, 0, tzinfo=UTC)  # a Saturday morning, no DST night near in UTC or New York
MAR_7 = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)  # the day before New York's spring-forward (8 March, 02:00 -> 03:00)

Step = Callable[[StudyBotMachine], object]


def play(*steps: Step) -> None:
    state = StudyBotMachine()
    try:
        for step in steps:
            step(state)
            state.ids_are_never_reused()
            state.views_match_the_model()
    finally:
        state.teardown()


def boot(start: datetime = OCT_3, zone: str = "UTC", rollover: int = 4, joins: tuple[tuple[int, int], ...] = ((1, 0),),
         *, buddies: bool = False, second: tuple[str, int] | None = None) -> Step:
    zones, rollovers = [zone, second[0] if second else "UTC"], [rollover, second[1] if second else 0]
    return lambda s: s.boot(start, zones, rollovers, second is not None, list(joins), buddies=buddies)


def test_defect_2_a_sprint_after_forget_gets_a_new_id_and_its_dm() -> None:
    """Bartholomew owns the last sprint and runs `forget`; Cosima's sprint must get a new id and her sprint-end DM.
    Pre-fix: `check_new_sprint_id` (sprint id 1 given out twice); without it, the DM's completeness check."""
    play(boot(joins=((1, 0), (2, 0))),
         lambda s: s.sprint_start(1),  # Bartholomew
         lambda s: s.advance(40),
         lambda s: s.forget(1),
         lambda s: s.sprint_start(1),  # Cosima
         lambda s: s.advance(40))


def test_defect_2_a_cohort_made_after_one_removed_gets_its_digest() -> None:
    """grp2's digest goes out, grp2 is removed, grp3 is made the same day: grp3's digest must come.
    Pre-fix: `ids_are_never_reused` (cohort id 2 again); without it, the digest's completeness check."""
    play(boot(),
         lambda s: s.cohort_create(1, "UTC", 4, "19:00", 30, 1),
         lambda s: s.advance_to(19),
         lambda s: s.cohort_remove(1, 0),
         lambda s: s.cohort_create(2, "UTC", 4, "21:00", 30, 1),
         lambda s: s.advance_to(22),
         lambda s: s.advance(1440))


def test_defect_3_a_reminder_at_0230_over_the_spring_forward_night_with_rollover_3() -> None:
    """New York, rollover 3, reminder 02:30, 10 minutes logged on 7 March, two nights.
    Pre-fix: `check_personal` (a reminder keyed 8 March sent at 07:00Z on 8 March, not due then)."""
    play(boot(MAR_7, "America/New_York", 3),
         lambda s: s.remind(1, "02:30"),
         lambda s: s.checkin(1, 10, False),
         *[lambda s: s.advance(600)] * 6)


def test_defect_3_a_digest_at_0230_over_the_spring_forward_night_with_rollover_3() -> None:
    """The same night with the cohort's digest at 02:30. Pre-fix: `check_digest` (8 March's digest sent at 07:00Z
    on 8 March, not due then)."""
    play(boot(MAR_7, "America/New_York", 3),
         lambda s: s.remind(1, "off"),
         lambda s: s.remind(0, "off"),
         lambda s: s.cohort_settings(0, 0, "digest", "UTC", 0, 1, "02:30"),
         *[lambda s: s.advance(600)] * 6)


def test_defect_5_a_buddy_moving_zone_is_judged_at_the_end_of_their_new_day() -> None:
    """Aurelia and Bartholomew are buddies in New York; Aurelia moves to Sydney; days end undone.
    Pre-fix: `check_buddy` (Bartholomew told at the old zone's day end that Aurelia missed a day still running)."""
    play(boot(zone="America/New_York", buddies=True),
         lambda s: s.timezone(0, "Australia/Sydney"),
         lambda s: s.advance(1500),
         lambda s: s.advance(1500))


def test_defect_5_a_cohort_zone_change_moves_both_buddies_day_ends() -> None:
    """The organizer moves the cohort from New York to Sydney. Pre-fix: `check_buddy`, as above."""
    play(boot(zone="America/New_York", buddies=True),
         lambda s: s.cohort_settings(0, 0, "timezone", "Australia/Sydney", 0, 1, "20:00"),
         lambda s: s.advance(1500),
         lambda s: s.advance(1500))


def test_defect_6_after_leave_and_rejoin_a_new_pairing_works_both_ways() -> None:
    """Bartholomew leaves and rejoins; leaving ended the pairing (README decision), so they pair again; then
    both are told of each other's undone days. Pre-fix: leaving kept the pairing, so `buddy accept` is refused
    (`no_request`) — the model follows the decision that replaced the one-way pairing (defect 6) with none."""
    play(boot(buddies=True),
         lambda s: s.leave(1),
         lambda s: s.advance(600),
         lambda s: s.join(1, 0),
         lambda s: s.buddy(1, 0, False),
         lambda s: s.buddy(0, 0, True),
         lambda s: s.advance(1500),
         lambda s: s.advance(1500))


def test_defect_7_moving_two_local_days_back_does_not_trust_a_saved_walk() -> None:
    """Bartholomew logs three days at UTC+14, then, at 10:17Z (00:17 on his fourth day there), moves to UTC-12:
    his today goes back two dates, onto a day his saved walk already covers.
    Pre-fix: `views_match_the_model` (`streak` disagrees with the model's walk)."""
    play(boot(rollover=0),
         lambda s: s.timezone(1, "Etc/GMT-14"),
         lambda s: s.checkin(1, 30, False),
         lambda s: s.advance(1440),
         lambda s: s.checkin(1, 30, False),
         lambda s: s.advance(1440),
         lambda s: s.checkin(1, 30, False),
         lambda s: s.advance_to(10),
         lambda s: s.timezone(1, "Etc/GMT+12"),
         lambda s: s.checkin(1, 30, False),
         lambda s: s.advance(1440))


def test_defect_8_forget_with_messages_queued_before_a_crash() -> None:
    """Reminders queued at 19:00, the process dies before sending them; Bartholomew runs `forget` after the restart.
    Pre-fix: `check_outbox_forgets` (his user id is still the target of a pending row). The pre-fix dispatcher
    did drop the pending reminder itself (its membership was gone), so nothing was delivered to him: what the
    check sees is the data left behind."""
    play(boot(joins=((1, 0), (2, 0))),
         lambda s: s.advance_to(18),
         lambda s: s.crash(60, 10),
         lambda s: s.forget(1),
         lambda s: s.advance(120),
         lambda s: s.advance(1440))


def test_defect_8_forget_during_a_platform_outage() -> None:
    """The platform is down at 19:00, so reminders and the digest wait in the outbox, retried; Bartholomew runs
    `forget` meanwhile. Pre-fix: `check_outbox_forgets`."""
    play(boot(joins=((1, 0), (2, 0))),
         lambda s: s.advance_to(18),
         lambda s: s.advance(42),
         lambda s: s.outage(2),
         lambda s: s.forget(1),
         lambda s: s.advance(120),
         lambda s: s.advance(1440))


# --- issue 15: off days, repair and undo. A board streak stands until its (freezes + 1)-th day that is not off
# after its last done day; a change of off days within that reach must move it (`forget_board_streaks`), and the
# repair rule must reach the board through both of its write paths (one doubled check-in, or two that add up).

def _a_saturday_done_then(*change: Step) -> None:
    """Aurelia is done on Saturday 3 October; on Sunday the change makes Sunday off; on Monday her streak of 1
    must still stand (the walk skips the off Sunday), on `streak` and on the board."""
    play(boot(),
         lambda s: s.checkin(0, 30, False),
         lambda s: s.advance_to(6),  # Saturday 06:17
         lambda s: s.advance_to(6),  # Sunday 06:17
         *change,
         lambda s: s.advance_to(6))  # Monday 06:17: the board is compared after every step


def test_a_holiday_added_today_keeps_a_standing_streak_on_the_board() -> None:
    """Pre-fix (no `forget_board_streaks` after `cohort holiday add`): the streak board says 0 on Monday."""
    _a_saturday_done_then(lambda s: s.holiday(0, 0, 0, 1, False))


def test_a_rest_day_set_today_keeps_a_standing_streak_on_the_board() -> None:
    _a_saturday_done_then(lambda s: s.rest(0, "sun"))


def test_study_days_changed_today_keep_a_standing_streak_on_the_board() -> None:
    _a_saturday_done_then(lambda s: s.study_days(0, 0, "mon-fri"))


def test_a_repair_reaches_the_board_in_one_check_in_or_in_two() -> None:
    """Bartholomew is done Saturday, misses Sunday, and repairs on Monday with 60 minutes at once; Aurelia with two
    check-ins of 30 (the board's `mendable` path). Both streaks are 2 on Monday, on `streak` and on the board."""
    play(boot(),
         lambda s: s.checkin(0, 30, False),
         lambda s: s.checkin(1, 30, False),
         lambda s: s.advance_to(6),
         lambda s: s.advance_to(6),  # Sunday: missed by both
         lambda s: s.advance_to(6),  # Monday
         lambda s: s.checkin(1, 60, False),
         lambda s: s.checkin(0, 30, False),
         lambda s: s.checkin(0, 30, False),
         lambda s: s.advance(600))


def test_undo_takes_a_day_off_the_boards_and_the_streak() -> None:
    """Aurelia's Sunday check-in is undone on Sunday: her streak, the week board and the streak board follow."""
    play(boot(),
         lambda s: s.checkin(0, 30, False),
         lambda s: s.advance_to(6),
         lambda s: s.advance_to(6),
         lambda s: s.checkin(0, 45, False),
         lambda s: s.undo(0),
         lambda s: s.undo(0),  # Saturday's, recorded 24 h 17 min ago: nothing left to undo
         lambda s: s.advance(300))
