"""`streak`: where the caller stands today."""

from __future__ import annotations

from datetime import date, timedelta

from bot import bars
from bot.commands.context import Args, Context
from bot.commands.resolve import enrolment as resolve_enrolment
from bot.domain import Enrolment
from bot.localtime import week_start
from bot.offdays import on_holiday
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
    off = off_reason(enrolment, today)
    today_line = f"Today {bars.progress(minutes_today, target)}"
    if status.today_done:
        today_line += " Day done."
    elif paused:
        today_line += "\nYou are paused today; your streak waits for you."
    elif off is not None:
        today_line += f"\nToday is an off day ({off}); your streak waits, and a check-in still counts."
    else:
        today_line += " — `checkin` or `sprint start` to keep it going."
    repair = None
    if status.offer is not None:
        offer = status.offer
        repair = {"missed": offer.missed.isoformat(), "streak": offer.streak, "need_minutes": offer.need_minutes}
        today_line += (f"\nMissed {offer.missed.isoformat()} broke your {offer.streak}-day streak. Log "
                       f"{offer.need_minutes} min on your next study day (today counts) to repair it.")
    freezes = f"{status.freezes} freeze{'s' if status.freezes != 1 else ''} saved"
    week = await week_progress(ctx, enrolment, today)
    week_bar = bars.week_line(week["minutes"], week["goal"])
    week_line = f"\n{week_bar} (the cohort's weekly goal)" if week_bar else ""
    text = (f"{ctx.member.display_name}: streak {status.streak} day{'s' if status.streak != 1 else ''} "
            f"(longest {status.longest}), {freezes}.\n{today_line}{week_line}")
    return Reply(
        text=text,
        data={"cohort": enrolment.cohort.name, "streak": status.streak, "longest": status.longest,
              "freezes": status.freezes, "today_done": status.today_done, "minutes_today": minutes_today,
              "target": target, "local_date": today.isoformat(), "paused_today": paused, "off_today": off,
              "repair": repair, "week": week},
        private=not args.flag("share"),
        title="Streak",
    )


def off_reason(enrolment: Enrolment, day: date) -> str | None:
    """Why `day` is an off day for the member (None: it is a study day)."""
    holiday = on_holiday(enrolment.cohort.holidays, day)
    if holiday is not None:
        return f"holiday {holiday.name}".rstrip() if holiday.name else "a cohort holiday"
    if not enrolment.cohort.study_days.includes(day):
        return "not a study day"
    if enrolment.is_resting(day):
        return "your rest day"
    if enrolment.is_paused(day):
        return "paused"
    return None


async def week_progress(ctx: Context, enrolment: Enrolment, today: date) -> dict[str, int | None]:
    """Minutes this Monday-Sunday week and the cohort's weekly goal (None when it has none)."""
    assert enrolment.cohort.id is not None and enrolment.membership.id is not None
    monday = week_start(today)
    totals = await ctx.uow.checkins.totals_in_cohort(enrolment.cohort.id, monday, monday + timedelta(days=6))
    return {"minutes": totals.get(enrolment.membership.id, 0), "goal": enrolment.cohort.weekly_goal}
