"""`studybot bench --compare FILE.json`: each figure of this run next to the same figure of an earlier run
(`studybot bench --json > FILE.json`), in one table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from adapters.bench.run import Report, number

MISSING = "—"


def load(path: Path) -> Report:
    """An earlier run's report; ValueError when the file is not one."""
    try:
        report = json.loads(path.read_text(encoding="utf-8").strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} holds no JSON report of `studybot bench --json`") from error
    if not isinstance(report, dict) or not isinstance(report.get("scenarios"), list):
        raise ValueError(f"{path} holds no JSON report of `studybot bench --json`")
    return report


def table(now: Report, before: Report, before_name: str = "before") -> str:
    """Scenario by scenario (this run's order, then those only the earlier run had), figure by figure."""
    earlier = {result["name"]: result for result in before["scenarios"]}
    current = {result["name"]: result for result in now["scenarios"]}
    names = [*current, *(name for name in earlier if name not in current)]
    lines = [f"studybot bench: this run ({_what(now)}) against {before_name} ({_what(before)})", "",
             f"{'scenario':<21} {'figure':<24} {'now':>12} {'before':>12} {'change':>8}"]
    for name in names:
        this, that = current.get(name), earlier.get(name)
        lines.append(f"{name:<21} {'result':<24} {_status(this):>12} {_status(that):>12}")
        figures = dict.fromkeys([*(this or {}).get("figures", {}), *(that or {}).get("figures", {})])
        for figure in figures:
            new, old = _figure(this, figure), _figure(that, figure)
            lines.append(f"{'':<21} {figure:<24} {_shown(new):>12} {_shown(old):>12} {_change(new, old):>8}")
    return "\n".join(lines)


def _what(report: Report) -> str:
    return f"{'quick' if report.get('quick') else 'full'}, {report.get('database', '?')}"


def _status(result: dict[str, Any] | None) -> str:
    if result is None:
        return MISSING
    return "ERROR" if result.get("error") else ("pass" if result.get("passed") else "MISS")


def _figure(result: dict[str, Any] | None, figure: str) -> float | None:
    value = (result or {}).get("figures", {}).get(figure)
    return value if isinstance(value, int | float) else None


def _shown(value: float | None) -> str:
    return MISSING if value is None else number(value)


def _change(new: float | None, old: float | None) -> str:
    if new is None or old is None or old == 0:
        return ""
    return f"{(new - old) / abs(old):+.0%}"
