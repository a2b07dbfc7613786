"""`studybot bench --quick --json` runs every scenario without crashing and reports numbers for each
(figures, not targets: shared CI machines are noisy; the README holds a full run's table)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.bench.cli import bench
from adapters.bench.common import percentile
from adapters.bench.notifier import RateLimitedNotifier
from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply

SCENARIOS = ["baseline", "single_checkin", "checkin_burst", "checkin_stream", "history_independence", "leaderboard",
             "first_streak_board", "web_page", "reminder_tick", "focus_rooms", "delivery", "league", "two_processes",
             "memory"]


def _postgres_url() -> str:
    url = os.environ.get("STUDYBOT_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("the Postgres bench needs STUDYBOT_TEST_POSTGRES_URL")
    return url


async def _bench_databases(url: str) -> list[str]:
    engine = create_async_engine(make_url(url))
    try:
        async with engine.connect() as connection:
            rows = await connection.exec_driver_sql(
                "SELECT datname FROM pg_database WHERE datname LIKE 'studybot_bench_%'")
            return sorted(row[0] for row in rows)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_quick_bench_reports_every_scenario(backend: str) -> None:
    args = ["--quick", "--json"]
    before: list[str] = []
    if backend == "postgres":
        url = _postgres_url()
        before = asyncio.run(_bench_databases(url))
        args += ["--db", url]  # the bench creates a throw-away database per scenario there and drops it
    result = CliRunner().invoke(bench, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert report["quick"] is True and report["database"] == backend
    assert report["seconds"] > 0 and report["machine"]["cores"] >= 1
    assert report["machine"]["python"] and report["machine"]["sqlite"]
    assert [scenario["name"] for scenario in report["scenarios"]] == SCENARIOS
    for scenario in report["scenarios"]:
        assert scenario["error"] is None, scenario
        assert scenario["target"], scenario
        assert isinstance(scenario["passed"], bool)
        figures = scenario["figures"]
        assert figures and all(isinstance(value, int | float) for value in figures.values()), scenario
    by_name = {scenario["name"]: scenario["figures"] for scenario in report["scenarios"]}
    assert by_name["baseline"]["transactions_per_s"] > 0
    assert {"checkins_per_s", "p50_ms", "p99_ms", "ratio_to_baseline"} <= set(by_name["checkin_burst"])
    assert by_name["checkin_burst"]["members"] == 200 and by_name["checkin_burst"]["small_p99_ms"] > 0
    assert by_name["single_checkin"]["checkins"] == 100 and by_name["single_checkin"]["p99_ms"] > 0
    stream = by_name["checkin_stream"]
    assert stream["refused"] == 0 and 400 < stream["checkins"] < 800 and stream["p99_ms"] >= stream["p50_ms"] > 0
    first = by_name["first_streak_board"]
    assert first["members"] == 1000 and first["board_ms"] > 0 and first["others"] >= 1 and first["alone_p99_ms"] > 0
    if backend == "postgres":  # two real processes; the check-in count was checked inside the scenario
        assert by_name["two_processes"]["recorded_once"] == 1 and by_name["two_processes"]["checkins"] == 400
    else:
        assert by_name["two_processes"] == {"applicable": 0, "scenario_s": by_name["two_processes"]["scenario_s"]}
    assert by_name["history_independence"]["ratio"] > 0
    assert {f"{board}_p99_ms" for board in ("streak", "week", "month", "all")} <= set(by_name["leaderboard"])
    assert by_name["leaderboard"]["checkins"] == 50_000
    assert by_name["reminder_tick"]["due"] == 500
    focus = by_name["focus_rooms"]
    assert focus["members"] == 200 and focus["minute_cost_ms"] >= focus["heartbeat_ms"] > 0
    assert focus["ask_all_tick_s"] > 0 and focus["end_all_tick_s"] > 0
    assert by_name["delivery"]["exactly_once"] == 1.0 and by_name["delivery"]["messages"] == 200
    assert by_name["memory"]["peak_rss_mb"] > 0
    if backend == "postgres":
        assert asyncio.run(_bench_databases(_postgres_url())) == before  # nothing left behind


def test_only_runs_the_chosen_scenarios_and_the_baseline_when_one_needs_its_rate() -> None:
    result = CliRunner().invoke(bench, ["--quick", "--json", "--only", "checkin_burst"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert [scenario["name"] for scenario in report["scenarios"]] == ["baseline", "checkin_burst"]
    assert report["scenarios"][1]["figures"]["ratio_to_baseline"] > 0
    result = CliRunner().invoke(bench, ["--quick", "--json", "--only", "two_processes,memory"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output.strip().splitlines()[-1])
    assert [scenario["name"] for scenario in report["scenarios"]] == ["two_processes", "memory"]


def test_only_refuses_a_scenario_it_does_not_know() -> None:
    result = CliRunner().invoke(bench, ["--quick", "--only", "baseline,checkin_brust"])
    assert result.exit_code == 2
    assert "checkin_brust" in result.output and "checkin_burst" in result.output


def _report(scenarios: list[dict]) -> dict:
    return {"quick": False, "database": "sqlite", "seconds": 1.0,
            "machine": {"cores": 2, "python": "3.11", "sqlite": "3.40", "platform": "Linux"}, "scenarios": scenarios}


def test_compare_puts_each_figure_next_to_the_earlier_runs() -> None:
    from adapters.bench.compare import table

    before = _report([{"name": "single_checkin", "figures": {"p50_ms": 12.0, "p99_ms": 30.0}, "target": "t",
                       "passed": False, "error": None},
                      {"name": "leaderboard", "figures": {"streak_p99_ms": 7.5}, "target": "t", "passed": True,
                       "error": None}])
    now = _report([{"name": "single_checkin", "figures": {"p50_ms": 3.0, "p99_ms": 30.0, "checkins": 500},
                    "target": "t", "passed": True, "error": None},
                   {"name": "checkin_stream", "figures": {"p99_ms": 41.0}, "target": "t", "passed": True,
                    "error": None}])
    lines = table(now, before, "old.json").splitlines()
    assert "old.json" in lines[0]
    rows = [line.split() for line in lines[3:]]
    assert ["single_checkin", "result", "pass", "MISS"] in rows
    assert ["p50_ms", "3", "12", "-75%"] in rows
    assert ["p99_ms", "30", "30", "+0%"] in rows
    assert ["checkins", "500", "—"] in rows  # new in this run
    assert ["checkin_stream", "result", "pass", "—"] in rows and ["p99_ms", "41", "—"] in rows
    assert ["leaderboard", "result", "—", "pass"] in rows and ["streak_p99_ms", "—", "7.500"] in rows  # only before


def test_compare_on_the_command_line_reads_an_earlier_json_report(tmp_path: Path) -> None:
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps(_report([{"name": "single_checkin", "figures": {"p50_ms": 99_999.0},
                                            "target": "t", "passed": False, "error": None}])) + "\n")
    result = CliRunner().invoke(bench, ["--quick", "--only", "single_checkin", "--compare", str(earlier)])
    assert result.exit_code == 0, result.output
    row = next(line.split() for line in result.output.splitlines() if line.split()[:1] == ["p50_ms"])
    assert row[2] == "99,999" and row[3].endswith("%") and float(row[1]) < 99_999
    not_a_report = tmp_path / "table.txt"
    not_a_report.write_text("studybot bench (quick run, sqlite)\n")
    assert CliRunner().invoke(bench, ["--quick", "--compare", str(not_a_report)]).exit_code == 2


def test_poisson_arrivals_come_at_the_asked_rate_and_are_reproducible() -> None:
    from adapters.bench.arrivals import poisson_offsets

    offsets = poisson_offsets(500, 20)
    assert 9_500 < len(offsets) < 10_500 and offsets == sorted(offsets) and offsets[0] > 0 and offsets[-1] < 20
    assert poisson_offsets(500, 20) == offsets and poisson_offsets(500, 20, seed=1) != offsets


def test_the_table_names_every_scenario_and_the_machine() -> None:
    from adapters.bench.run import table

    figures = {"x": 1.5}
    report = {"quick": True, "database": "sqlite", "seconds": 1.0,
              "machine": {"cores": 2, "python": "3.11", "sqlite": "3.40", "platform": "Linux"},
              "scenarios": [{"name": name, "figures": figures, "target": "t", "passed": True, "error": None}
                            for name in SCENARIOS[:-1]]
              + [{"name": "memory", "figures": {}, "target": "", "passed": False, "error": "Boom: x"}]}
    text = table(report)
    assert all(name in text for name in SCENARIOS)
    assert "2 cores" in text and "Python 3.11" in text and "SQLite 3.40" in text
    assert "ERROR" in text and "Boom: x" in text


async def test_the_fake_discord_answers_429_beyond_50_a_second() -> None:
    notifier = RateLimitedNotifier(per_second=50)
    where = Destination(platform="discord", workspace="w", kind="dm", target="u")
    for _ in range(50):
        await notifier.send(where, Reply(text="hi"))
    with pytest.raises(DeliveryFailed) as refused:
        await notifier.send(where, Reply(text="hi"))
    assert refused.value.retry_after is not None and 0 < refused.value.retry_after <= 1.0
    assert notifier.requests == 51 and notifier.limited == 1 and notifier.delivered["u"] == 50


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([3.0], 0.99) == 3.0
