"""7. memory: the peak resident set size of this process across the whole run (seeding included)."""

from __future__ import annotations

import resource
import sys

from adapters.bench.common import Result

TARGET = "peak RSS <= 300 MB"


def memory() -> Result:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    peak_mb = peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    return Result("memory", {"peak_rss_mb": round(peak_mb, 1)}, TARGET, peak_mb <= 300)
