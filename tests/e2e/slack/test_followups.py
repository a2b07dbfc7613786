"""A reply's private follow-ups (`Reply.followups`) on Slack: after the command's own answer, an ephemeral
message in the channel that only the caller sees (`chat.postEphemeral`); a DM when Slack refuses it."""

from __future__ import annotations

from tests.e2e.slack.conftest import Slack, texts
from tests.e2e.slack.fake_slack import Failure


async def test_cohort_create_answers_the_channel_and_the_organizer_alone_gets_the_checklist(slack: Slack) -> None:
    await slack.command("cohort create ml-club", user="U1", channel="C1")
    answer = await slack.answered(1)
    assert answer["response_type"] == "in_channel" and "started the cohort ml-club" in texts(answer["blocks"])
    (ephemeral,) = await slack.called("chat.postEphemeral")
    assert ephemeral.params["channel"] == "C1" and ephemeral.params["user"] == "U1"
    shown = texts(ephemeral.params["blocks"])
    assert "Next steps" in shown and "`/study cohort join ml-club`" in shown  # spelled the Slack way
    assert "`/study cohort settings digest:19:30`" in shown
    assert ephemeral.params["text"].startswith("Next steps: ml-club is ready.")
    assert len(slack.fake.responses) == 1  # the command's own answer is the only response


async def test_a_first_checkin_is_public_and_its_reminder_tips_are_private(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.called("chat.postEphemeral")
    await slack.command("cohort join", user="U2")
    await slack.command("checkin 30 read a paper", user="U2")
    public = await slack.answered(3)
    assert public["response_type"] == "in_channel" and "▓▓▓▓▓▓▓▓▓▓ 30/30 min ✓" in texts(public["blocks"])
    tips = (await slack.called("chat.postEphemeral", 2))[1].params
    assert tips["user"] == "U2" and tips["channel"] == "C1"
    assert "How reminders work" in texts(tips["blocks"]) and "`/study remind set 21:30`" in texts(tips["blocks"])
    await slack.command("checkin 15", user="U2")
    await slack.answered(4)
    assert len(slack.fake.named("chat.postEphemeral")) == 2  # the second check-in explains nothing more


async def test_a_refused_ephemeral_goes_to_the_dms(slack: Slack) -> None:
    slack.fake.fail("chat.postEphemeral", Failure(200, {"ok": False, "error": "channel_not_found"}))
    await slack.command("cohort create ml-club", channel="CPRIVATE")
    await slack.answered(1)
    dm = (await slack.called("chat.postMessage"))[0].params
    assert dm["channel"] == "DU1" and "Next steps" in texts(dm["blocks"])


async def test_a_first_checkin_from_the_modal_posts_publicly_and_tips_privately(slack: Slack) -> None:
    await slack.command("cohort create ml-club")
    await slack.called("chat.postEphemeral")
    await slack.command("cohort join", user="U2")
    await slack.answered(2)
    await slack.command("checkin", user="U2")
    view = (await slack.called("views.open"))[0].params["view"]
    await slack.submit(view, {"minutes": "20"}, user="U2")
    posted = (await slack.called("chat.postMessage"))[0].params
    assert posted["channel"] == "C1" and "▓▓▓▓▓▓░░░░ 20/30 min" in texts(posted["blocks"])
    tips = (await slack.called("chat.postEphemeral", 2))[1].params
    assert tips["channel"] == "C1" and tips["user"] == "U2" and "Reminders" in texts(tips["blocks"])
