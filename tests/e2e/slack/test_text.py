"""Slack's escaping both ways: what comes in is decoded once, what goes out is escaped once."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.slack.text import decode, escape


@given(st.text())
def test_decoding_undoes_slacks_escaping(typed: str) -> None:
    assert decode(escape(typed)) == typed


def test_slack_markup_becomes_plain_text_and_user_mentions_stay_for_the_parser() -> None:
    assert decode("see <https://x.org/a?b=1&amp;c=2|x.org> in <#C1|general> cc <!here> <!subteam^S1|@ml> "
                  "<@U2|ann> <mailto:a@b.org|a@b.org> &amp;lt;") == \
        "see https://x.org/a?b=1&c=2 in #general cc @here @ml <@U2> a@b.org &lt;"
