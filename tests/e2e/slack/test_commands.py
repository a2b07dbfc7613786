"""`/study …` through the real bolt app over HTTP: signed requests in, answers on response_url out."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from adapters.slack.app import build_slack_app
from bot.clock import SimulatedClock
from bot.service import StudyBot
from tests.e2e.slack.conftest import TOKEN, Slack, texts
from tests.fakes import InMemoryStore


async def test_checkin_answers_in_channel_with_the_streak(slack: Slack) -> None:
    assert (await slack.command("cohort create ml-club")).status == 200
    await slack.answered(1)
    response = await slack.command("checkin 30 read the LoRA paper")
    assert response.status == 200
    answer = await slack.answered(2)
    assert answer["response_type"] == "in_channel"
    assert answer["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "Check-in", "emoji": True}}
    text = texts(answer["blocks"])
    assert "read the LoRA paper" in text and "*Streak:* 1" in text and "*Today (min):* 30" in text
    assert "read the LoRA paper" in answer["text"]  # the notification fallback
    assert slack.fake.named("users.info")[0].params["user"] == "U1"
    assert len(slack.fake.named("auth.test")) == 1


async def test_the_request_is_acknowledged_before_the_work_is_done(slack: Slack) -> None:
    slack.fake.delays["users.info"] = 1.0  # a slow Slack: the work after the ack takes a second
    started = time.monotonic()
    response = await slack.command("cohort create ml-club", finished=False)
    acked = time.monotonic() - started
    assert response.status == 200 and await response.text() == "" and acked < 0.8
    assert slack.fake.responses == []
    answer = await slack.answered(1)
    assert answer["response_type"] == "in_channel" and time.monotonic() - started >= 1.0


async def test_personal_views_and_errors_are_ephemeral_and_marked(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("streak")
    answer = await slack.answered(2)
    assert answer["response_type"] == "ephemeral"
    await slack.command("chekin 30")
    refused = await slack.answered(3)
    assert refused["response_type"] == "ephemeral"
    assert refused["blocks"][0]["text"]["text"].startswith(":warning: ")
    assert "`/study checkin`" in texts(refused["blocks"])  # commands are spelled the Slack way


async def test_user_text_cannot_ping_anyone(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    # What Slack sends (should_escape) for: hey @channel @here @bob <!everyone> <@U123> & friends <https://…>
    await slack.command("checkin 30 hey <!channel> <!here> <@U999|bob> &lt;!everyone&gt; &lt;@U123&gt; &amp; friends "
                        "link:<https://arxiv.org/abs/2106.09685>")
    answer = await slack.answered(2)
    shown = texts(answer["blocks"]) + answer["text"]
    assert "<!" not in shown and "<@" not in shown
    assert "&lt;!everyone&gt;" in shown and "&lt;@U123&gt;" in shown and "&amp; friends" in shown
    (checkin,) = slack.store.tables["checkins"].values()
    assert checkin.note == "hey @channel @here <@U999> <!everyone> <@U123> & friends"
    assert checkin.link == "https://arxiv.org/abs/2106.09685"


async def test_mentions_reach_the_shared_parser(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("cohort join ml-club", user="U2")
    await slack.command("buddy <@U2|u2>")
    answer = await slack.answered(3)
    assert "error" not in answer["text"].lower() and ":warning:" not in answer["text"], answer["text"]
    assert "Asked u2 to be your buddy" in texts(answer["blocks"])


async def test_a_retried_request_records_once(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("checkin 30", trigger="trigger-42")
    first = await slack.answered(2)
    await slack.command("checkin 30", trigger="trigger-42", retry=1)
    second = await slack.answered(3)
    assert first["response_type"] == "in_channel" and "*Today (min):* 30" in texts(first["blocks"])
    assert second["response_type"] == "ephemeral"  # the channel already saw it
    assert "*Today (min):* 30" in texts(second["blocks"]) and "Already recorded" in texts(second["blocks"])
    assert len(slack.store.tables["checkins"]) == 1


async def test_bad_or_stale_signatures_are_refused_and_change_nothing(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.answered(1)
    assert (await slack.command("checkin 30", secret="wrong")).status == 401
    assert (await slack.command("checkin 30", signed_at=time.time() - 6 * 60)).status == 401
    assert (await slack.event({"type": "app_home_opened", "user": "U1", "tab": "home"},
                              secret="wrong")).status == 401
    await slack.command("streak")
    assert "*Today (min):* 0" in texts((await slack.answered(2))["blocks"])
    assert len(slack.fake.responses) == 2 and slack.store.tables["checkins"] == {}


async def test_workspace_admins_are_organizers(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("cohort settings sprint:25", user="U2")
    assert "Only organizers" in texts((await slack.answered(2))["blocks"])
    await slack.command("cohort settings sprint:25", user="UADMIN")
    assert "Updated sprint" in texts((await slack.answered(3))["blocks"])
    await slack.command("streak", user="UADMIN")
    await slack.answered(4)
    assert len(slack.fake.named("users.info")) == 3  # U1, U2, UADMIN: each asked once, then cached


async def test_enterprise_grid_teams_are_their_own_workspace(slack: Slack) -> None:
    await slack.command("cohort create grid-club", extra={"enterprise_id": "E1"})
    await slack.answered(1)
    assert await slack.app.bot.cohort_names("slack", "E1:T1") == ["grid-club"]
    assert await slack.app.bot.cohort_names("slack", "T1") == []


async def test_the_events_url_passes_slacks_verification_and_health_is_served(slack: Slack) -> None:
    response = await slack.post('{"type": "url_verification", "challenge": "abc123", "token": "x"}',
                                "application/json")
    assert response.status == 200 and "abc123" in await response.text()
    health = await slack.session.get(slack.url.replace("/slack/events", "/healthz"))
    assert health.status == 200


async def test_stats_picture_is_uploaded_to_the_members_dms(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("checkin 30")
    await slack.command("stats")
    assert (await slack.answered(3))["response_type"] == "ephemeral"
    await slack.called("files.completeUploadExternal")
    assert slack.fake.named("files.getUploadURLExternal")[0].params["filename"].endswith(".png")
    assert slack.fake.named("upload")[0].params["bytes"] > 100


async def test_http_mode_needs_a_signing_secret() -> None:
    clock = SimulatedClock(datetime(2026, 3, 6, 14, 0, tzinfo=UTC))
    app = build_slack_app(StudyBot(InMemoryStore().unit_of_work, clock), bot_token=TOKEN, signing_secret="")
    with pytest.raises(ValueError, match="SLACK_SIGNING_SECRET"):
        await app.start_http("127.0.0.1", 0)  # an empty HMAC key would let anyone sign requests
    await app.stop()


async def test_a_group_sprint_has_a_join_button_that_works(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.command("cohort join", user="U2")
    await slack.command("sprint start reading group:true")
    started = await slack.answered(3)
    assert started["response_type"] == "in_channel"
    (actions,) = [b for b in started["blocks"] if b["type"] == "actions"]
    (join,) = actions["elements"]
    assert join["action_id"] == "studybot_join_sprint" and join["text"]["text"] == "Join the sprint"
    await slack.click("studybot_join_sprint", join["value"], user="U2", channel="C1")
    joined = await slack.answered(4)
    assert joined["response_type"] == "in_channel" and "joined the group sprint" in texts(joined["blocks"])
