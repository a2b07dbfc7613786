"""Instants in reply text: the core says *when*, each adapter says it the way its platform does.

A reply never spells an instant as a wall time in a fixed zone ("Ends at 16:59 UTC" reads wrong in Berlin).
The core puts an instant into text with `when(...)`, which writes a token:

    ⟦at:UNIX:STYLE:ZONE|FALLBACK⟧       e.g.  ⟦at:1772816340:time:Europe/Berlin|17:59 CET⟧

- `UNIX`: the instant, whole seconds since the epoch (UTC);
- `STYLE`: `time` (17:59), `relative` (in 25 min), `datetime` (Mon 9 Mar 20:00), `date` (Mon 9 Mar);
- `ZONE`: the IANA zone of the reader the core had in mind (the member's own zone, else their cohort's); may
  be empty when there is none;
- `FALLBACK`: the core's own plain rendering in that zone, with the zone's abbreviation (`17:59 CET`,
  `in 25 min`), for any surface that cannot show the instant natively.

Each adapter's renderer replaces the tokens (`render(text, native)`) before anything is sent:
- Discord: `<t:UNIX:t>`, `<t:UNIX:R>`, `<t:UNIX:f>`, `<t:UNIX:D>` — Discord shows them in each reader's zone;
- Slack: `<!date^UNIX^{time}|FALLBACK>` (and `{date_short_pretty} at {time}`, `{date_short_pretty}`); a
  relative instant is the fallback text (Slack's date tokens document no "in 25 minutes");
- console: the time in ZONE with its abbreviation (`17:59 CET`), computed from UNIX; a relative instant, or a
  token without a zone, shows its fallback;
- plain text (Slack's notification text, a modal's error, Discord's titles): `plain(text)`, the fallbacks.

Reply *data* never holds tokens: it keeps ISO 8601 instants (`ends_at`, `next_reminder_at`, ...).

A member could type something that looks like a token into a note or goal; it is harmless (it shows a time),
and the pattern is strict (digits, a known style, a zone name, a fallback without `<`, `>`, `&` or `|`), so it
can never carry markup into a platform's message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Style = Literal["time", "relative", "datetime", "date"]
STYLES: tuple[Style, ...] = ("time", "relative", "datetime", "date")
OPEN, CLOSE = "⟦", "⟧"
MAX_FALLBACK = 60

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TOKEN = re.compile(rf"{OPEN}at:(\d{{1,12}}):({'|'.join(STYLES)}):([A-Za-z0-9_+\-/]{{0,64}})"
                   rf"\|([^{OPEN}{CLOSE}<>&|\n]{{0,{MAX_FALLBACK}}}){CLOSE}")


@dataclass(frozen=True)
class Instant:
    """One token read back: what a renderer needs to show it."""

    unix: int
    style: Style
    zone: str  # an IANA name, or "" when the core knew no reader's zone
    fallback: str

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.unix, UTC)

    def zoneinfo(self) -> ZoneInfo | None:
        if not self.zone:
            return None
        try:
            return ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            return None


def when(instant: datetime, zone: ZoneInfo | None, style: Style = "time", *, now: datetime | None = None) -> str:
    """The token for `instant` in reply text. `zone`: the reader's zone (the member's, else the cohort's); `now`
    is needed for a `relative` style (its fallback, "in 25 min"), and is the command's clock, never the wall's."""
    if instant.tzinfo is None:
        raise ValueError("an instant must be timezone-aware")
    if style == "relative" and now is None:
        raise ValueError("a relative instant needs `now`")
    fallback = local_text(instant, zone, style, now=now)
    return f"{OPEN}at:{int(instant.timestamp())}:{style}:{zone.key if zone else ''}|{fallback}{CLOSE}"


def countdown(instant: datetime, zone: ZoneInfo | None, now: datetime) -> str:
    """`17:59 CET (in 25 min)` as tokens: the clock time and how long until it."""
    return f"{when(instant, zone)} ({when(instant, zone, 'relative', now=now)})"


def local_text(instant: datetime, zone: ZoneInfo | None, style: Style, *, now: datetime | None = None) -> str:
    """Plain text for `instant` in `zone` (UTC when None): `17:59 CET`, `Mon 9 Mar 20:00 CET`, `Mon 9 Mar`,
    `in 25 min`. The zone's abbreviation comes from the tz data (`CET`, `CEST`, `EST`, or an offset like `-03`)."""
    if style == "relative":
        assert now is not None
        return relative(instant, now)
    local = instant.astimezone(zone or UTC)
    day = f"{DAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]}"
    if style == "date":
        return day
    clock = f"{local:%H:%M} {local.tzname()}"
    return clock if style == "time" else f"{day} {clock}"


def relative(instant: datetime, now: datetime) -> str:
    """`in 25 min`, `in 2 h 5 min`, `in 3 days`, `now`, `25 min ago` (whole minutes, rounded down)."""
    seconds = int((instant - now).total_seconds())
    minutes = abs(seconds) // 60
    if minutes == 0:
        return "now"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        span = " ".join(part for part in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if part)
    else:
        span = f"{minutes // (24 * 60)} days"
    return f"in {span}" if seconds > 0 else f"{span} ago"


def iso(instant: datetime) -> str:
    """An instant for reply data: ISO 8601 in UTC, `Z` suffix."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def tokens(text: str) -> list[Instant]:
    """The instants in `text`, in order."""
    return [_read(match) for match in TOKEN.finditer(text)]


def render(text: str, native: Callable[[Instant], str]) -> str:
    """`text` with each token replaced by `native(instant)` (an adapter's own way of showing it)."""
    if OPEN not in text:
        return text
    return TOKEN.sub(lambda match: native(_read(match)), text)


def plain(text: str) -> str:
    """`text` with each token replaced by its fallback: for surfaces that show plain text only."""
    return render(text, lambda instant: instant.fallback)


def _read(match: re.Match[str]) -> Instant:
    style: Style = match.group(2)  # type: ignore[assignment]  # the pattern admits only STYLES
    return Instant(int(match.group(1)), style, match.group(3), match.group(4))
