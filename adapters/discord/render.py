"""The one renderer for Discord: a core reply becomes an embed (and files). Nothing a member typed can
ping anyone: every message goes out with `AllowedMentions.none()`, except the digest's own pings of
pending members who allow mentions, which are allowed by user id and nothing else."""

from __future__ import annotations

import io
import re

import discord

from adapters.league_table import is_league, table_lines, zone_of
from bot.grammar import COMMAND_WORDS
from bot.instants import Instant, plain, render
from bot.replies import Reply

OK_COLOUR = discord.Colour.from_rgb(35, 154, 59)
ERROR_COLOUR = discord.Colour.from_rgb(207, 34, 46)
_COMMAND = re.compile(r"`((?:" + "|".join(COMMAND_WORDS) + r")\b[^`]*)`")
FIELDS = (("streak", "Streak"), ("longest", "Longest"), ("freezes", "Freezes"), ("minutes_today", "Today (min)"))
# The core's instant styles as Discord timestamp styles: Discord shows each in the reader's own zone and locale.
TIMESTAMP_STYLES = {"time": "t", "relative": "R", "datetime": "f", "date": "D"}


def timestamp(instant: Instant) -> str:
    """A core instant as Discord's `<t:UNIX:STYLE>` markup (rendered in each reader's zone)."""
    return f"<t:{instant.unix}:{TIMESTAMP_STYLES[instant.style]}>"


def discord_text(text: str) -> str:
    """Reply text as Discord markdown: no pings, commands as slash commands, instants as timestamps."""
    return render(_COMMAND.sub(lambda m: f"`/{m.group(1)}`", discord.utils.escape_mentions(text)), timestamp)


def embed(reply: Reply) -> discord.Embed:
    if not reply.is_error and is_league(reply.data):
        return _league_card(embed(Reply(text=reply.text.split("\n", 1)[0], data={**reply.data, "placed": False},
                                        title=reply.title)), reply)
    text = discord_text(reply.text)
    # Titles show no markdown (a timestamp would show raw): plain text there.
    card = discord.Embed(title=plain(reply.title or "studybot")[:256], description=text[:4000],
                         colour=ERROR_COLOUR if reply.is_error else OK_COLOUR)
    if not reply.is_error:
        for key, label in FIELDS:
            value = reply.data.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                card.add_field(name=label, value=str(value), inline=True)
        for label, value in off_and_repair(reply):
            card.add_field(name=label, value=value[:1024], inline=True)
    cohort = reply.data.get("cohort")
    if isinstance(cohort, str) and cohort and cohort not in card.title:  # which one, for members of several
        card.set_footer(text=cohort[:2048])
    return card


def _league_card(card: discord.Embed, reply: Reply) -> discord.Embed:
    """The `league` reply: its first line (tier, rank, points, when the week ends, as timestamps), the division
    as a monospace table with ▲/▼ zones, and the member's own figures as fields."""
    table = discord.utils.escape_mentions("\n".join(table_lines(reply.data)))
    head = card.description or ""
    card.description = f"{head}\n```\n{table[:3900 - len(head)]}\n```"
    you, rows = reply.data.get("you") or {}, reply.data.get("rows") or []
    card.add_field(name="Tier", value=f"{reply.data['tier']} · division {reply.data.get('division')}", inline=True)
    card.add_field(name="Your rank", value=f"#{you.get('rank')} of {len(rows)}", inline=True)
    card.add_field(name="Points", value=str(you.get("points", 0)), inline=True)
    card.add_field(name="Your zone", value=zone_of(reply.data) or "—", inline=True)
    card.add_field(name="Zones", value="▲ moves up a tier · ▼ moves down a tier", inline=True)
    return card


def off_and_repair(reply: Reply) -> list[tuple[str, str]]:
    """What the core says about off days and streak repair, as short fields beside the numbers."""
    found = []
    if reply.data.get("repaired") is True:
        found.append(("Repaired", "a missed day, mended by a double session"))
    repair = reply.data.get("repair")
    if isinstance(repair, dict) and repair.get("need_minutes"):
        found.append(("Repair", f"{repair['need_minutes']} min on your next study day"))
    off = reply.data.get("off_today")
    if isinstance(off, str) and off:
        found.append(("Off today", discord.utils.escape_mentions(off)))
    return found


def offers_undo(reply: Reply) -> bool:
    """A check-in just recorded and shown in the channel: its author gets an Undo button under it (a check-in
    reply says whether it `repaired` a streak; a repeat of one already recorded offers nothing new)."""
    return not reply.is_error and not reply.private and "repaired" in reply.data and not reply.data.get("duplicate")


def recorded_key(reply: Reply, key: str) -> str | None:
    """The key the check-in in `reply` was recorded under (the core says: a sprint's is `sprint:<id>`), else the
    command's own `key`."""
    recorded = reply.data.get("checkin_key")
    return recorded if isinstance(recorded, str) else key


def files(reply: Reply) -> list[discord.File]:
    return [discord.File(io.BytesIO(a.content), filename=a.filename) for a in reply.attachments]


def pings(reply: Reply) -> tuple[str | None, discord.AllowedMentions]:
    """Message content and the mentions allowed: only the digest's pending members, by id."""
    ids = [int(user_id) for user_id in reply.data.get("mentions") or [] if str(user_id).isdigit()]
    if not ids:
        return None, discord.AllowedMentions.none()
    content = " ".join(f"<@{user_id}>" for user_id in ids)
    return content, discord.AllowedMentions(everyone=False, roles=False, replied_user=False,
                                            users=[discord.Object(id=user_id) for user_id in ids])
