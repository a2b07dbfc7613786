"""`focus` (who is studying now) and `cohort focusroom` (organizers: the voice channels whose time counts)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from bot import focus
from bot.commands.context import Args, Context, clip
from bot.commands.resolve import require_organizer, target_cohort
from bot.domain import Cohort, FocusRoom, FocusStatusBoard
from bot.errors import CommandError
from bot.instants import iso
from bot.ports import DuplicateKey
from bot.replies import Reply

MAX_ROOMS = 10  # a cohort's focus rooms
_CHANNEL = re.compile(r"^(?:<#([0-9A-Za-z]{1,64})(?:\|[^>]{0,100})?>|#?([0-9A-Za-z_.-]{1,64}))$")
USAGE = "`cohort focusroom add #study-room` (`video:on`: only camera or screen-share time counts)"


def channel_ref(platform: str, channel_id: str) -> str:
    """A channel as the platform links it: `<#ID>` on Discord and Slack, `#name` elsewhere (the console)."""
    return f"<#{channel_id}>" if platform in ("discord", "slack") else f"#{channel_id}"


async def studying(ctx: Context, args: Args) -> Reply:
    """`focus`: the cohort's members in its focus rooms and in sprints right now, with how long."""
    cohort = await target_cohort(ctx, args)
    assert cohort.id is not None
    found = await focus.studying_now(ctx.uow, cohort.id)
    return Reply(text=status_text(cohort, found, ctx.now), private=True, title="Studying now",
                 data={"cohort": cohort.name, "studying": [_entry(item, ctx.now) for item in found]})


def status_text(cohort: Cohort, found: list[focus.Studying], now: datetime) -> str:
    """The listing `focus` answers with and the live status message shows."""
    if not found:
        return f"Nobody in {cohort.name} is studying right now. Start a sprint (`sprint start`) or join a focus room."
    lines = [f"Studying now in {cohort.name} ({len(found)}):"]
    for item in found:
        where = (f"in {channel_ref(cohort.platform, item.channel_id)}" if item.where == "focus" and item.channel_id
                 else "in a sprint")
        lines.append(f"• {item.name} — {where}, {_minutes(item.since, now)} min")
    return "\n".join(lines)


async def rooms(ctx: Context, args: Args) -> Reply:
    """`cohort focusroom [add #channel [video:on] | remove #channel] [status:on|off]`; listing when no action."""
    cohort = await target_cohort(ctx, args)
    assert cohort.id is not None
    action = (args.text("action") or "list").lower()
    if action not in ("list", "add", "remove"):
        raise CommandError("bad_arguments", f"`cohort focusroom` takes `add`, `remove` or nothing, not "
                                            f"'{clip(action)}'. E.g. {USAGE}.")
    changes = []
    if action != "list" or args.has("status"):
        await require_organizer(ctx, cohort)
    if action == "add":
        changes.append(await _add(ctx, args, cohort, _channel(args)))
    elif action == "remove":
        changes.append(await _remove(ctx, cohort, _channel(args)))
    if args.has("status"):
        changes.append(await _status(ctx, cohort, args.text("status") or ""))
    listed = await ctx.uow.focus.rooms_of(cohort.id)
    board = (await ctx.uow.focus.status_boards([cohort.id])).get(cohort.id)
    lines = [*changes, _listing(cohort, listed, board is not None)]
    return Reply(text="\n".join(lines), private=True, title="Focus rooms",
                 data={"cohort": cohort.name, "status": board is not None,
                       "rooms": [{"channel": room.channel_id, "video": room.video_required} for room in listed]})


def _listing(cohort: Cohort, found: Sequence[FocusRoom], status: bool) -> str:
    if not found:
        return (f"{cohort.name} has no focus rooms yet. Organizers: {USAGE}; time a member spends there counts "
                "as check-ins.")
    names = ", ".join(channel_ref(cohort.platform, room.channel_id) + (" (video on)" if room.video_required else "")
                      for room in found)
    live = "on" if status else "off (`cohort focusroom status:on` pins one in the cohort's channel)"
    return f"Focus rooms of {cohort.name}: {names}. Live \"studying now\" message: {live}."


def _channel(args: Args) -> str:
    raw = (args.text("channel") or "").strip()
    match = _CHANNEL.match(raw)
    if not match:
        raise CommandError("bad_channel", f"Name the voice channel, e.g. {USAGE}.")
    return match.group(1) or match.group(2)


async def _add(ctx: Context, args: Args, cohort: Cohort, channel_id: str) -> str:
    assert cohort.id is not None
    video = _video(args)
    mine = await ctx.uow.focus.rooms_of(cohort.id)
    existing = next((room for room in mine if room.channel_id == channel_id), None)
    shown = channel_ref(cohort.platform, channel_id)
    if existing is not None:
        existing.video_required = video
        await ctx.uow.focus.save_room(existing)
        counted = "only camera or screen-share time counts" if video else "all its time counts"
        return f"{shown} stays a focus room; {counted}."
    if len(mine) >= MAX_ROOMS:
        raise CommandError("too_many_rooms", f"{cohort.name} has {MAX_ROOMS} focus rooms already; remove one first "
                                             "(`cohort focusroom remove #room`).")
    if channel_id == cohort.channel_id:
        raise CommandError("bad_channel", "That is the cohort's text channel; name a voice channel, e.g. "
                                          f"{USAGE}.")
    try:
        await ctx.uow.focus.add_room(FocusRoom(cohort_id=cohort.id, platform=cohort.platform,
                                               workspace=cohort.workspace, channel_id=channel_id, video_required=video))
    except DuplicateKey:
        raise CommandError("room_taken", f"{shown} is already a focus room of another cohort here.") from None
    needs = " with camera or screen share on" if video else ""
    return (f"{shown} is now a focus room of {cohort.name}: a member's time there{needs} counts as check-ins "
            f"(sessions of {focus.MIN_MINUTES} minutes or more).")


async def _remove(ctx: Context, cohort: Cohort, channel_id: str) -> str:
    assert cohort.id is not None
    room = next((r for r in await ctx.uow.focus.rooms_of(cohort.id) if r.channel_id == channel_id), None)
    shown = channel_ref(cohort.platform, channel_id)
    if room is None or room.id is None:
        raise CommandError("no_room", f"{shown} is not a focus room of {cohort.name}; `cohort focusroom` lists them.")
    for session in await ctx.uow.focus.open_in([room.id]):  # the time so far still counts
        await ctx.uow.members.lock([session.member_id])
        await focus.end(ctx.uow, session, ctx.now, "room_removed", ctx.now)
    await ctx.uow.focus.remove_room(room.id)
    return f"{shown} is no longer a focus room of {cohort.name}; sessions running there were recorded."


async def _status(ctx: Context, cohort: Cohort, raw: str) -> str:
    assert cohort.id is not None
    value = raw.strip().lower()
    if value not in ("on", "off"):
        raise CommandError("bad_arguments", f"`status` is on or off, not '{clip(raw)}'.")
    if value == "off":
        await ctx.uow.focus.remove_status_board(cohort.id)
        return "The live \"studying now\" message stops updating."
    if cohort.id not in await ctx.uow.focus.status_boards([cohort.id]):
        await ctx.uow.focus.save_status_board(FocusStatusBoard(cohort_id=cohort.id))
    return ("A live \"studying now\" message will be pinned in the cohort's channel and kept up to date "
            "(at most once a minute).")


def _video(args: Args) -> bool:
    raw = (args.text("video") or "off").strip().lower()
    if raw not in ("on", "off", "true", "false"):
        raise CommandError("bad_arguments", f"`video` is on or off, not '{clip(raw)}'. E.g. {USAGE}.")
    return raw in ("on", "true")


def _entry(item: focus.Studying, now: datetime) -> dict[str, object]:
    return {"name": item.name, "where": item.where, "channel": item.channel_id, "since": iso(item.since),
            "minutes": _minutes(item.since, now)}


def _minutes(since: datetime, now: datetime) -> int:
    return max(0, int((now - since).total_seconds() // 60))
