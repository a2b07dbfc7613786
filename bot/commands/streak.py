"""`streak`: where the caller stands today."""

from __future__ import annotations

from bot.commands.context import Args, Context
from bot.commands.resolve import enrolment as resolve_enrolment
from bot.progress import streak_status
from bot.replies import Reply


async def run(ctx: Context, args: Args) -> Reply:
    enrolment = await resolve_enrolment(ctx, args)
    assert enrolment.membership.id is not None
    today = enrolment.local_date(ctx.now)
    status = await streak_status(ctx.uow, enrolment, today)
    minutes_today = await ctx.uow.checkins.minutes_on(enrolment.membership.id, today)
    target = enrolment.cohort.daily_target
    paused = enrolment.is_paused(today)
    if status.today_done:
        today_line = f"Today is done ({minutes_today}/{target} min)."
    elif paused:
        today_line = "You are paused today; your streak waits for you."
    else:
        today_line = f"Today: {minutes_today}/{target} min — `checkin` or `sprint start` to keep it going."
    freezes = f"{status.freezes} freeze{'s' if status.freezes != 1 else ''} saved"
    text = (f"{ctx.member.display_name}: streak {status.streak} day{'s' if status.streak != 1 else ''} "
            f"(longest {status.longest}), {freezes}.\n{today_line}")
    return Reply(
        text=text,
        data={"cohort": enrolment.cohort.name, "streak": status.streak, "longest": status.longest,
              "freezes": status.freezes, "today_done": status.today_done, "minutes_today": minutes_today,
              "target": target, "local_date": today.isoformat(), "paused_today": paused},
        private=not args.flag("share"),
        title="Streak",
    )
