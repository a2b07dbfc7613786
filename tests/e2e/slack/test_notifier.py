"""The Notifier the dispatcher drains the outbox through: DMs, channel posts, the SDK's 429 handling and
how Slack's errors become DeliveryFailed."""

from __future__ import annotations

import pytest

from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply
from tests.e2e.slack.conftest import Slack, texts
from tests.e2e.slack.fake_slack import Failure

DIGEST = Reply(text="digest", title="Daily digest", data={"type": "digest"})


async def test_a_reminder_dm_arrives_with_buttons(slack: Slack) -> None:
    reply = Reply(text="Hi, today's sprint isn't done yet <!channel>", title="Sprint reminder", private=True,
                  data={"type": "reminder"})
    ts = await slack.app.notifier.send(Destination("slack", "T1", "dm", "U1"), reply)
    assert ts == "1700000000.000001"
    assert slack.fake.named("conversations.open")[0].params["users"] == "U1"
    posted = slack.fake.named("chat.postMessage")[0].params
    assert posted["channel"] == "DU1" and "&lt;!channel&gt;" in texts(posted["blocks"])
    assert posted["text"].startswith("Sprint reminder: ")  # the fallback for notifications
    assert [e["action_id"] for e in posted["blocks"][-1]["elements"]] == ["studybot_start_sprint",
                                                                          "studybot_open_checkin"]
    await slack.app.notifier.send(Destination("slack", "T1", "dm", "U1"), reply)
    assert len(slack.fake.named("conversations.open")) == 1  # the DM channel is remembered


async def test_a_429_is_retried_by_the_sdk_handler(slack: Slack) -> None:
    slack.fake.fail("chat.postMessage", Failure(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}))
    assert await slack.app.notifier.send(Destination("slack", "T1", "channel", "C1", thread="1.2"), DIGEST)
    calls = slack.fake.named("chat.postMessage")
    assert len(calls) == 2 and calls[1].params["thread_ts"] == "1.2"


async def test_a_long_rate_limit_is_handed_back_to_the_dispatcher(slack: Slack) -> None:
    slack.fake.fail("chat.postMessage", Failure(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}))
    with pytest.raises(DeliveryFailed) as failed:
        await slack.app.notifier.send(Destination("slack", "T1", "channel", "C1"), DIGEST)
    assert failed.value.retry_after == 30 and not failed.value.permanent
    assert len(slack.fake.named("chat.postMessage")) == 1  # not slept through inside the request


async def test_rate_limits_that_persist_after_the_retries_fail_with_retry_after(slack: Slack) -> None:
    limited = Failure(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"})
    slack.fake.fail("chat.postMessage", limited, limited, limited)
    with pytest.raises(DeliveryFailed) as failed:
        await slack.app.notifier.send(Destination("slack", "T1", "channel", "C1"), DIGEST)
    assert failed.value.retry_after == 0 and not failed.value.permanent
    assert len(slack.fake.named("chat.postMessage")) == 3  # the first try and the handler's two retries


@pytest.mark.parametrize(("method", "error", "kind"), [
    ("chat.postMessage", "channel_not_found", "channel"), ("chat.postMessage", "is_archived", "channel"),
    ("chat.postMessage", "not_in_channel", "channel"), ("conversations.open", "user_not_found", "dm"),
    ("conversations.open", "cannot_dm_bot", "dm"), ("conversations.open", "account_inactive", "dm")])
async def test_gone_people_and_channels_fail_for_good(slack: Slack, method: str, error: str, kind: str) -> None:
    slack.fake.fail(method, Failure(200, {"ok": False, "error": error}))
    with pytest.raises(DeliveryFailed) as failed:
        await slack.app.notifier.send(Destination("slack", "T1", kind, "CGONE" if kind == "channel" else "UGONE"),
                                      DIGEST)
    assert failed.value.permanent and failed.value.reason == error


@pytest.mark.parametrize("failure", [Failure(503, {"ok": False, "error": "service_unavailable"}),
                                     Failure(502, "<html>Bad gateway</html>")])
async def test_server_errors_fail_for_now(slack: Slack, failure: Failure) -> None:
    slack.fake.fail("chat.postMessage", failure)
    with pytest.raises(DeliveryFailed) as failed:
        await slack.app.notifier.send(Destination("slack", "T1", "channel", "C1"), DIGEST)
    assert not failed.value.permanent and failed.value.retry_after is None


async def test_connection_errors_fail_for_now(slack: Slack) -> None:
    await slack.fake.stop()
    with pytest.raises(DeliveryFailed) as failed:
        await slack.app.notifier.send(Destination("slack", "T1", "channel", "C1"), DIGEST)
    assert not failed.value.permanent and failed.value.reason.startswith("network")


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
    assert digest["channel"] == "C1" and digest["blocks"][1]["text"]["text"].endswith("<@U1>")  # mentions allowed
    slack.clock.advance(minutes=1)
    await scheduler.tick()
    await dispatcher.drain()
    (posted,) = dms()
    assert posted.params["channel"] == "DU1" and "Sprint reminder" in posted.params["text"]
