"""Focus rooms through the console CLI: `!voice` stands in for Discord's voice states (transcripts/focus_room.txt),
on a real SQLite file, with the scheduler and dispatcher the console runs while `!advance` moves the clock."""

from __future__ import annotations

from pathlib import Path

from tests.console.test_transcripts import TRANSCRIPTS, run_script


def test_a_focus_room_transcript(tmp_path: Path) -> None:
    lines = run_script(tmp_path, (TRANSCRIPTS / "focus_room.txt").read_text(encoding="utf-8"))
    now = next(m for m in lines if m["to"] == "bob" and "studying" in m["data"])
    assert [(e["name"], e["where"], e["minutes"]) for e in now["data"]["studying"]] == [("ann", "focus", 40)]
    ended = [m for m in lines if m["data"].get("type") == "focus_end"]
    assert all(m["kind"] == "dm" and m["to"] == "ann" for m in ended)
    # deafened after 40 minutes: the 20 deafened ones do not count; then 03:30-04:20 across the 04:00 rollover
    assert [(m["data"]["minutes"], m["data"]["reason"]) for m in ended] == [(40, "deafened"), (50, "left")]
    assert ended[1]["data"]["days"] == [{"local_date": "2026-03-06", "minutes": 30},
                                        {"local_date": "2026-03-07", "minutes": 20}]
    streak = [m for m in lines if m["to"] == "ann" and "off_today" in m["data"]][-1]
    assert streak["data"]["streak"] == 1 and streak["data"]["minutes_today"] == 20
    [bad] = [m for m in lines if m["data"].get("error") == "bad_directive"]
    assert "!voice alice #study-hall" in bad["text"]
