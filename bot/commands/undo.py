"""`undo`: take back your latest check-in, if it was recorded in the last 24 hours (DESIGN.md "Undo").

Everything derived follows: the day's minutes, the streak (its saved walk is dropped from that day), the boards'
figures. The check-in's key is kept as undone, so a replay of its interaction records nothing.
"""

from __future__ import annotations

from datetime import timedelta

from bot.commands.context import Args, Context
from bot.commands.resolve import load_enrolment
from bot.errors import CommandError
from bot.progress import forget_saved_walk_from, streak_status
from bot.replies import Reply

UNDO_WINDOW = timedelta(hours=24)


async def run(ctx: Context, args: Args) -> Reply:
    member_id = ctx.member.id
    assert member_id is not None
    await ctx.uow.members.lock([member_id])  # as every path that changes a member's days does
    key = args.text("checkin")  # an Undo button names the check-in it sits under
    if key is None:
        latest = await ctx.uow.checkins.latest_recorded(member_id, ctx.now - UNDO_WINDOW)
    else:
        latest = await ctx.uow.checkins.find_by_key(member_id, key)
        if latest is None and await ctx.uow.checkins.was_undone(member_id, key):
            raise CommandError("already_undone", "That check-in is already undone.")
        if latest is not None and latest.created_at < ctx.now - UNDO_WINDOW:
            raise CommandError("too_late_to_undo", "That check-in is more than 24 hours old, so it stays. "
                                                   "A check-in can be undone for 24 hours.")
    if latest is None:
        raise CommandError("nothing_to_undo", "You have no check-in from the last 24 hours to undo. "
                                              "`stats` shows what you have logged.")
    enrolment = await load_enrolment(ctx.uow, latest.membership_id)
    assert enrolment is not None and latest.id is not None
    if not await ctx.uow.checkins.undo(latest, ctx.now):
        raise CommandError("nothing_to_undo", "That check-in is already gone. `stats` shows what you have logged.")
    await forget_saved_walk_from(ctx.uow, enrolment.membership, latest.local_date)
    today = enrolment.local_date(ctx.now)
    status = await streak_status(ctx.uow, enrolment, today)
    assert enrolment.membership.id is not None
    minutes_today = await ctx.uow.checkins.minutes_on(enrolment.membership.id, today)
    target = enrolment.cohort.daily_target
    when = "today" if latest.local_date == today else latest.local_date.isoformat()
    text = (f"Undone: your {latest.minutes}-min check-in for {when} in {enrolment.cohort.name}.\n"
            f"Today {minutes_today}/{target} min. Streak {status.streak} (longest {status.longest}), "
            f"freezes {status.freezes}.")
    return Reply(text=text, private=True, title="Undo",
                 data={"undone": {"minutes": latest.minutes, "local_date": latest.local_date.isoformat(),
                                  "cohort": enrolment.cohort.name},
                       "cohort": enrolment.cohort.name, "streak": status.streak, "longest": status.longest,
                       "freezes": status.freezes, "today_done": status.today_done, "minutes_today": minutes_today,
                       "target": target, "local_date": today.isoformat()})
