"""Instants reach Slack as date tokens (`<!date^UNIX^{time}|fallback>`), which Slack shows in each reader's own
zone, with the core's fallback in the member's zone; the notification text is plain. Through the real bolt app;
every block passes slack_sdk's Block Kit models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.instants import when
from bot.ports import Destination
from bot.replies import Reply
from tests.e2e.slack.conftest import Slack, texts

ENDS = 1772807400  # 2026-03-06 14:30 UTC: 30 minutes after the app's clock, 15:30 in Berlin


def _valid(blocks: list[dict[str, Any]]) -> str:
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
    return texts(blocks)


async def _answer(slack: Slack, command: str, title: str) -> dict[str, Any]:
    """`/study command` and its answer, found by its header (a follow-up of an earlier command may come between)."""
    await slack.command(command)
    await slack.fake.wait_for(lambda: any(_title(answer) == title for answer in slack.fake.responses))
    (answer,) = [answer for answer in slack.fake.responses if _title(answer) == title]
    return answer


def _title(answer: dict[str, Any]) -> str | None:
    header = answer["blocks"][0] if answer.get("blocks") else {}
    return header["text"]["text"] if header.get("type") == "header" else None


async def test_sprint_start_and_status_show_slack_dates(slack: Slack) -> None:
    await slack.command("cohort create ml-club timezone:Europe/Berlin")
    started = await _answer(slack, "sprint start attention", "Sprint started")
    shown = _valid(started["blocks"])
    assert f"Ends at <!date^{ENDS}^{{time}}|15:30 CET> (in 30 min); it is recorded when the time is up." in shown
    assert "Ends at 15:30 CET (in 30 min)" in started["text"]  # the notification: plain
    status = await _answer(slack, "sprint status", "Sprint")
    assert f"ends at <!date^{ENDS}^{{time}}|15:30 CET> (in 30 min)." in _valid(status["blocks"])
    reminder = _valid((await _answer(slack, "remind", "Reminder"))["blocks"])
    assert "Next reminder: <!date^1772820000^{date_short_pretty} at {time}|Fri 6 Mar 19:00 CET>" in reminder
    for answer in slack.fake.responses:
        assert "UTC" not in texts(answer["blocks"]) + answer["text"]
        assert "⟦" not in texts(answer["blocks"]) + answer["text"]


async def test_a_direct_message_carries_dates_too(slack: Slack) -> None:
    at = datetime(2026, 3, 7, 3, 0, tzinfo=UTC)
    reply = Reply(text=f"Your streak ends at {when(at, ZoneInfo('Europe/Berlin'))}.", title="Streak at risk",
                  private=True, data={"type": "lastcall"})
    await slack.app.notifier.send(Destination("slack", "T1", "dm", "U1"), reply)
    posted = slack.fake.named("chat.postMessage")[0].params
    assert f"Your streak ends at <!date^{int(at.timestamp())}^{{time}}|04:00 CET>." in _valid(posted["blocks"])
    assert posted["text"] == "Streak at risk: Your streak ends at 04:00 CET."
