"""`/study rest`, `/study undo`, `/study cohort holiday`, study days, streak repair, the Undo button under a
check-in and the off days on App Home, through the real bolt app; every block sent passes slack_sdk's Block Kit
models."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.views import View

from tests.e2e.slack.conftest import Slack, answer_of, texts, valid


def _undo_button(answer: dict[str, Any]) -> dict[str, Any]:
    (actions,) = [block for block in answer["blocks"] if block["type"] == "actions"]
    (button,) = actions["elements"]
    return button


async def test_rest_days_through_the_shared_grammar(slack: Slack) -> None:
    await answer_of(slack, "cohort create ml-club", 1)
    rest = await answer_of(slack, "rest sat,sun", 2)
    assert rest["response_type"] == "ephemeral"
    assert "Your rest days: Saturday and Sunday" in texts(rest["blocks"])
    shown = await answer_of(slack, "rest", 3)
    assert "`/study rest off` clears them" in texts(shown["blocks"])
    refused = await answer_of(slack, "rest mon,tue,wed,thu", 4)
    assert refused["response_type"] == "ephemeral" and ":warning:" in texts(refused["blocks"])


async def test_study_days_and_holidays_through_the_shared_grammar(slack: Slack) -> None:
    await answer_of(slack, "cohort create ml-club days:mon-fri", 1)
    changed = await answer_of(slack, "cohort settings days:sun-thu", 2)
    assert "Updated days" in texts(changed["blocks"])
    added = await answer_of(slack, "cohort holiday add 2026-03-09 to:2026-03-11 Spring break", 3)
    assert added["response_type"] == "ephemeral"
    assert "Holiday 2026-03-09 to 2026-03-11 Spring break added to ml-club" in texts(added["blocks"])
    listed = await answer_of(slack, "cohort holiday", 4)
    assert "Coming up: 2026-03-09 to 2026-03-11 Spring break" in texts(listed["blocks"])
    assert "`/study cohort holiday add YYYY-MM-DD" in texts(listed["blocks"])
    refused = await answer_of(slack, "cohort holiday add 2026-03-20", 5, user="U2")
    assert "Only organizers" in texts(refused["blocks"])
    removed = await answer_of(slack, "cohort holiday remove 2026-03-10", 6)
    assert "is removed from ml-club" in texts(removed["blocks"])
    (cohort,) = slack.store.tables["cohorts"].values()
    assert cohort.holidays == ()


async def test_undo_command_takes_back_the_latest_checkin_privately(slack: Slack) -> None:
    await answer_of(slack, "cohort create ml-club", 1)
    await answer_of(slack, "checkin 30", 2)
    undone = await answer_of(slack, "undo", 3)
    assert undone["response_type"] == "ephemeral"
    assert "Undone: your 30-min check-in for today in ml-club" in texts(undone["blocks"])
    assert not [block for block in undone["blocks"] if block["type"] == "actions"]
    assert slack.store.tables["checkins"] == {}


async def test_the_undo_button_works_for_the_author_only(slack: Slack) -> None:
    await answer_of(slack, "cohort create ml-club", 1)
    await answer_of(slack, "cohort join", 2, user="U2")
    checkin = await answer_of(slack, "checkin 30", 3, trigger="trigger-1")
    assert checkin["response_type"] == "in_channel"
    button = _undo_button(checkin)
    assert (button["action_id"], button["value"], button["text"]["text"]) == (
        "studybot_undo_checkin", "U1:slack:trigger-1", "Undo")  # its author, and the check-in's key

    await slack.click(button["action_id"], button["value"], user="U2", channel="C1")
    refused = await slack.answered(4)
    assert refused["response_type"] == "ephemeral" and refused["replace_original"] is False
    assert "Only the member who checked in can undo it" in texts(valid(refused["blocks"]))
    assert len(slack.store.tables["checkins"]) == 1

    await slack.click(button["action_id"], button["value"], user="U1", channel="C1")
    undone = await slack.answered(5)
    assert undone["response_type"] == "ephemeral" and undone["replace_original"] is False
    assert "Undone: your 30-min check-in" in texts(valid(undone["blocks"]))
    assert slack.store.tables["checkins"] == {}


def _minutes(slack: Slack) -> list[int]:
    return sorted(checkin.minutes for checkin in slack.store.tables["checkins"].values())


async def test_the_undo_button_takes_back_the_checkin_it_sits_under(slack: Slack) -> None:
    await answer_of(slack, "cohort create ml-club", 1)
    await answer_of(slack, "cohort join", 2, user="U2")
    first = _undo_button(await answer_of(slack, "checkin 30", 3, trigger="trigger-1"))
    second = _undo_button(await answer_of(slack, "checkin 45", 4, trigger="trigger-2"))
    assert first["value"] != second["value"]

    await slack.click(first["action_id"], first["value"], user="U1", channel="C1")
    undone = await slack.answered(5)
    assert undone["response_type"] == "ephemeral" and undone["replace_original"] is False
    assert "Undone: your 30-min check-in for today" in texts(valid(undone["blocks"]))  # the first, not the latest
    assert "*Today (min):* 45" in texts(undone["blocks"])
    assert _minutes(slack) == [45]

    await slack.click(first["action_id"], first["value"], user="U1", channel="C1")
    again = await slack.answered(6)
    assert again["response_type"] == "ephemeral" and again["replace_original"] is False
    assert "That check-in is already undone" in texts(valid(again["blocks"]))
    assert _minutes(slack) == [45]

    await slack.click(second["action_id"], second["value"], user="U2", channel="C1")
    refused = await slack.answered(7)
    assert refused["response_type"] == "ephemeral"
    assert "Only the member who checked in can undo it" in texts(valid(refused["blocks"]))
    assert _minutes(slack) == [45]

    slack.clock.advance(hours=25)
    await slack.click(second["action_id"], second["value"], user="U1", channel="C1")
    late = await slack.answered(8)
    assert late["response_type"] == "ephemeral" and "more than 24 hours old" in texts(valid(late["blocks"]))
    assert _minutes(slack) == [45]


async def test_an_undo_button_of_the_old_format_takes_back_the_latest(slack: Slack) -> None:
    await answer_of(slack, "cohort create ml-club", 1)
    await answer_of(slack, "checkin 30", 2)
    await answer_of(slack, "checkin 45", 3)
    await slack.click("studybot_undo_checkin", "U1", user="U2", channel="C1")  # its value: the author alone
    refused = await slack.answered(4)
    assert "Only the member who checked in can undo it" in texts(valid(refused["blocks"]))
    await slack.click("studybot_undo_checkin", "U1", user="U1", channel="C1")
    undone = await slack.answered(5)
    assert undone["response_type"] == "ephemeral" and "Undone: your 45-min check-in" in texts(undone["blocks"])
    assert _minutes(slack) == [30]


async def test_the_undo_button_under_a_sprints_checkin_takes_back_that_one(slack: Slack) -> None:
    """A stopped sprint's check-in is recorded under the sprint's key (`sprint:<id>`, which the reply carries as
    `checkin_key`), not the command's: its button names that key, and takes back that check-in even after a
    later one."""
    await answer_of(slack, "cohort create ml-club", 1)
    await answer_of(slack, "sprint start", 2)
    slack.clock.advance(minutes=20)
    stopped = await answer_of(slack, "sprint stop", 3)
    assert stopped["response_type"] == "in_channel"
    button = _undo_button(stopped)
    assert button["value"].startswith("U1:sprint:")
    await answer_of(slack, "checkin 45", 4)
    await slack.click(button["action_id"], button["value"], user="U1", channel="C1")
    undone = await slack.answered(5)
    assert "Undone: your 20-min check-in" in texts(valid(undone["blocks"]))
    assert [row.minutes for row in slack.store.tables["checkins"].values()] == [45]


async def test_only_a_fresh_public_checkin_offers_undo(slack: Slack) -> None:
    await answer_of(slack, "cohort create ml-club", 1)
    await answer_of(slack, "checkin 30", 2, trigger="trigger-7")
    again = await answer_of(slack, "checkin 30", 3, trigger="trigger-7", retry=1)  # Slack's retry of the same one
    refused = await answer_of(slack, "checkin 999", 4)
    streak = await answer_of(slack, "streak", 5)
    for answer in (again, refused, streak):
        assert answer["response_type"] == "ephemeral"
        assert not [block for block in answer["blocks"] if block["type"] == "actions"]


async def test_a_checkin_from_the_modal_offers_its_author_undo(slack: Slack) -> None:
    await answer_of(slack, "cohort create ml-club", 1)
    await slack.command("checkin")
    view = (await slack.called("views.open"))[0].params["view"]
    await slack.submit(view, {"minutes": "45"})
    posted = (await slack.called("chat.postMessage"))[0].params
    actions = [block for block in valid(posted["blocks"]) if block["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in actions[0]["elements"]] == [
        ("studybot_undo_checkin", "U1:slack-view:V1")]  # a modal's check-in is keyed by its view id
    await slack.click("studybot_undo_checkin", "U1:slack-view:V1", user="U1", channel="C1")
    undone = await slack.answered(2)
    assert "Undone: your 45-min check-in" in texts(valid(undone["blocks"]))
    assert slack.store.tables["checkins"] == {}


async def test_off_days_and_streak_repair_show_in_the_context_line(slack: Slack) -> None:
    await answer_of(slack, "cohort create ml-club", 1)
    await answer_of(slack, "rest fri", 2)  # 2026-03-06 is a Friday
    streak = await answer_of(slack, "streak", 3)
    assert ":palm_tree: *Off today:* your rest day" in texts(streak["blocks"])
    await answer_of(slack, "rest off", 4)
    slack.clock.advance(days=1)
    await answer_of(slack, "checkin 30", 5)
    slack.clock.advance(days=1)
    await answer_of(slack, "checkin 30", 6)  # streak 2
    slack.clock.advance(days=2)  # a missed Monday, no freeze: Tuesday can repair it
    offer = await answer_of(slack, "streak", 7)
    assert "*Repair:* 60 min on your next study day" in texts(offer["blocks"])
    repaired = await answer_of(slack, "checkin 60", 8)
    assert ":hammer_and_wrench: *Streak repaired*" in texts(repaired["blocks"])
    assert "*Streak:* 3" in texts(repaired["blocks"])


async def test_app_home_lists_the_weeks_off_days(slack: Slack) -> None:
    await answer_of(slack, "cohort create ml-club days:mon-fri", 1)
    await answer_of(slack, "rest thu", 2)
    await answer_of(slack, "cohort holiday add 2026-03-10 Exam &lt;prep&gt;", 3)  # as Slack sends `Exam <prep>`
    await answer_of(slack, "cohort holiday add 2026-03-20 to:2026-03-22 Spring break", 4)
    await slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    view = (await slack.called("views.publish"))[0].params["view"]
    View(**view).validate_json()
    (off,) = [b["text"]["text"] for b in view["blocks"] if "Off days this week" in b.get("text", {}).get("text", "")]
    assert off.splitlines()[1:] == [  # today (Friday 6 March) and the six days after it
        "`Sat 2026-03-07` not a study day",
        "`Sun 2026-03-08` not a study day",
        "`Tue 2026-03-10` holiday Exam &lt;prep&gt;",
        "`Thu 2026-03-12` your rest day",
        "*Holidays ahead:* 2026-03-20 to 2026-03-22 Spring break"]

    await slack.event({"type": "app_home_opened", "user": "U2", "tab": "home"})  # not in the cohort yet
    newcomer = (await slack.called("views.publish", 2))[1].params["view"]
    assert "Off days this week" not in texts(newcomer["blocks"])


async def test_app_home_shows_each_cohorts_own_off_days(slack: Slack) -> None:
    await answer_of(slack, "cohort create ml-club days:mon-fri", 1, channel="C1")
    await answer_of(slack, "cohort create book-club", 2, channel="C2")
    await slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    view = (await slack.called("views.publish"))[0].params["view"]
    View(**view).validate_json()
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert sum("Off days this week" in text for text in sections) == 1  # book-club studies every day
    ml = sections.index("*ml-club*")
    assert any("`Sat 2026-03-07` not a study day" in text for text in sections[ml:])
