"""`/study link CODE` and its "Link them" button through the real bolt app: the ephemeral answer carries a Block
Kit button whose press (block_actions) runs `link CODE confirm:yes` as the presser. The other account is a
Discord one, driven through the core. Every block sent passes slack_sdk's Block Kit models."""

from __future__ import annotations

from typing import Any

from bot.commands.context import Invocation
from bot.replies import Reply
from tests.e2e.slack.conftest import Slack, answer_of, texts, valid

DISCORD_ANN = Invocation(platform="discord", workspace="1200000000000000001", user_id="1500000000000000001",
                         display_name="ann-on-discord", channel_id="1300000000000000001")




async def _discord(slack: Slack, name: str, args: dict[str, str] | None = None) -> Reply:
    """The Discord account's half, through the core."""
    return await slack.app.bot.execute(DISCORD_ANN, name, args or {})


def _buttons(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [element for block in answer["blocks"] if block["type"] == "actions" for element in block["elements"]]


async def test_the_link_them_button_links_the_accounts(slack: Slack) -> None:
    own = await answer_of(slack, "link", 1)
    assert own["response_type"] == "ephemeral" and "Your code is" in texts(own["blocks"])
    assert not _buttons(own)  # nothing to confirm yet

    code = (await _discord(slack, "link")).data["code"]
    asked = await answer_of(slack, f"link {code}", 2)
    assert asked["response_type"] == "ephemeral" and "This makes" in texts(asked["blocks"])
    (button,) = _buttons(asked)
    plain = code.replace("-", "")
    assert (button["action_id"], button["value"], button["text"]["text"], button["style"]) == (
        "studybot_confirm", f"link:code={plain}&confirm=yes", "Link them", "primary")
    assert not (await _discord(slack, "link", {"code": "status"})).data["accounts"][1:]  # not linked yet

    await slack.click(button["action_id"], button["value"], user="U1", channel="C1")
    linked = await slack.answered(3)
    assert linked["response_type"] == "ephemeral" and linked["replace_original"] is False
    assert "are one person now" in texts(valid(linked["blocks"]))
    assert not _buttons(linked)
    status = (await _discord(slack, "link", {"code": "status"})).data["accounts"]
    assert sorted(account["platform"] for account in status) == ["discord", "slack"]
    shown = await answer_of(slack, "link status", 4)
    assert "Your accounts (2), one person" in texts(shown["blocks"])

    # The code was used once: a second press is checked again by the core, and refused.
    await slack.click(button["action_id"], button["value"], user="U1", channel="C1")
    again = await slack.answered(5)
    assert again["response_type"] == "ephemeral" and "is not a code I gave out" in texts(valid(again["blocks"]))


async def test_a_pressed_button_runs_only_commands_meant_for_buttons(slack: Slack) -> None:
    await answer_of(slack, "cohort create ml-club", 1)
    number = 1
    for crafted in ("forget:confirm=yes", "cohort%20remove:name=ml-club&confirm=ml-club", "link:code=A&code=B",
                    "link", ""):
        await slack.click("studybot_confirm", crafted, user="U1", channel="C1")
        number += 1
        refused = await slack.answered(number)
        assert refused["response_type"] == "ephemeral", crafted
        assert "This button doesn" in texts(valid(refused["blocks"])), crafted
    assert len(slack.store.tables["cohorts"]) == 1
    assert len(slack.store.tables["members"]) == 1
