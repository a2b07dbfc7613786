"""The console prints the `league` reply as a readable transcript: the head line (tier, rank, points, zones, when
the week ends in the member's local time), then the division one row a line with its ▲/▼ marks."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from adapters.cli import main

TRANSCRIPT = Path(__file__).parent / "transcripts" / "league_week.txt"


def test_league_reads_as_a_table_in_the_console(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'console.db'}"
    result = CliRunner().invoke(main, ["console", "--script", str(TRANSCRIPT), "--db", db])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    block = result.output[result.output.index("» ann (only you) Bronze league"):].splitlines()
    # A division of two moves nobody (a fifth of 2 is 0; Bronze cannot go lower): no zone is announced.
    assert block[1] == ("  Bronze league, division 1 (ml-club): you are #2 of 2 with 0 points. "
                        "Ends Mon 16 Mar 04:00 UTC (in 6 days).")
    assert block[2:4] == ["     1. bo — 45", "     2. ann — 0  ← you"]
    assert "⟦" not in result.output  # no raw instant tokens (bot.instants.OPEN)
