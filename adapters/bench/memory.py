"""7. memory: the peak resident set size of this process across the whole run (seeding included)."""

from __future__ import annotations

import resource
import sys

from adapters.bench.common import Result

SQLITE_LIMIT_MB = 150  # issue 18: the SQLite run, everything in one process
POSTGRES_LIMIT_MB = 300  # the server holds the data; asyncpg's buffers and the seeding's are the process's


def memory(*, sqlite: bool) -> Result:
    limit = SQLITE_LIMIT_MB if sqlite else POSTGRES_LIMIT_MB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    peak_mb = peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    return Result("memory", {"peak_rss_mb": round(peak_mb, 1)}, f"peak RSS <= {limit} MB", peak_mb <= limit)
