"""App Home: app_home_opened publishes the member's streak, today's progress, twelve weeks of days and the
leaderboard, per cohort, with buttons to start a sprint or check in."""

from __future__ import annotations

from tests.e2e.slack.conftest import Slack, texts


async def test_app_home_publishes_streak_grid_leaderboard_and_buttons(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("checkin 30")
    await slack.answered(2)
    assert (await slack.event({"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"})).status == 200
    published = (await slack.called("views.publish"))[0].params
    view = published["view"]
    assert published["user_id"] == "U1" and view["type"] == "home"
    text = texts(view["blocks"])
    assert "*ml-club*" in text and "streak 1" in text and "Today ▓▓▓▓▓▓▓▓▓▓ 30/30 min ✓ Day done." in text
    grid = next(b["text"]["text"] for b in view["blocks"] if "Last 12 weeks" in b.get("text", {}).get("text", ""))
    assert grid.count(":large_green_square:") == 1  # the one done day the core reports; nothing invented
    assert grid.count(":large_yellow_square:") == 0
    assert "ml-club — current streaks" in text and "1. u1" in text  # the leaderboard, as the core ranks it
    actions = next(b for b in view["blocks"] if b["type"] == "actions")["elements"]
    assert [(a["action_id"], a["value"]) for a in actions] == [("studybot_start_sprint", "home"),
                                                               ("studybot_open_checkin", "home")]


async def test_a_member_in_two_cohorts_sees_both_and_a_newcomer_is_told_what_to_do(slack: Slack) -> None:
    await slack.command("cohort create ml-club", channel="C1")
    await slack.command("cohort create book-club", channel="C2")
    await slack.command("checkin 10", channel="C2")
    await slack.answered(3)
    await slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    view = (await slack.called("views.publish"))[0].params["view"]
    text = texts(view["blocks"])
    assert "*book-club*" in text and "*ml-club*" in text and ":large_yellow_square:" in text

    await slack.event({"type": "app_home_opened", "user": "U7", "tab": "home"})
    newcomer = (await slack.called("views.publish", 2))[1].params
    assert newcomer["user_id"] == "U7" and "cohort join" in texts(newcomer["view"]["blocks"])


async def test_start_sprint_from_home_dms_the_member_and_refreshes_home(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.answered(1)
    await slack.called("chat.postEphemeral")  # the organizer's checklist after `cohort create`
    await slack.click("studybot_start_sprint", "home", container="view")
    dm = (await slack.called("chat.postMessage"))[0].params
    assert dm["channel"] == "DU1" and "started a 30-minute sprint" in texts(dm["blocks"])
    await slack.called("views.publish")
    await slack.click("studybot_start_sprint", "home", container="view")
    again = (await slack.called("chat.postMessage", 2))[1].params
    assert "already have a sprint running" in texts(again["blocks"])  # the core's rule, shown as is
    assert len(slack.fake.named("chat.postEphemeral")) == 1  # the sprint's answers went to the DMs


async def test_app_home_shows_the_day_and_the_week_as_bars(slack: Slack) -> None:
    await slack.command("cohort create ml-club weekly_goal:150")
    await slack.command("checkin 20")
    await slack.answered(2)
    await slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    text = texts((await slack.called("views.publish"))[0].params["view"]["blocks"])
    assert "Today ▓▓▓▓▓▓░░░░ 20/30 min" in text  # the core's streak text, shown as is
    assert "This week ▓░░░░░░░░░ 20/150 min" in text
    assert "*Today (min):* 20" in text  # and the numbers beside it, unchanged
