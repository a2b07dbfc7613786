"""`/study team` through the grammar, and the team bar on the App Home (from the core's `team` data)."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from tests.e2e.slack.conftest import Slack, texts


async def test_study_team_shows_the_bar_in_channel_and_home_shows_it_too(slack: Slack) -> None:
    await slack.command("cohort create ml-club team_goal:100")
    await slack.command("checkin 62")
    await slack.command("team")
    answer = await slack.answered(3)
    assert answer["response_type"] == "in_channel"
    for block in answer["blocks"]:
        assert Block.parse(block) is not None and Block.parse(block).to_dict() == block  # valid Block Kit
    text = texts(answer["blocks"])
    assert "▓▓▓▓▓▓░░░░ 62% (62/100 min)" in text and "u1 62 min" in text.replace("*", "")
    await slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    view = (await slack.called("views.publish"))[0].params["view"]
    home = texts(view["blocks"])
    assert "*Team goal this week*" in home and "▓▓▓▓▓▓░░░░ 62% (62/100 min)" in home
    for block in view["blocks"]:
        assert Block.parse(block).to_dict() == block


async def test_home_without_a_team_goal_shows_no_bar(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.answered(1)
    await slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    assert "Team goal" not in texts((await slack.called("views.publish"))[0].params["view"]["blocks"])
