"""Each adapter's renderer shows the core's instants natively: Discord timestamps, Slack date tokens with the core's
fallback, the console the member's local time with the zone's abbreviation (checked here against zoneinfo, not
against the core's own formatting)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block

from adapters.console.render import Message, console_text
from adapters.discord.render import embed
from adapters.slack.modal import errors
from adapters.slack.render import blocks, fallback_text, slack_text
from bot.instants import OPEN, countdown, when
from bot.replies import Reply

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
END = NOW + timedelta(minutes=30)
UNIX = int(END.timestamp())  # 1772807400


def _sprint_reply() -> Reply:
    return Reply(text=f"ann started a 30-minute sprint. Ends at {countdown(END, BERLIN, NOW)}; it is recorded when "
                      f"the time is up. Next digest {when(END, BERLIN, 'datetime')}, paused until "
                      f"{when(END, BERLIN, 'date')}.",
                 title="Sprint started", data={"ends_at": "2026-03-06T14:30:00Z"})


def test_discord_shows_timestamps_in_each_readers_zone() -> None:
    card = embed(_sprint_reply())
    assert card.description == (f"ann started a 30-minute sprint. Ends at <t:{UNIX}:t> (<t:{UNIX}:R>); it is "
                                f"recorded when the time is up. Next digest <t:{UNIX}:f>, paused until <t:{UNIX}:D>.")
    assert "UTC" not in card.description and OPEN not in card.description


def test_discord_titles_take_the_plain_fallback() -> None:
    card = embed(Reply(text="x", title=f"Until {when(END, BERLIN)}"))
    assert card.title == "Until 15:30 CET"


def test_slack_shows_date_tokens_with_the_cores_fallback() -> None:
    reply = _sprint_reply()
    text = slack_text(reply)
    assert (f"Ends at <!date^{UNIX}^{{time}}|15:30 CET> (in 30 min)" in text)  # no documented future token: text
    assert f"Next digest <!date^{UNIX}^{{date_short_pretty}} at {{time}}|Fri 6 Mar 15:30 CET>" in text
    assert f"paused until <!date^{UNIX}^{{date_short_pretty}}|Fri 6 Mar>." in text
    assert OPEN not in text
    for block in blocks(reply):
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    # The notification text is plain: no markup that a notification would show raw.
    assert fallback_text(reply).startswith("Sprint started: ann started a 30-minute sprint. Ends at 15:30 CET "
                                           "(in 30 min)")
    assert errors(Reply(text=f"Busy until {when(END, BERLIN)}", data={"error": "sprint_running"}),
                  {"blocks": [{"block_id": "minutes"}]}) == {"minutes": "Busy until 15:30 CET"}


def test_slack_escapes_what_a_member_typed_before_reading_tokens() -> None:
    typed = "⟦at:1:time:UTC|<!channel>⟧ & ⟦at:1:time:UTC|&lt;!here&gt;⟧"
    text = slack_text(Reply(text=f"ann: {typed}"))
    assert "<!channel>" not in text and "<!here>" not in text and "<!date" not in text


# Instants on both sides of the 2026 changes in Berlin (29 March, 25 October) and New York (8 March, 1 November),
# both passes of a repeated hour included.
AROUND_DST = [(zone, datetime(*at, tzinfo=UTC)) for zone, ats in {
    "Europe/Berlin": [(2026, 3, 29, 0, 59), (2026, 3, 29, 1, 0), (2026, 3, 29, 14, 30), (2026, 10, 25, 0, 30),
                      (2026, 10, 25, 1, 30), (2026, 10, 25, 14, 30)],
    "America/New_York": [(2026, 3, 8, 6, 59), (2026, 3, 8, 7, 0), (2026, 11, 1, 5, 30), (2026, 11, 1, 6, 30)],
    "Asia/Kolkata": [(2026, 3, 29, 1, 0)],
}.items() for at in ats]


@pytest.mark.parametrize(("zone", "at"), AROUND_DST)
def test_the_console_shows_local_time_with_the_zones_abbreviation_across_dst(zone: str, at: datetime) -> None:
    unix = int(at.timestamp())
    local = datetime.fromtimestamp(unix, ZoneInfo(zone))  # independently of the core's formatting
    abbreviation = local.tzname()
    assert abbreviation and abbreviation != "UTC"
    # A token whose fallback is deliberately wrong: the console works the time out from the instant and the zone.
    text = f"Ends at ⟦at:{unix}:time:{zone}|fallback⟧, next ⟦at:{unix}:datetime:{zone}|fallback⟧."
    expected_time = f"{local.hour:02d}:{local.minute:02d} {abbreviation}"
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[local.weekday()]
    month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")[local.month - 1]
    assert console_text(text) == f"Ends at {expected_time}, next {weekday} {local.day} {month} {expected_time}."
    message = Message("reply", "ann", Reply(text=text, data={"ends_at": at.isoformat()}))
    assert expected_time in message.as_text()
    assert json.loads(message.as_json())["text"] == console_text(text)


def test_the_console_switches_abbreviation_at_the_change() -> None:
    before, after = datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    shown = console_text(f"{when(before, BERLIN)} / {when(after, BERLIN)}")
    assert shown == "01:59 CET / 03:00 CEST"


def test_the_console_falls_back_where_it_cannot_know_the_zone() -> None:
    assert console_text("⟦at:1772807400:time:|15:30 CET⟧") == "15:30 CET"
    assert console_text("⟦at:1772807400:time:Mars/Olympus|15:30 CET⟧") == "15:30 CET"
    assert console_text(when(END, BERLIN, "relative", now=NOW)) == "in 30 min"
