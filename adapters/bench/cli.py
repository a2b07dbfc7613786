"""`studybot bench [--quick] [--json] [--db URL] [--only NAME,…] [--compare FILE.json]`: each scenario next to
its target, on a fresh database.

Exit status: 1 when a scenario crashed; in a full run also when a target was missed (a quick run, as CI
uses it on noisy shared machines, fails only on a crash)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from adapters.bench import compare as comparison
from adapters.bench import run as benchmark
from adapters.bench.common import Scale
from adapters.bench.scenarios import NAMES
from adapters.settings import normalize_database_url


@click.command("bench")
@click.option("--quick", is_flag=True, help="Everything scaled down (well under a minute); fails only on a crash.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the table.")
@click.option("--db", "db_url", metavar="URL",
              help="A Postgres server (postgresql+asyncpg://…) to bench on: a fresh database is created there and "
                   "dropped afterwards. Default: a temporary SQLite file.")
@click.option("--only", metavar="NAME[,NAME]",
              help=f"Run only these scenarios (the baseline too when one needs its rate): {', '.join(NAMES)}.")
@click.option("--compare", "earlier_file", metavar="FILE.json", type=click.Path(exists=True, dir_okay=False,
                                                                               path_type=Path),
              help="Print each figure next to the same figure of an earlier `studybot bench --json > FILE.json`.")
def bench(quick: bool, as_json: bool, db_url: str | None, only: str | None, earlier_file: Path | None) -> None:
    """Measure check-ins, leaderboards, the reminder tick and delivery against the database's own limit."""
    url = _database_url(db_url) if db_url else None
    chosen = _scenarios(only) if only else None
    earlier = _earlier(earlier_file) if earlier_file else None
    progress = None if as_json else (lambda line: click.echo(line, err=True))
    report = asyncio.run(benchmark.run(url, Scale(quick=quick), progress=progress, only=chosen))
    if as_json:
        click.echo(benchmark.as_json(report))
    elif earlier is not None and earlier_file is not None:
        click.echo(comparison.table(report, earlier, earlier_file.name))
    else:
        click.echo(benchmark.table(report))
    if benchmark.failed(report) or (not quick and benchmark.missed(report)):
        sys.exit(1)


def _scenarios(raw: str) -> frozenset[str]:
    names = frozenset(name.strip() for name in raw.split(",") if name.strip())
    unknown = sorted(names - set(NAMES))
    if unknown or not names:
        raise click.BadParameter(f"no scenario {', '.join(unknown) or 'named'}; choose from {', '.join(NAMES)}",
                                 param_hint="--only")
    return names


def _earlier(path: Path) -> benchmark.Report:
    try:
        return comparison.load(path)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--compare") from None


def _database_url(raw: str) -> str:
    try:
        return normalize_database_url(raw)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--db") from None


if __name__ == "__main__":
    bench()
