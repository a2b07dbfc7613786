"""Off days, streak repair and undo (DESIGN.md "Off days, repair and undo"), end to end through the console CLI.

Each transcript in `transcripts/` is run by `studybot console --script FILE --json` on a fresh SQLite file; the
expected values below are worked out by hand from the rules (UTC cohorts, 30-minute target, the day rolls over
at 04:00, reminders at 19:00, digests at 20:00, a freeze every 7th streak day, at most 2).

Not covered: replaying an interaction. The console gives every line a fresh idempotency key
(`console:<uuid4>`) and has no directive to reuse one, so "a replay of an undone check-in records nothing"
cannot be driven from a transcript.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.console.test_transcripts import TRANSCRIPTS, run_script

Line = dict[str, Any]


def run(tmp_path: Path, name: str) -> list[Line]:
    return run_script(tmp_path, (TRANSCRIPTS / name).read_text(encoding="utf-8"))


def of_type(lines: list[Line], kind: str, to: str | None = None) -> list[Line]:
    return [m for m in lines if m["data"].get("type") == kind and (to is None or m["to"] == to)]


def sent(lines: list[Line], kind: str) -> list[tuple[str, str]]:
    """(recipient, local date) of every scheduled message of that type, sorted."""
    return sorted((m["to"], m["data"]["local_date"]) for m in of_type(lines, kind))


def digests(lines: list[Line]) -> dict[str, Line]:
    posted = of_type(lines, "digest")
    assert all(m["kind"] == "channel" and m["to"] == "#general" for m in posted)
    by_day = {m["data"]["local_date"]: m["data"] for m in posted}
    assert len(by_day) == len(posted), "two digests for one day"
    return by_day


def checkins(lines: list[Line], user: str) -> list[Line]:
    """The replies to `user`'s own check-ins (posted in the channel)."""
    return [m["data"] for m in lines
            if m["kind"] == "reply" and "day_done" in m["data"] and m["text"].startswith(f"{user} logged")]


def streak_replies(lines: list[Line], user: str) -> list[Line]:
    """The replies to `user`'s `streak` commands."""
    found = [m for m in lines if m["kind"] == "reply" and m["to"] == user and "off_today" in m["data"]]
    assert all(m["private"] for m in found)
    return [m["data"] for m in found]


def errors(lines: list[Line]) -> list[Line]:
    return [m for m in lines if "error" in m["data"]]


def offer(missed: str, streak: int, need: int = 60) -> dict[str, Any]:
    return {"missed": missed, "streak": streak, "need_minutes": need}


# 1. A holiday in the middle of a streak -------------------------------------------------------------------------


def test_a_holiday_carries_the_streak_over_and_silences_reminders_digests_and_buddy_notices(tmp_path: Path) -> None:
    lines = run(tmp_path, "holiday_mid_streak.txt")
    assert not errors(lines)
    added = next(m for m in lines if m["data"].get("action") == "add")
    assert added["private"] is True
    assert added["data"]["holiday"] == {"start": "2026-03-04", "end": "2026-03-05", "name": "Spring break"}

    # ann: Mon 1, Tue 2, (Wed, Thu off and undone: unchanged), Fri 3, Sat 4.
    assert [(c["local_date"], c["streak"]) for c in checkins(lines, "ann")] == [
        ("2026-03-02", 1), ("2026-03-03", 2), ("2026-03-06", 3), ("2026-03-07", 4)]
    assert [(s["local_date"], s["streak"], s["off_today"], s["repair"]) for s in streak_replies(lines, "ann")] == [
        ("2026-03-04", 2, "holiday Spring break", None),
        ("2026-03-05", 2, "holiday Spring break", None),
        ("2026-03-06", 2, None, None),
        ("2026-03-07", 4, None, None)]
    # cat studies on the holiday's first day: a done off day counts; the undone Thursday changes nothing.
    assert [(c["local_date"], c["streak"]) for c in checkins(lines, "cat")] == [
        ("2026-03-02", 1), ("2026-03-03", 2), ("2026-03-04", 3), ("2026-03-06", 4)]
    assert [(s["local_date"], s["streak"]) for s in streak_replies(lines, "cat")] == [("2026-03-07", 4)]

    # bob never checks in: a reminder on every day but the holiday; cat only on Saturday (not done by 19:00).
    assert sent(lines, "reminder") == [("bob", "2026-03-02"), ("bob", "2026-03-03"), ("bob", "2026-03-06"),
                                       ("bob", "2026-03-07"), ("cat", "2026-03-07")]
    by_day = digests(lines)
    assert sorted(by_day) == ["2026-03-02", "2026-03-03", "2026-03-06", "2026-03-07"]
    assert (by_day["2026-03-06"]["done"], by_day["2026-03-06"]["pending"]) == (["ann", "cat"], ["bob"])
    assert (by_day["2026-03-07"]["done"], by_day["2026-03-07"]["pending"]) == (["ann"], ["bob", "cat"])
    # ann hears when bob's day ends undone (at 04:00 the next morning), except on the holiday.
    assert [(m["to"], m["data"]["buddy"], m["data"]["local_date"]) for m in of_type(lines, "buddy")] == [
        ("ann", "bob", "2026-03-02"), ("ann", "bob", "2026-03-03"), ("ann", "bob", "2026-03-06")]


# 2. A Friday-off cohort over three weeks ------------------------------------------------------------------------


def test_a_friday_off_cohort_counts_eighteen_days_without_a_break(tmp_path: Path) -> None:
    lines = run(tmp_path, "friday_off_three_weeks.txt")
    assert not errors(lines)
    created = lines[0]
    assert created["data"]["study_days"] == "mon-thu,sat,sun"
    listing = next(m for m in lines if m["to"] == "ann" and "study_days" in m["data"] and "holidays" in m["data"])
    assert listing["data"]["study_days"] == "mon-thu,sat,sun" and listing["data"]["holidays"] == []

    days = [date(2026, 3, 7) + timedelta(days=n) for n in range(21)]
    study = [d.isoformat() for d in days if d.weekday() != 4]
    fridays = [d.isoformat() for d in days if d.weekday() == 4]
    assert len(study) == 18 and fridays == ["2026-03-13", "2026-03-20", "2026-03-27"]

    # A freeze on the 7th and the 14th study day, no more than 2; Fridays spend none.
    expected = [(day, n, min(2, n // 7)) for n, day in enumerate(study, start=1)]
    assert [(c["local_date"], c["streak"], c["freezes"]) for c in checkins(lines, "ann")] == expected
    assert [(s["local_date"], s["streak"], s["freezes"], s["off_today"]) for s in streak_replies(lines, "ann")] == [
        ("2026-03-13", 6, 0, "not a study day"),
        ("2026-03-20", 12, 1, "not a study day"),
        ("2026-03-27", 18, 2, "not a study day"),
        ("2026-03-28", 18, 2, None)]
    assert streak_replies(lines, "ann")[-1]["longest"] == 18
    board = lines[-1]["data"]
    assert board["board"] == "streak" and board["rows"] == [{"rank": 1, "name": "ann", "value": 18}]

    # bob never checks in: a reminder on each study day, none on a Friday; ann always checks in by noon.
    assert sent(lines, "reminder") == [("bob", day) for day in study]
    by_day = digests(lines)
    assert sorted(by_day) == study
    assert all(by_day[day]["done"] == ["ann"] and by_day[day]["pending"] == ["bob"] for day in study)


# 3. A repair on the next day ------------------------------------------------------------------------------------


def test_a_double_session_the_day_after_a_break_repairs_the_streak(tmp_path: Path) -> None:
    lines = run(tmp_path, "repair_next_day.txt")
    assert not errors(lines)
    # Mon-Wed: 3 days; Thursday missed with no freeze breaks it; Friday noon the offer stands.
    friday, after = streak_replies(lines, "ann")
    assert (friday["local_date"], friday["streak"], friday["longest"]) == ("2026-03-06", 0, 3)
    assert friday["repair"] == offer("2026-03-05", 3)

    reminders = {m["data"]["local_date"]: m for m in of_type(lines, "reminder", to="ann")}
    assert sorted(reminders) == ["2026-03-05", "2026-03-06", "2026-03-07"]
    assert "repair" not in reminders["2026-03-05"]["data"] and reminders["2026-03-05"]["data"]["streak"] == 3
    assert reminders["2026-03-06"]["data"]["repair"] == offer("2026-03-05", 3)
    assert "repair your 3-day streak" in reminders["2026-03-06"]["text"]
    assert "repair" not in reminders["2026-03-07"]["data"] and reminders["2026-03-07"]["data"]["streak"] == 4

    ann = checkins(lines, "ann")
    assert [(c["local_date"], c["minutes"], c["streak"], c["repaired"]) for c in ann] == [
        ("2026-03-02", 30, 1, False), ("2026-03-03", 30, 2, False), ("2026-03-04", 30, 3, False),
        ("2026-03-06", 60, 4, True), ("2026-03-07", 30, 5, False)]
    assert ann[3]["longest"] == 4
    assert (after["streak"], after["longest"], after["repair"], after["today_done"]) == (4, 4, None, True)
    repaired_text = next(m["text"] for m in lines if m["data"].get("repaired") and m["text"].startswith("ann"))
    assert "Streak repaired" in repaired_text

    # bob reaches the double in two check-ins: the first says how much is left, the second repairs.
    first, second = checkins(lines, "bob")[3:]
    assert (first["minutes_today"], first["streak"], first["repaired"]) == (30, 1, False)
    first_text = next(m["text"] for m in lines if m["data"] is first)
    assert "Log 30 more min today to repair your 3-day streak" in first_text
    assert (second["minutes_today"], second["streak"], second["longest"], second["repaired"]) == (60, 4, 4, True)
    (bob_streak,) = streak_replies(lines, "bob")
    assert (bob_streak["streak"], bob_streak["repair"]) == (4, None)
    assert sent(lines, "reminder") == [("ann", "2026-03-05"), ("ann", "2026-03-06"), ("ann", "2026-03-07"),
                                       ("bob", "2026-03-05"), ("bob", "2026-03-07")]
    friday_digest = digests(lines)["2026-03-06"]
    assert (friday_digest["done"], friday_digest["pending"]) == (["bob"], ["ann"])


# 4. No repair after a second missed day (an off day in between does not end the offer) ---------------------------


def test_a_second_missed_day_ends_the_offer_but_a_rest_day_does_not(tmp_path: Path) -> None:
    lines = run(tmp_path, "repair_lapses.txt")
    assert not errors(lines)
    ann = streak_replies(lines, "ann")
    assert [(s["local_date"], s["streak"], s["longest"], s["repair"]) for s in ann] == [
        ("2026-03-06", 0, 3, offer("2026-03-05", 3)),
        ("2026-03-07", 0, 3, None),
        ("2026-03-07", 1, 3, None)]
    saturday = checkins(lines, "ann")[-1]
    assert (saturday["local_date"], saturday["minutes"], saturday["streak"], saturday["repaired"]) == (
        "2026-03-07", 60, 1, False)
    reminders = {m["data"]["local_date"]: m["data"] for m in of_type(lines, "reminder", to="ann")}
    assert sorted(reminders) == ["2026-03-05", "2026-03-06", "2026-03-07"]
    assert [reminders[day].get("repair") for day in sorted(reminders)] == [None, offer("2026-03-05", 3), None]

    # bob: Friday is his rest day, an off day left undone, so Saturday still settles the offer.
    rest = next(m for m in lines if m["to"] == "bob" and "rest_days" in m["data"])
    assert rest["data"]["rest_days"] == ["fri"] and rest["data"]["from"] == "2026-03-02"
    bob = streak_replies(lines, "bob")
    assert [(s["local_date"], s["streak"], s["off_today"], s["repair"]) for s in bob] == [
        ("2026-03-06", 0, "your rest day", offer("2026-03-05", 3)),
        ("2026-03-07", 0, None, offer("2026-03-05", 3)),
        ("2026-03-07", 4, None, None)]
    bob_saturday = checkins(lines, "bob")[-1]
    assert (bob_saturday["streak"], bob_saturday["longest"], bob_saturday["repaired"]) == (4, 4, True)
    bob_reminders = {m["data"]["local_date"]: m["data"] for m in of_type(lines, "reminder", to="bob")}
    assert sorted(bob_reminders) == ["2026-03-05", "2026-03-07"]  # none on his rest day
    assert bob_reminders["2026-03-07"]["repair"] == offer("2026-03-05", 3)
    assert digests(lines)["2026-03-06"]["pending"] == ["ann"]


# 5. One repair in 30 days ----------------------------------------------------------------------------------------


def test_a_second_repair_within_thirty_days_is_refused(tmp_path: Path) -> None:
    lines = run(tmp_path, "repair_once_in_30_days.txt")
    assert not errors(lines)
    for user in ("ann", "bob", "cat"):
        friday = next(c for c in checkins(lines, user) if c["local_date"] == "2026-03-06")
        assert (friday["streak"], friday["repaired"]) == (4, True), user

    ann = checkins(lines, "ann")
    # After the repair: Sat 5, Sun 6, Mon 7 (a freeze); Tue 10 spends it; Wed 11 breaks the 7-day streak.
    assert [(c["local_date"], c["streak"], c["freezes"]) for c in ann[4:7]] == [
        ("2026-03-07", 5, 0), ("2026-03-08", 6, 0), ("2026-03-09", 7, 1)]
    assert [(s["local_date"], s["streak"], s["longest"], s["freezes"], s["repair"])
            for s in streak_replies(lines, "ann")] == [
        ("2026-03-11", 7, 7, 0, None),  # the freeze kept the streak through Tuesday
        ("2026-03-12", 0, 7, 0, None),  # broken on Wednesday, and no offer: the last repair was 6 days ago
        ("2026-03-12", 1, 7, 0, None)]
    assert (ann[-1]["local_date"], ann[-1]["minutes"], ann[-1]["streak"], ann[-1]["repaired"]) == (
        "2026-03-12", 60, 1, False)
    ann_reminders = {m["data"]["local_date"]: m["data"] for m in of_type(lines, "reminder", to="ann")}
    assert ann_reminders["2026-03-10"]["streak"] == 7 and ann_reminders["2026-03-11"]["streak"] == 7
    assert "repair" not in ann_reminders["2026-03-11"]

    # bob: repaired on 6 March; his 1-day streak breaks on 4 April; 5 April is exactly 30 days on: refused.
    assert [(s["local_date"], s["streak"], s["repair"]) for s in streak_replies(lines, "bob")] == [
        ("2026-04-05", 0, None), ("2026-04-05", 1, None)]
    bob_last = checkins(lines, "bob")[-1]
    assert (bob_last["local_date"], bob_last["minutes"], bob_last["streak"], bob_last["repaired"]) == (
        "2026-04-05", 60, 1, False)
    bob_reminder = next(m["data"] for m in of_type(lines, "reminder", to="bob")
                        if m["data"]["local_date"] == "2026-04-05")
    assert bob_reminder["streak"] == 0 and "repair" not in bob_reminder

    # cat: her 1-day streak breaks on 5 April; 6 April is 31 days after her repair: allowed again.
    assert [(s["local_date"], s["streak"], s["repair"]) for s in streak_replies(lines, "cat")] == [
        ("2026-04-06", 0, offer("2026-04-05", 1)), ("2026-04-06", 2, None)]
    cat_reminder = next(m["data"] for m in of_type(lines, "reminder", to="cat")
                        if m["data"]["local_date"] == "2026-04-06")
    assert cat_reminder["repair"] == offer("2026-04-05", 1)
    cat_last = checkins(lines, "cat")[-1]
    assert (cat_last["local_date"], cat_last["streak"], cat_last["longest"], cat_last["repaired"]) == (
        "2026-04-06", 2, 4, True)


# 6. Undo of a sprint's check-in ---------------------------------------------------------------------------------


def test_undo_takes_back_a_finished_sprint(tmp_path: Path) -> None:
    lines = run(tmp_path, "undo_sprint.txt")
    (sprint_end,) = of_type(lines, "sprint_end")
    assert sprint_end["kind"] == "dm" and sprint_end["to"] == "ann"
    assert (sprint_end["data"]["local_date"], sprint_end["data"]["minutes"], sprint_end["data"]["streak"]) == (
        "2026-03-03", 30, 2)
    undo_at = next(i for i, m in enumerate(lines) if "undone" in m["data"])
    assert lines.index(sprint_end) < undo_at

    before, after = streak_replies(lines, "ann")
    assert (before["streak"], before["today_done"], before["minutes_today"], before["week"]["minutes"]) == (
        2, True, 30, 60)
    undo = lines[undo_at]
    assert undo["kind"] == "reply" and undo["to"] == "ann" and undo["private"] is True
    assert undo["data"]["undone"] == {"minutes": 30, "local_date": "2026-03-03", "cohort": "ml-club"}
    assert (undo["data"]["streak"], undo["data"]["longest"], undo["data"]["minutes_today"],
            undo["data"]["today_done"]) == (1, 1, 0, False)
    assert (after["streak"], after["longest"], after["today_done"], after["minutes_today"],
            after["week"]["minutes"]) == (1, 1, False, 0, 30)

    boards = [m["data"] for m in lines if m["data"].get("board") == "week"]
    assert [b["rows"] for b in boards] == [
        [{"rank": 1, "name": "ann", "value": 60}, {"rank": 2, "name": "bob", "value": 45}],
        [{"rank": 1, "name": "bob", "value": 45}, {"rank": 2, "name": "ann", "value": 30}]]

    # Monday's check-in was recorded 24.5 hours before: nothing left to undo.
    (refused,) = errors(lines)
    assert refused["data"]["error"] == "nothing_to_undo" and refused["private"] is True and refused["to"] == "ann"
    # Tuesday is no longer done, so ann's 19:00 reminder comes, with Monday's streak.
    ann_reminder = next(m["data"] for m in of_type(lines, "reminder", to="ann"))
    assert (ann_reminder["local_date"], ann_reminder["minutes_today"], ann_reminder["streak"]) == (
        "2026-03-03", 0, 1)
    assert digests(lines)["2026-03-03"]["pending"] == ["ann", "bob"]


def test_undo_of_a_day_already_walked_and_saved_recomputes_the_streak(tmp_path: Path) -> None:
    lines = run(tmp_path, "undo_late_checkin.txt")
    late = checkins(lines, "ann")[-1]
    assert (late["local_date"], late["streak"], late["longest"]) == ("2026-03-03", 2, 2)
    before, after = streak_replies(lines, "ann")
    # Thursday: Mon, Tue done; Wednesday missed broke the 2-day streak.
    assert (before["streak"], before["longest"], before["repair"]) == (0, 2, offer("2026-03-04", 2))
    (undo,) = [m["data"] for m in lines if "undone" in m["data"]]
    assert undo["undone"] == {"minutes": 30, "local_date": "2026-03-03", "cohort": "ml-club"}
    # Without Tuesday: Monday's 1-day streak broke on Tuesday, and Wednesday's missed day ended that offer.
    assert (undo["streak"], undo["longest"]) == (0, 1)
    assert (after["streak"], after["longest"], after["repair"], after["week"]["minutes"]) == (0, 1, None, 30)


# 7. Rest days ----------------------------------------------------------------------------------------------------


def test_no_reminder_last_call_or_buddy_notice_on_a_rest_day(tmp_path: Path) -> None:
    lines = run(tmp_path, "rest_weekend.txt")
    assert not errors(lines)
    rest_set, rest_shown = [m["data"] for m in lines if m["to"] == "ann" and "rest_days" in m["data"]]
    assert (rest_set["rest_days"], rest_set["from"], rest_set["changed"]) == (["sat", "sun"], "2026-03-06", True)
    assert (rest_shown["rest_days"], rest_shown["changed"]) == (["sat", "sun"], False)

    # Saturday: only bob is chased. Monday (not a rest day): both are.
    assert sent(lines, "reminder") == [("ann", "2026-03-09"), ("bob", "2026-03-07"), ("bob", "2026-03-09")]
    assert sent(lines, "lastcall") == [("ann", "2026-03-09"), ("bob", "2026-03-07"), ("bob", "2026-03-09")]
    assert sorted((m["to"], m["data"]["buddy"], m["data"]["local_date"]) for m in of_type(lines, "buddy")) == [
        ("ann", "bob", "2026-03-07"), ("ann", "bob", "2026-03-09"), ("bob", "ann", "2026-03-09")]

    by_day = digests(lines)
    assert sorted(by_day) == ["2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09"]
    assert (by_day["2026-03-07"]["done"], by_day["2026-03-07"]["pending"], by_day["2026-03-07"]["mentions"]) == (
        [], ["bob"], ["bob"])
    assert (by_day["2026-03-08"]["done"], by_day["2026-03-08"]["pending"]) == (["ann", "bob"], [])
    assert (by_day["2026-03-09"]["done"], by_day["2026-03-09"]["pending"]) == ([], ["ann", "bob"])

    # ann's streak waits over Saturday; her Sunday check-in counts; Monday, undone, breaks it.
    assert [(c["local_date"], c["streak"]) for c in checkins(lines, "ann")] == [("2026-03-06", 1), ("2026-03-08", 2)]
    assert [(s["local_date"], s["streak"], s["off_today"], s["repair"]) for s in streak_replies(lines, "ann")] == [
        ("2026-03-07", 1, "your rest day", None),
        ("2026-03-10", 0, None, offer("2026-03-09", 2))]


# 8. Changes apply from today on ----------------------------------------------------------------------------------


def test_rest_days_and_holidays_do_not_mend_a_missed_day(tmp_path: Path) -> None:
    lines = run(tmp_path, "changes_apply_from_today.txt")
    rest = next(m["data"] for m in lines if "rest_days" in m["data"])
    assert (rest["rest_days"], rest["from"], rest["changed"]) == (["mon"], "2026-03-10", True)

    (refused,) = errors(lines)
    assert refused["to"] == "ann" and refused["private"] is True and refused["data"]["error"] == "bad_holiday"
    assert "2026-03-09 has passed" in refused["text"]
    listing = next(m["data"] for m in lines if m["data"].get("study_days") == "all" and "holidays" in m["data"]
                   and "action" not in m["data"] and m["to"] == "ann")
    assert listing["holidays"] == []

    replies = streak_replies(lines, "ann")
    # Tuesday 10, before and after both attempts: Monday 9 still counts as missed (it broke the 2-day streak).
    assert [(s["local_date"], s["streak"], s["longest"], s["repair"]) for s in replies[:2]] == [
        ("2026-03-10", 0, 2, offer("2026-03-09", 2))] * 2
    assert [(c["local_date"], c["streak"], c["repaired"]) for c in checkins(lines, "ann")] == [
        ("2026-03-07", 1, False), ("2026-03-08", 2, False), ("2026-03-10", 1, False), ("2026-03-11", 2, False),
        ("2026-03-12", 3, False), ("2026-03-13", 4, False), ("2026-03-14", 5, False), ("2026-03-15", 6, False)]
    # From then on Monday is ann's: 16 March waits, with no reminder, and is not a break.
    assert [(s["local_date"], s["streak"], s["off_today"], s["repair"]) for s in replies[2:]] == [
        ("2026-03-16", 6, "your rest day", None), ("2026-03-17", 6, None, None)]
    reminders = sent(lines, "reminder")
    assert [day for to, day in reminders if to == "ann"] == ["2026-03-09"]
    assert [day for to, day in reminders if to == "bob"] == [f"2026-03-{d:02d}" for d in range(7, 17)]
    by_day = digests(lines)
    assert by_day["2026-03-09"]["pending"] == ["ann", "bob"]
    assert (by_day["2026-03-16"]["done"], by_day["2026-03-16"]["pending"]) == ([], ["bob"])


# Bad input ---------------------------------------------------------------------------------------------------------


def test_mistyped_off_day_commands_get_a_clear_private_error_and_change_nothing(tmp_path: Path) -> None:
    lines = run(tmp_path, "off_days_bad_input.txt")
    failed = errors(lines)
    assert [(m["to"], m["data"]["error"]) for m in failed] == [
        ("ann", "bad_date"),  # cohort holiday add 2026-13-01
        ("ann", "too_many_rest_days"),  # rest mon,tue,wed,thu
        ("ann", "bad_days"),  # cohort settings days:funday
        ("ann", "bad_days"),  # rest funday
        ("ann", "bad_days"),  # cohort settings days:off
        ("ann", "bad_holiday"),  # to: before the start
        ("ann", "bad_holiday"),  # 45 days
        ("ann", "holiday_overlap"),
        ("ann", "no_holiday"),
        ("bob", "not_organizer"),
        ("ann", "bad_arguments"),  # cohort holiday walk
    ]
    assert all(m["kind"] == "reply" and m["private"] is True for m in failed)
    texts = [m["text"] for m in failed]
    assert "'2026-13-01' is not a date" in texts[0] and "YYYY-MM-DD" in texts[0]
    assert "at most 3" in texts[1]
    assert "'funday' is not a weekday" in texts[2] and "days:mon-fri" in texts[2]
    assert "'funday' is not a weekday" in texts[3] and "rest sat,sun" in texts[3]

    rest, settings, listing = [m["data"] for m in lines[-3:]]
    assert (rest["rest_days"], rest["days"]) == ([], "none")
    assert settings["study_days"] == "all"
    assert listing["holidays"] == [{"start": "2026-03-20", "end": "2026-03-20", "name": "Spring break"}]


# A bug found while writing these -----------------------------------------------------------------------------------


def test_a_digest_on_a_day_everyone_rests_does_not_say_everyone_is_done(tmp_path: Path) -> None:
    # When every member is resting (or paused) on a study day, there is no digest: before the fix one was posted
    # with done == pending == [] reading "nobody has finished yet. Everyone is done. Great work!".
    lines = run_script(tmp_path, "\n".join([
        "!clock 2026-03-06T12:00:00Z",  # Friday
        "ann: /cohort create ml-club",
        "ann: /rest sat,sun",
        "ann: /checkin 30",
        "!advance 1d",  # through Saturday 20:00, ann's rest day
        "!advance 1d",
    ]))
    assert not errors(lines)
    posted = {m["data"]["local_date"]: m for m in of_type(lines, "digest")}
    assert posted["2026-03-06"]["data"]["done"] == ["ann"]
    assert "2026-03-07" not in posted, posted.get("2026-03-07")
