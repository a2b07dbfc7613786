"""Issue 13, defect 3: a reminder or digest time skipped by DST keeps the local date it was scheduled for, so
the next day's message is neither mislabelled nor lost (the console, a real SQLite file)."""

from __future__ import annotations

from pathlib import Path

from tests.console.test_transcripts import run_script

# New York springs forward on Sunday 8 March 2026 at 02:00 (to 03:00). With a 03:00 rollover the study day
# of Saturday 7 March runs until 03:00 EDT on the 8th (07:00Z); its 02:30 does not exist, and the first
# valid instant after it is that very day end.
NIGHT = """\
!clock 2026-03-07T15:00:00Z
alice: /cohort create ml-club timezone:America/New_York rollover:3 digest:02:30
alice: /remind set 02:30
alice: /checkin 10
!advance 23h
alice: /checkin 10
!advance 23h
"""


def test_a_reminder_skipped_by_dst_neither_mislabels_nor_swallows_the_next_days(tmp_path: Path) -> None:
    reminders = [line["data"] for line in run_script(tmp_path, NIGHT) if line["data"].get("type") == "reminder"]
    # 7 March's reminder would fall at its day's very end, so it is not sent (a reminder is about a day still
    # running); 8 March's comes at 02:30 EDT on the 9th and counts 8 March's own 10 minutes.
    assert [(r["local_date"], r["minutes_today"]) for r in reminders] == [("2026-03-08", 10)]


def test_a_digest_skipped_by_dst_is_posted_for_its_own_day_and_the_next_one_too(tmp_path: Path) -> None:
    digests = [line["data"] for line in run_script(tmp_path, NIGHT) if line["data"].get("type") == "digest"]
    assert [d["local_date"] for d in digests] == ["2026-03-07", "2026-03-08"]
    assert all(d["pending"] == ["alice"] for d in digests)  # 10 of 30 minutes each day
