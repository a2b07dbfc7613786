"""The check-in modal: opened by `/study checkin`, from App Home and from the button on a DM; its
submission records through the core, answers validation errors on the right input, and posts publicly."""

from __future__ import annotations

from typing import Any

from tests.e2e.slack.conftest import Slack, texts
from tests.e2e.slack.fake_slack import Failure


async def _opened(slack: Slack, count: int = 1) -> dict[str, Any]:
    return (await slack.called("views.open", count))[count - 1].params["view"]


async def test_checkin_without_arguments_opens_the_modal_and_its_submission_records(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.answered(1)
    await slack.command("checkin", trigger="trigger-modal")
    view = await _opened(slack)
    assert slack.fake.named("views.open")[0].params["trigger_id"] == "trigger-modal"
    assert [b["block_id"] for b in view["blocks"]] == ["minutes", "note", "link"]  # one cohort: no picker
    assert len(slack.fake.responses) == 1  # nothing recorded or answered yet

    refused = await slack.submit(view, {"minutes": "700", "note": "attention is all you need"}, view_id="V-1")
    body = await refused.json()
    assert body["response_action"] == "errors" and "600" in body["errors"]["minutes"]
    refused = await slack.submit(view, {"minutes": "45", "link": "ftp://nope"}, view_id="V-1")
    assert list((await refused.json())["errors"]) == ["link"]
    assert slack.store.tables["checkins"] == {}

    accepted = await slack.submit(view, {"minutes": "45", "note": "attention is <!here> all you need"}, view_id="V-1")
    assert accepted.status == 200 and await accepted.text() == ""  # the modal closes
    posted = (await slack.called("chat.postMessage"))[0].params
    assert posted["channel"] == "C1"
    shown = texts(posted["blocks"])
    assert "attention is &lt;!here&gt; all you need" in shown and "*Today (min):* 45" in shown

    again = await slack.submit(view, {"minutes": "45"}, view_id="V-1")  # the same view delivered twice
    assert again.status == 200
    (checkin,) = slack.store.tables["checkins"].values()
    assert checkin.minutes == 45
    assert len(slack.fake.named("chat.postMessage")) == 1


async def test_empty_minutes_mean_one_sprint(slack: Slack) -> None:
    await slack.command("cohort create ml-club sprint:25")
    await slack.command("checkin")
    view = await _opened(slack)
    await slack.submit(view, {"note": "flashcards"})
    posted = (await slack.called("chat.postMessage"))[0].params
    assert "*Today (min):* 25" in texts(posted["blocks"])


async def test_from_app_home_the_checkin_goes_to_the_cohorts_channel(slack: Slack) -> None:
    await slack.command("cohort create ml-club", channel="CCLUB")
    await slack.command("cohort create book-club", channel="CBOOK", user="U2")
    await slack.answered(2)
    await slack.click("studybot_open_checkin", "home", container="view")
    view = await _opened(slack)
    picker = next(b for b in view["blocks"] if b["block_id"] == "cohort")  # two cohorts here: pick one
    assert [o["value"] for o in picker["element"]["options"]] == ["book-club", "ml-club"]
    await slack.submit(view, {"minutes": "30", "cohort": "ml-club"})
    posted = (await slack.called("chat.postMessage"))[0].params
    assert posted["channel"] == "CCLUB" and "*Streak:* 1" in texts(posted["blocks"])
    home = (await slack.called("views.publish"))[0].params  # App Home shows the new streak
    assert home["user_id"] == "U1" and "streak 1" in texts(home["view"]["blocks"])


async def test_a_channel_the_bot_cannot_post_in_gets_a_dm_instead(slack: Slack) -> None:
    await slack.command("cohort create ml-club", channel="CPRIVATE")
    await slack.command("checkin", channel="CPRIVATE")
    view = await _opened(slack)
    slack.fake.fail("chat.postMessage", Failure(200, {"ok": False, "error": "not_in_channel"}))
    await slack.submit(view, {"minutes": "30"})
    posts = await slack.called("chat.postMessage", 2)
    assert posts[0].params["channel"] == "CPRIVATE" and posts[1].params["channel"] == "DU1"
    assert len(slack.store.tables["checkins"]) == 1


async def test_the_sprint_end_dm_offers_a_note_that_opens_the_modal(slack: Slack) -> None:
    from bot.delivery import Dispatcher
    from bot.scheduler import Scheduler

    await slack.command("cohort create ml-club")
    await slack.command("sprint start transformers")
    await slack.answered(2)
    slack.clock.advance(minutes=31)
    scheduler = Scheduler(slack.store.unit_of_work, slack.clock)
    await scheduler.tick()
    await Dispatcher(slack.store.unit_of_work, slack.clock, {"slack": slack.app.notifier}, owner="t").drain()
    dm = (await slack.called("chat.postMessage"))[0].params
    assert dm["channel"] == "DU1"
    (actions,) = [b for b in dm["blocks"] if b["type"] == "actions"]
    (note,) = actions["elements"]
    assert note["action_id"] == "studybot_open_checkin" and note["value"] == "sprint_end"

    await slack.click(note["action_id"], note["value"], channel="DU1")
    view = await _opened(slack)
    assert [b.get("block_id") for b in view["blocks"] if b["type"] == "input"] == ["note", "link"]  # no minutes
    assert "already recorded" in texts(view["blocks"])
    refused = await slack.submit(view, {"link": "ftp://nope"})
    assert list((await refused.json())["errors"]) == ["link"]
    await slack.submit(view, {"note": "wrote up the attention notes"})
    (checkin,) = slack.store.tables["checkins"].values()  # the note went on the sprint's check-in
    assert (checkin.minutes, checkin.note) == (30, "wrote up the attention notes")
    told = (await slack.called("chat.postMessage", 2))[1].params
    assert told["channel"] == "DU1" and "wrote up the attention notes" in texts(told["blocks"])
