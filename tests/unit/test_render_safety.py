"""No member-typed text can make the bot ping anyone or break out of its formatting, on either platform."""

from __future__ import annotations

import discord
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord.render import embed, pings
from adapters.slack.render import blocks
from bot.replies import Reply

hostile = st.lists(st.sampled_from(["<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C1>", "<@&S1>", "@everyone",
                                    "@here", "<@123>", "<@!123>", "<@&456>", "&", "<", ">", "*", "_", "`", "~"])
                   | st.text(max_size=20), max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(hostile, st.sampled_from(["reminder", "digest", None]))
def test_slack_blocks_never_carry_a_live_mention(text: str, kind: str | None) -> None:
    reply = Reply(text=f"ann logged 30 min — {text}", title=text[:30] or None, data={"type": kind} if kind else {})
    rendered = _mrkdwn(blocks(reply))  # plain_text is never parsed for mentions; mrkdwn is
    for live in ("<!", "<@", "<#"):
        assert live not in rendered


def _mrkdwn(node: object) -> str:
    if isinstance(node, dict):
        own = node["text"] if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str) else ""
        return own + "".join(_mrkdwn(value) for value in node.values())
    if isinstance(node, list):
        return "".join(_mrkdwn(item) for item in node)
    return ""


@settings(max_examples=300, deadline=None)
@given(hostile)
def test_discord_embeds_never_ping(text: str) -> None:
    reply = Reply(text=f"ann logged 30 min — {text}", title="Check-in", data={})
    card = embed(reply)
    assert "@everyone" not in (card.description or "") and "@here" not in (card.description or "")
    content, allowed = pings(reply)
    assert content is None
    assert allowed.to_dict() == discord.AllowedMentions.none().to_dict()


def test_only_the_digest_pings_and_only_by_id() -> None:
    reply = Reply(text="still to go: ann", data={"type": "digest", "mentions": ["1500000000000000001", "@everyone"]})
    content, allowed = pings(reply)
    assert content == "<@1500000000000000001>"
    assert (allowed.everyone, allowed.roles, allowed.replied_user) == (False, False, False)
    assert [user.id for user in allowed.users] == [1500000000000000001]  # type: ignore[union-attr]
