"""The console adapter end to end: the real CLI, a real SQLite file, transcripts in, JSON lines out."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from adapters.cli import main

TRANSCRIPTS = Path(__file__).parent / "transcripts"


def run_script(tmp_path: Path, text: str, *extra: str) -> list[dict]:
    script = tmp_path / "script.txt"
    script.write_text(text, encoding="utf-8")
    db = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    result = CliRunner().invoke(main, ["console", "--script", str(script), "--json", "--db", db, *extra])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def test_readme_example_ends_with_a_two_day_streak(tmp_path: Path) -> None:
    lines = run_script(tmp_path, (TRANSCRIPTS / "two_day_streak.txt").read_text())
    last = lines[-1]
    assert last["kind"] == "reply"
    assert last["to"] == "alice"
    assert last["private"] is True
    assert last["data"]["streak"] == 2
    assert last["data"]["today_done"] is True
    # each public reply, and right after `cohort create` and the first check-in a private follow-up to alice
    assert [line["to"] for line in lines[:5]] == ["#general", "alice", "#general", "alice", "#general"]
    assert [lines[1]["data"]["type"], lines[3]["data"]["type"]] == ["checklist", "tips"]


def test_data_survives_a_restart_of_the_console(tmp_path: Path) -> None:
    run_script(tmp_path, "!clock 2026-03-06T14:00:00Z\nalice: /cohort create ml-club\nalice: /checkin 30\n")
    later = run_script(tmp_path, "!clock 2026-03-07T14:00:00Z\nalice: /checkin 30\nalice: /streak\n")
    assert later[-1]["data"]["streak"] == 2


def test_channels_speakers_and_bad_lines(tmp_path: Path) -> None:
    lines = run_script(tmp_path, "\n".join([
        "!clock 2026-03-06T14:00:00Z",
        "!channel ml",
        "alice: /cohort create ml-club",
        "bob: /cohort join ml-club",
        "bob: /checkin 45 read about attention",
        "!advance soon",
        "!teleport",
        "bob: /checkin lots",
        "",
        "# a comment",
    ]))
    assert [line["to"] for line in lines[:5]] == ["#ml", "alice", "#ml", "#ml", "bob"]  # and their follow-ups
    assert lines[3]["data"]["minutes_today"] == 45
    assert [line["data"].get("error") for line in lines[5:]] == ["bad_directive", "bad_directive", None]
    assert "!advance 90m" in lines[5]["text"]


def test_sprint_end_is_sent_as_a_direct_message_when_the_clock_passes(tmp_path: Path) -> None:
    lines = run_script(tmp_path, "\n".join([
        "!clock 2026-03-06T14:00:00Z",
        "alice: /cohort create ml-club",
        "alice: /sprint start transformers",
        "!advance 45m",
    ]))
    dm = lines[-1]
    assert dm["kind"] == "dm"
    assert dm["to"] == "alice"
    assert dm["data"]["minutes_today"] == 30


def test_readable_text_without_json(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("alice: /help\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["console", "--script", str(script), "--db",
                                       f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"])
    assert result.exit_code == 0
    assert "checkin" in result.output
    assert not result.output.lstrip().startswith("{")


def test_a_week_with_two_zones_shows_each_reminder_once_at_local_time(tmp_path: Path) -> None:
    lines = run_script(tmp_path, (TRANSCRIPTS / "two_zones_week.txt").read_text())
    reminders = [(m["to"], m["data"]["local_date"]) for m in lines if m["data"].get("type") == "reminder"]
    assert len(reminders) == len(set(reminders))
    ann = sorted(day for to, day in reminders if to == "ann")
    raj = sorted(day for to, day in reminders if to == "raj")
    # ann finished Monday 2 March; raj (19:00 in Kolkata = 13:30 UTC) finished Tuesday before his time.
    assert ann == [f"2026-03-{d:02d}" for d in range(3, 9)]
    assert raj == ["2026-03-02", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08"]
    digests = [m for m in lines if m["data"].get("type") == "digest"]
    assert [d["data"]["local_date"] for d in digests] == [f"2026-03-{d:02d}" for d in range(2, 9)]
    assert digests[0]["data"]["done"] == ["ann"] and digests[0]["data"]["pending"] == ["raj"]
    assert all(d["kind"] == "channel" and d["to"] == "#general" for d in digests)
    recaps = [m for m in lines if m["data"].get("type") == "recap"]
    assert len(recaps) == 1 and recaps[0]["data"]["week"] == "2026-03-02"


def test_a_restart_mid_day_sends_nothing_twice_and_loses_nothing(tmp_path: Path) -> None:
    first = run_script(tmp_path, "\n".join([
        "!clock 2026-03-06T12:00:00Z",
        "ann: /cohort create ml-club",
        "ann: /remind set 13:00",
        "bob: /cohort join ml-club",
        "!advance 90m",  # ann's 13:00 reminder goes out; bob's (19:00) is still ahead
    ]))
    second = run_script(tmp_path, "\n".join([
        "!clock 2026-03-06T13:30:00Z",  # a new process on the same database, same day
        "!advance 8h",
    ]))
    reminders = [(m["to"], m["data"]["local_date"]) for m in first + second if m["data"].get("type") == "reminder"]
    assert sorted(reminders) == [("ann", "2026-03-06"), ("bob", "2026-03-06")]
    assert [m["data"]["local_date"] for m in second if m["data"].get("type") == "digest"] == ["2026-03-06"]


def test_a_study_group_follows_its_roadmap_buddies_group_sprints_stats_and_forget(tmp_path: Path) -> None:
    files = tmp_path / "files"
    lines = run_script(tmp_path, (TRANSCRIPTS / "study_group.txt").read_text(), "--files", str(files))
    roadmap = next(m for m in lines if m["data"].get("roadmap") == "build-first-6m" and "step" in m["data"])
    assert roadmap["data"]["step"] == 1 and "context windows" in roadmap["text"]
    buddy = [(m["to"], m["data"]["buddy"], m["data"]["local_date"]) for m in lines if m["data"].get("type") == "buddy"]
    assert buddy == [("ann", "ben", "2026-03-07")]
    groups = [m for m in lines if m["data"].get("type") == "group"]
    assert len(groups) == 1 and groups[0]["data"]["members"] == ["ann", "ben", "cat"]
    assert len([m for m in lines if m["data"].get("type") == "sprint_end"]) == 3
    stats = next(m for m in lines if "best_weekday" in m["data"])
    (png,) = stats["files"]
    assert Path(png).read_bytes().startswith(b"\x89PNG")
    assert lines[-1]["data"]["checkins"] == 1
    db = sqlite3.connect(tmp_path / "console.db")
    try:
        (cat_id,) = db.execute("SELECT id FROM members WHERE user_id = 'cat'").fetchone() or (None,)
        assert cat_id is None
        leftovers = [table for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                     for column in [c[1] for c in db.execute(f"PRAGMA table_info({table})")]
                     if column in ("member_id", "requester_id", "partner_id")
                     and db.execute(f"SELECT count(*) FROM {table} WHERE {column} = 3").fetchone()[0]]
        assert leftovers == []
    finally:
        db.close()
