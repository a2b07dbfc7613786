"""two_processes (Postgres): two real processes, each running the service against the same database, take one
stream of check-ins between them (every other one each); every check-in must be recorded exactly once. Their
aggregate throughput is set against one process taking a stream as long on its own (reported, no target).
Each process fires its share in waves of WAVE at once, starting together at an agreed wall-clock instant.
SQLite: not applicable (one process owns a SQLite file's writes), reported as passing with a note."""

from __future__ import annotations

import asyncio
import json
import sys
import time

from sqlalchemy import func, select

from adapters.bench import seed
from adapters.bench.common import Result, Scale, invocation, new_bot
from storage import Database
from storage.models import CheckInRow

TARGET = "each check-in recorded once; throughput of two processes against one reported"
WAVE = 100
START_AFTER_S = 3.0  # time for each process to start Python, import and connect before the agreed instant


async def two_processes(database: Database, scale: Scale) -> Result:
    if database.dialect == "sqlite":
        return Result("two_processes", {"applicable": 0}, "Postgres only (not applicable on SQLite)", True)
    checkins = scale.pick(4000, 400)
    await seed.cohort_with_members(database, checkins, name="two")
    one = await _processes(database.url, "one", checkins, shares=1)
    two = await _processes(database.url, "two", checkins, shares=2)
    async with database.engine.connect() as connection:
        rows, keys = (await connection.execute(
            select(func.count(), func.count(CheckInRow.idempotency_key.distinct())))).one()
    if rows != keys or rows != 2 * checkins:
        raise RuntimeError(f"{2 * checkins} check-ins sent, {rows} recorded under {keys} keys")
    return Result("two_processes", {
        "checkins": checkins, "one_process_per_s": round(checkins / one, 1),
        "two_processes_per_s": round(checkins / two, 1), "speedup": round(one / two, 3), "recorded_once": 1},
        TARGET, True)


async def _processes(url: str, run: str, checkins: int, shares: int) -> float:
    """Seconds from the first process's first check-in to the last one's last reply, `checkins` split into
    `shares` (a process that started late still counts from its own start)."""
    start = time.time() + START_AFTER_S
    workers = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "adapters.bench.two_processes",
        json.dumps({"url": url, "run": run, "numbers": list(range(share, checkins, shares)), "start": start}),
        stdout=asyncio.subprocess.PIPE) for share in range(shares)]
    spans = []
    for worker in workers:
        out, _ = await worker.communicate()
        if worker.returncode != 0:
            raise RuntimeError(f"a bench process exited with {worker.returncode}")
        spans.append(json.loads(out.decode().strip().splitlines()[-1]))
    return max(span["end"] for span in spans) - min(span["begin"] for span in spans)


async def _serve_share(url: str, run: str, numbers: list[int], start: float) -> dict[str, float]:
    database = await Database.connect(url, migrate=False)
    try:
        bot = new_bot(database)
        await bot.handle_text(invocation(f"two-warm-{run}-{numbers[0]}", "two", f"warm-{run}-{numbers[0]}"), "help")
        if (wait := start - time.time()) > 0:
            await asyncio.sleep(wait)
        began = time.time()
        for begin in range(0, len(numbers), WAVE):
            replies = await asyncio.gather(*(bot.handle_text(
                invocation(f"two-u{number}", "two", f"two-{run}-{number}"), "checkin 30")
                for number in numbers[begin:begin + WAVE]))
            if failed := [reply for reply in replies if reply.is_error]:
                raise RuntimeError(f"{len(failed)} check-ins refused: {failed[0].text[:200]}")
        return {"begin": began, "end": time.time()}
    finally:
        await database.dispose()


if __name__ == "__main__":
    order = json.loads(sys.argv[1])
    print(json.dumps(asyncio.run(_serve_share(order["url"], order["run"], order["numbers"], order["start"]))))
