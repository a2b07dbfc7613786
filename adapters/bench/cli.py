"""`studybot bench [--quick] [--json] [--db URL]`: each scenario next to its target, on a fresh database.

Exit status: 1 when a scenario crashed; in a full run also when a target was missed (a quick run, as CI
uses it on noisy shared machines, fails only on a crash)."""

from __future__ import annotations

import asyncio
import sys

import click

from adapters.bench import run as benchmark
from adapters.bench.common import Scale
from adapters.settings import normalize_database_url


@click.command("bench")
@click.option("--quick", is_flag=True, help="Everything scaled down (well under a minute); fails only on a crash.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@click.option("--db", "db_url", metavar="URL",
              help="A Postgres server (postgresql+asyncpg://…) to bench on: a fresh database is created there and "
                   "dropped afterwards. Default: a temporary SQLite file.")
def bench(quick: bool, as_json: bool, db_url: str | None) -> None:
    """Measure check-ins, leaderboards, the reminder tick and delivery against the database's own limit."""
    url = _database_url(db_url) if db_url else None
    progress = None if as_json else (lambda line: click.echo(line, err=True))
    report = asyncio.run(benchmark.run(url, Scale(quick=quick), progress=progress))
    click.echo(benchmark.as_json(report) if as_json else benchmark.table(report))
    if benchmark.failed(report) or (not quick and benchmark.missed(report)):
        sys.exit(1)


def _database_url(raw: str) -> str:
    try:
        return normalize_database_url(raw)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--db") from None


if __name__ == "__main__":
    bench()
