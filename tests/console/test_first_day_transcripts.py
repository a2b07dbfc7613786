"""A first day that explains itself, end to end through the console CLI (`transcripts/first_day.txt`): the
private follow-ups (`Reply.followups`) come right after the public reply they belong to, as lines to the caller."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from adapters.cli import main
from tests.console.test_transcripts import TRANSCRIPTS, run_script


def test_first_day_guidance(tmp_path: Path) -> None:
    lines = run_script(tmp_path, (TRANSCRIPTS / "first_day.txt").read_text(encoding="utf-8"))
    shown = [(line["to"], line["private"], line["data"].get("error") or line["data"].get("type")) for line in lines]
    assert shown == [
        ("bob", True, "no_cohort"),  # no cohort anywhere: how to start one
        ("#ml", False, None),  # alice's cohort, in the channel...
        ("alice", True, "checklist"),  # ...and her checklist, to her alone
        ("bob", True, "not_member"),  # the channel's cohort, by name
        ("carol", True, "no_cohort"),  # elsewhere: the cohorts there are
        ("#ml", False, None),  # bob joins
        ("#ml", False, None),  # his first check-in...
        ("bob", True, "tips"),  # ...explains reminders, to him alone
        ("#ml", False, None),  # the second explains nothing more
        ("bob", True, None),  # streak
        ("bob", True, None),  # help
        ("bob", True, None),  # help checkin
    ]
    nowhere, _, checklist, not_member, elsewhere, _, first, tips, second, streak, overview, checkin = lines
    assert "`cohort create NAME` in this channel" in nowhere["text"]
    assert "Invite members: ask them to type `cohort join ml-club`" in checklist["text"]
    assert "(now 20:00, Europe/Berlin): `cohort settings digest:19:30`" in checklist["text"]
    assert "Pick a roadmap" in checklist["text"]
    assert "You are not in ml-club, this channel's cohort, yet. Type `cohort join ml-club`" in not_member["text"]
    assert "Cohorts here: ml-club. Join one with `cohort join ml-club`" in elsewhere["text"]
    assert "bob logged 20 min — read a paper\n▓▓▓▓▓▓░░░░ 20/30 min — 10 more to finish the day." in first["text"]
    assert "This week ▓░░░░░░░░░ 20/120 min" in first["text"]
    assert "by 19:00 (Europe/Berlin), I send you one direct message" in tips["text"]
    assert "`remind set 21:30`" in tips["text"]
    assert "▓▓▓▓▓▓▓▓▓▓ 35/30 min ✓ Day done." in second["text"]
    assert "Today ▓▓▓▓▓▓▓▓▓▓ 35/30 min ✓ Day done." in streak["text"]
    assert streak["data"]["minutes_today"] == 35 and streak["data"]["week"] == {"minutes": 35, "goal": 120}
    assert "Log your study: `checkin 45 read the LoRA paper`" in overview["text"]
    assert "  e.g. `checkin 30 yesterday:true` — for yesterday, if you forgot" in checkin["text"]


def test_a_follow_up_reads_as_private_in_text_mode(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("!clock 2026-03-06T14:00:00Z\nalice: /cohort create ml-club\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["console", "--script", str(script), "--db",
                                       f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"])
    assert result.exit_code == 0, result.output
    public, private = result.output.split("\n» ", 1)
    assert public.startswith("» #general (everyone) New cohort")
    assert private.startswith("alice (only you) Next steps\n  ml-club is ready.")
