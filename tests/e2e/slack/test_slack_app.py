from __future__ import annotations

import time

from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply
from tests.e2e.slack.conftest import Slack
from tests.e2e.slack.fake_slack import Failure


def _texts(blocks: list[dict]) -> str:
    parts = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text", "")
            parts.append(text["text"] if isinstance(text, dict) else text)
    return "\n".join(parts)


async def test_checkin_answers_in_channel_with_the_streak(slack: Slack) -> None:
    assert (await slack.command("cohort create ml-club")).status == 200
    await slack.answered(1)
    response = await slack.command("checkin 30 read the LoRA paper")
    assert response.status == 200
    answer = await slack.answered(2)
    assert answer["response_type"] == "in_channel"
    text = _texts(answer["blocks"])
    assert "read the LoRA paper" in text and "*Streak:* 1" in text
    assert slack.fake.named("users.info")[0].params["user"] == "U1"


async def test_private_views_are_ephemeral_and_commands_read_as_slack_commands(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("streak")
    answer = await slack.answered(2)
    assert answer["response_type"] == "ephemeral"
    await slack.command("chekin 30")
    refused = await slack.answered(3)
    assert refused["response_type"] == "ephemeral"
    assert "`/study checkin`" in _texts(refused["blocks"])


async def test_user_text_cannot_ping_anyone(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("checkin 30 hey <!channel> <!here> <@U999> & friends")
    text = _texts((await slack.answered(2))["blocks"])
    assert "<!channel>" not in text and "<!here>" not in text and "<@U999>" not in text
    assert "&lt;!channel&gt;" in text and "&amp; friends" in text


async def test_a_retried_request_records_once(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("checkin 30", trigger="trigger-42")
    first = await slack.answered(2)
    await slack.command("checkin 30", trigger="trigger-42", retry=1)
    second = await slack.answered(3)
    assert "*Today (min):* 30" in _texts(first["blocks"])
    assert "*Today (min):* 30" in _texts(second["blocks"]) and "Already recorded" in _texts(second["blocks"])


async def test_bad_or_stale_signatures_are_refused_and_change_nothing(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.answered(1)
    assert (await slack.command("checkin 30", secret="wrong")).status == 401
    assert (await slack.command("checkin 30", signed_at=time.time() - 6 * 60)).status == 401
    await slack.command("streak")
    assert "*Today (min):* 0" in _texts((await slack.answered(2))["blocks"])
    assert len(slack.fake.responses) == 2


async def test_the_checkin_modal_records_a_checkin(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.answered(1)
    await slack.command("checkin")
    await slack.fake.wait_for(lambda: bool(slack.fake.named("views.open")))
    view = slack.fake.named("views.open")[0].params["view"]
    assert [b["block_id"] for b in view["blocks"]] == ["minutes", "note", "link"]

    def submission(minutes: str, view_id: str) -> dict:
        return {"type": "view_submission", "team": {"id": "T1"}, "user": {"id": "U1"}, "api_app_id": "A1",
                "trigger_id": "t", "view": {**view, "id": view_id, "state": {"values": {
                    "minutes": {"value": {"type": "number_input", "value": minutes}},
                    "note": {"value": {"type": "plain_text_input", "value": "attention is all you need"}},
                    "link": {"value": {"type": "url_text_input", "value": None}}}}}}

    refused = await slack.interaction(submission("700", "V-bad"))
    assert (await refused.json())["response_action"] == "errors"
    assert "minutes" in (await refused.json())["errors"]
    accepted = await slack.interaction(submission("45", "V-good"))
    assert accepted.status == 200
    await slack.fake.wait_for(lambda: bool(slack.fake.named("chat.postMessage")))
    posted = slack.fake.named("chat.postMessage")[0].params
    assert posted["channel"] == "C1" and "attention is all you need" in _texts(posted["blocks"])


async def test_app_home_publishes_streak_leaderboard_and_buttons(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("checkin 30")
    await slack.answered(2)
    await slack.event({"type": "app_home_opened", "user": "U1", "tab": "home", "channel": "D1"})
    await slack.fake.wait_for(lambda: bool(slack.fake.named("views.publish")))
    published = slack.fake.named("views.publish")[0].params
    view = published["view"]
    assert published["user_id"] == "U1" and view["type"] == "home"
    text = _texts(view["blocks"])
    assert "streak 1" in text and "ml-club" in text and ":large_green_square:" in text
    actions = next(b for b in view["blocks"] if b["type"] == "actions")["elements"]
    assert [a["action_id"] for a in actions] == ["studybot_start_sprint", "studybot_open_checkin"]


async def test_workspace_admins_are_organizers(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("cohort settings sprint:25", user="U2")
    assert "Only organizers" in _texts((await slack.answered(2))["blocks"])
    await slack.command("cohort settings sprint:25", user="UADMIN")
    assert "Updated sprint" in _texts((await slack.answered(3))["blocks"])


async def test_reminder_dm_goes_through_the_notifier(slack: Slack) -> None:
    reply = Reply(text="Hi, today's sprint isn't done yet <!channel>", title="Sprint reminder", private=True,
                  data={"type": "reminder"})
    ts = await slack.app.notifier.send(Destination("slack", "T1", "dm", "U1"), reply)
    assert ts is not None
    assert slack.fake.named("conversations.open")[0].params["users"] == "U1"
    posted = slack.fake.named("chat.postMessage")[0].params
    assert posted["channel"] == "DU1" and "&lt;!channel&gt;" in _texts(posted["blocks"])


async def test_a_429_is_retried_by_the_sdk_and_unknown_channels_fail_for_good(slack: Slack) -> None:
    slack.fake.fail("chat.postMessage", Failure(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}))
    reply = Reply(text="digest", data={"type": "digest"})
    assert await slack.app.notifier.send(Destination("slack", "T1", "channel", "C1"), reply)
    assert len(slack.fake.named("chat.postMessage")) == 2
    slack.fake.fail("chat.postMessage", Failure(200, {"ok": False, "error": "channel_not_found"}))
    try:
        await slack.app.notifier.send(Destination("slack", "T1", "channel", "CGONE"), reply)
    except DeliveryFailed as failure:
        assert failure.permanent and failure.reason == "channel_not_found"
    else:
        raise AssertionError("a missing channel must fail")
    slack.fake.fail("chat.postMessage", Failure(503, {"ok": False, "error": "service_unavailable"}))
    try:
        await slack.app.notifier.send(Destination("slack", "T1", "channel", "C1"), reply)
    except DeliveryFailed as failure:
        assert not failure.permanent
    else:
        raise AssertionError("a 503 must fail for now")


async def test_stats_picture_is_uploaded_to_the_members_dms(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("checkin 30")
    await slack.command("stats")
    await slack.answered(3)
    await slack.fake.wait_for(lambda: bool(slack.fake.named("files.completeUploadExternal")))
    assert slack.fake.named("files.getUploadURLExternal")[0].params["filename"].endswith(".png")
    assert slack.fake.named("upload")[0].params["bytes"] > 100


async def test_a_reminder_dm_goes_out_at_the_members_time(slack: Slack) -> None:
    from bot.delivery import Dispatcher
    from bot.scheduler import Scheduler

    await slack.command("cohort create ml-club timezone:Europe/Berlin")
    await slack.command("remind set 21:30")
    await slack.answered(2)
    scheduler = Scheduler(slack.store.unit_of_work, slack.clock)
    dispatcher = Dispatcher(slack.store.unit_of_work, slack.clock, {"slack": slack.app.notifier}, owner="t")
    slack.clock.advance(hours=6, minutes=29)  # 20:29 UTC = 21:29 in Berlin
    await scheduler.tick()
    await dispatcher.drain()

    def dms() -> list:
        return [c for c in slack.fake.named("chat.postMessage") if c.params["channel"].startswith("D")]

    assert dms() == []  # the 20:00 digest went to the channel; the reminder waits for 21:30
    digest = slack.fake.named("chat.postMessage")[0].params
    assert digest["channel"] == "C1" and digest["blocks"][-1]["text"]["text"].endswith("<@U1>")
    slack.clock.advance(minutes=1)
    await scheduler.tick()
    await dispatcher.drain()
    (posted,) = dms()
    assert posted.params["channel"] == "DU1" and "Sprint reminder" in posted.params["text"]
