"""`/study league` through the grammar as Block Kit (the division in a monospace block, ▲/▼ zones), and the
viewer's league line on the App Home (from the core's `league` data)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from adapters.slack.render import blocks
from bot.replies import Reply
from bot.scheduler import Scheduler
from tests.e2e.slack.conftest import Slack, texts

USERS = ("U1", "U2", "U3", "U4", "U5")


def _valid(shown: list[dict[str, Any]]) -> None:
    for block in shown:
        assert Block.parse(block) is not None and Block.parse(block).to_dict() == block  # valid Block Kit


async def test_study_league_shows_the_table_and_home_shows_the_league_line(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("cohort settings leagues:on")
    for user in USERS[1:]:
        await slack.command("cohort join ml-club", user=user)
    for user in USERS:
        await slack.command("checkin 30", user=user)
    slack.clock.set(slack.clock.now() + timedelta(days=2, hours=15))  # Monday 9 March 05:00 UTC: placement
    await Scheduler(slack.store.unit_of_work, slack.clock).tick()
    await slack.command("checkin 45", user="U2")
    count = len(slack.fake.responses)
    await slack.command("league")
    answer = await slack.answered(count + 1)
    assert answer["response_type"] == "ephemeral"
    _valid(answer["blocks"])
    assert answer["blocks"][0]["text"]["text"] == "Bronze league"
    text = texts(answer["blocks"])
    assert "Bronze league, division 1 (ml-club)" in text and "<!date^" in text
    table = next(b["text"]["text"] for b in answer["blocks"] if b.get("text", {}).get("text", "").startswith("```"))
    rows = [line for line in table.strip("`\n").splitlines() if line.strip()]
    assert len(rows) == 5 and rows[0].startswith("▲") and "u2" in rows[0] and rows[0].endswith("45")
    assert sum(row.endswith("← you") for row in rows) == 1
    assert "▲ moves up a tier" in text and "*You:* safe" in text
    await slack.event({"type": "app_home_opened", "user": "U2", "tab": "home"})
    view = (await slack.called("views.publish"))[0].params["view"]
    _valid(view["blocks"])
    assert "*League:* Bronze, division 1  ·  #1 of 5  ·  45 points  ·  ▲ promotion zone" in texts(view["blocks"])


async def test_home_without_leagues_shows_no_league_line(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.answered(1)
    await slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    assert "League" not in texts((await slack.called("views.publish"))[0].params["view"]["blocks"])


def test_a_silver_division_marks_both_zones_and_names_cannot_break_the_block() -> None:
    rows = [{"rank": 1, "name": "ann", "points": 120, "zone": "up"},
            {"rank": 2, "name": "<@U9> `x` & co", "points": 60, "zone": "stay"},
            {"rank": 3, "name": "Hidden member", "points": 30, "zone": "stay"},
            {"rank": 4, "name": "bo", "points": 10, "zone": "stay"},
            {"rank": 5, "name": "cy", "points": 0, "zone": "down"}]
    reply = Reply(text="Silver league, division 2 (ml-club): you are #5 of 5 with 0 points.\n▲ 1. ann — 120",
                  private=True, title="Silver league",
                  data={"cohort": "ml-club", "tier": "Silver", "division": 2, "rows": rows, "you": rows[4],
                        "placed": True, "ends_at": "2026-03-16T04:00:00Z"})
    shown = blocks(reply)
    _valid(shown)
    table = shown[2]["text"]["text"]
    assert table.count("```") == 2 and "<@" not in table and "&lt;@U9&gt;" in table
    lines = table.strip("`\n").splitlines()
    assert lines[0].startswith("▲") and lines[-1].startswith("▼") and lines[-1].endswith("← you")
    assert "*You:* ▼ demotion zone" in texts(shown)
