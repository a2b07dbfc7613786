"""`studybot bench --quick` runs every scenario without crashing (figures, not targets: shared CI machines
are noisy; the README holds a full run's table)."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from adapters.cli import main

SCENARIOS = ["baseline", "checkin_burst", "history_independence", "leaderboard", "reminder_tick", "delivery",
             "memory"]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_quick_bench_runs_every_scenario(backend: str) -> None:
    args = ["bench", "--quick", "--json"]
    if backend == "postgres":
        url = os.environ.get("STUDYBOT_TEST_POSTGRES_URL")
        if not url:
            pytest.skip("the Postgres bench needs STUDYBOT_TEST_POSTGRES_URL")
        args += ["--db", url]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert [s["name"] for s in report["scenarios"]] == SCENARIOS
    for scenario in report["scenarios"]:
        assert scenario["error"] is None, scenario
        assert scenario["figures"] and all(isinstance(v, int | float) for v in scenario["figures"].values())
    delivery = next(s for s in report["scenarios"] if s["name"] == "delivery")
    assert delivery["figures"]["exactly_once"] == 1.0
