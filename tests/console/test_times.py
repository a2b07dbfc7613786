"""The console shows every instant as the member's local time with the zone's abbreviation, across a DST change;
the expected times are worked out here with zoneinfo from the ISO instants in the reply data."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from adapters.cli import main
from tests.console.test_transcripts import run_script

SCRIPT = "\n".join([
    "!clock 2026-03-28T14:00:00Z",  # Saturday: Berlin is on CET (UTC+1)
    "ann: /cohort create ml-club timezone:Europe/Berlin",
    "bob: /cohort join ml-club",
    "bob: /timezone set America/New_York",
    "ann: /sprint start before the change",
    "ann: /sprint status",
    "bob: /sprint start",
    "!advance 45m",
    "!clock 2026-03-29T14:00:00Z",  # Sunday: clocks went forward at 02:00, CEST (UTC+2)
    "ann: /sprint start after the change",
    "ann: /remind",
    "ann: /cohort info",
    "ann: /pause 2d",
])


def _local(iso: str, zone: str) -> str:
    local = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    return f"{local.hour:02d}:{local.minute:02d} {local.tzname()}"


def test_sprints_reminders_digests_and_pauses_in_local_time_across_dst(tmp_path: Path) -> None:
    lines = run_script(tmp_path, SCRIPT)
    replies = [m for m in lines if m["kind"] == "reply"]
    before, status, bobs, after = [m for m in replies if "started_at" in m["data"] or m["data"].get("active")]
    assert _local(before["data"]["ends_at"], "Europe/Berlin") == "15:30 CET"
    assert "Ends at 15:30 CET (in 30 min)" in before["text"]
    assert "ends at 15:30 CET (in 30 min)" in status["text"]
    assert _local(bobs["data"]["ends_at"], "America/New_York") == "10:30 EDT"  # New York changed on 8 March
    assert "Ends at 10:30 EDT (in 30 min)" in bobs["text"]
    assert _local(after["data"]["ends_at"], "Europe/Berlin") == "16:30 CEST"
    assert "Ends at 16:30 CEST (in 30 min)" in after["text"]
    remind = next(m for m in replies if "next_reminder_at" in m["data"])
    assert f"Next reminder: Sun 29 Mar {_local(remind['data']['next_reminder_at'], 'Europe/Berlin')}" in remind["text"]
    assert "Next reminder: Sun 29 Mar 19:00 CEST" in remind["text"]
    info = next(m for m in replies if "next_digest_at" in m["data"])
    assert "Next digest Sun 29 Mar 20:00 CEST; next recap Sun 29 Mar 18:00 CEST." in info["text"]
    paused = next(m for m in replies if m["data"].get("paused"))
    assert "through 2026-03-30 (until Tue 31 Mar 04:00 CEST)" in paused["text"]
    for message in lines:
        assert "UTC" not in message["text"] and "⟦" not in message["text"], message


def test_the_readable_console_shows_local_times_too(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("!clock 2026-03-29T14:00:00Z\nann: /cohort create ml-club timezone:Europe/Berlin\n"
                      "ann: /sprint start\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["console", "--script", str(script), "--db",
                                       f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"])
    assert result.exit_code == 0, result.output
    assert "Ends at 16:30 CEST (in 30 min)" in result.output and "⟦" not in result.output


def test_a_last_call_from_the_outbox_says_when_the_day_ends_in_local_time(tmp_path: Path) -> None:
    """A scheduled message keeps its instant through the outbox (the token is in its stored text) and the
    console's notifier renders it like a reply."""
    lines = run_script(tmp_path, "\n".join([
        "!clock 2026-03-06T14:00:00Z",
        "ann: /cohort create ml-club timezone:Europe/Berlin",
        "ann: /checkin 30",
        "ann: /remind lastcall 2h",
        "!advance 1d",
        "!advance 14h",  # Sunday 05:00 in Berlin: Saturday ended undone at 04:00, the last call came at 02:00
    ]))
    (lastcall,) = [m for m in lines if m["data"].get("type") == "lastcall"]
    assert lastcall["kind"] == "dm" and lastcall["data"]["day_ends_at"] == "2026-03-08T03:00:00Z"
    assert _local(lastcall["data"]["day_ends_at"], "Europe/Berlin") == "04:00 CET"
    assert "ends in 2 h (at 04:00 CET)" in lastcall["text"] and "⟦" not in lastcall["text"]
