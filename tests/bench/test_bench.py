"""`studybot bench --quick --json` runs every scenario without crashing and reports numbers for each
(figures, not targets: shared CI machines are noisy; the README holds a full run's table)."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from click.testing import CliRunner
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.bench.cli import bench
from adapters.bench.common import percentile
from adapters.bench.notifier import RateLimitedNotifier
from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply

SCENARIOS = ["baseline", "checkin_burst", "history_independence", "leaderboard", "web_page", "reminder_tick",
             "delivery", "league", "memory"]


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
    assert by_name["checkin_burst"]["members"] == 200
    assert by_name["history_independence"]["ratio"] > 0
    assert {f"{board}_p99_ms" for board in ("streak", "week", "month", "all")} <= set(by_name["leaderboard"])
    assert by_name["leaderboard"]["checkins"] == 50_000
    assert by_name["reminder_tick"]["due"] == 500
    assert by_name["delivery"]["exactly_once"] == 1.0 and by_name["delivery"]["messages"] == 200
    assert by_name["memory"]["peak_rss_mb"] > 0
    if backend == "postgres":
        assert asyncio.run(_bench_databases(_postgres_url())) == before  # nothing left behind


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
