"""`cohort holiday [list|add|remove]`: days off for the whole cohort (DESIGN.md "Off days").

A holiday can be added or ended only from the cohort's today on: days already lived keep what they were.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.commands.context import Args, Context, clip, printable
from bot.commands.resolve import require_organizer, target_cohort
from bot.domain import Cohort
from bot.errors import CommandError
from bot.localtime import local_day
from bot.offdays import MAX_HOLIDAY_DAYS_A_YEAR, MAX_HOLIDAY_SPAN, Holiday, describe
from bot.replies import Reply

MAX_LABEL = 80
MAX_AHEAD = timedelta(days=366)


async def run(ctx: Context, args: Args) -> Reply:
    action = (args.text("action") or "list").lower()
    cohort = await target_cohort(ctx, args)
    today = local_day(ctx.now, cohort.zone, cohort.rollover_hour)
    if action == "list":
        return _listing(cohort, today)
    if action not in ("add", "remove"):
        raise CommandError("bad_arguments", f"`cohort holiday` takes `list`, `add` or `remove`, not "
                                            f"'{clip(action)}'. E.g. `cohort holiday add 2026-12-24 to:2026-12-26 "
                                            "Winter break`.")
    await require_organizer(ctx, cohort)
    if action == "add":
        holiday = _new_holiday(cohort, args, today)
        cohort.holidays = tuple(sorted((*cohort.holidays, holiday), key=lambda h: h.start))
        changed_from = holiday.start
        text = (f"Holiday {holiday.describe()} added to {cohort.name}: no reminders or digest, and streaks wait "
                "on those days (a check-in still counts).")
    else:
        day = _date(args.text("date"), today, "remove")
        holiday = next((h for h in cohort.holidays if h.covers(day)), None)
        if holiday is None:
            raise CommandError("no_holiday", f"{cohort.name} has no holiday on {day.isoformat()}. "
                                             + _upcoming_line(cohort, today))
        if holiday.end < today:
            raise CommandError("holiday_past", f"The holiday {holiday.describe()} is over; past days keep what "
                                               "they were.")
        rest = tuple(h for h in cohort.holidays if h is not holiday)
        if holiday.start < today:  # under way: the days already lived stay off, the rest is cancelled
            cut = Holiday(holiday.start, today - timedelta(days=1), holiday.name)
            cohort.holidays = tuple(sorted((*rest, cut), key=lambda h: h.start))
            text = f"The holiday {holiday.describe()} ends early: today counts again in {cohort.name}."
        else:
            cohort.holidays = rest
            text = f"The holiday {holiday.describe()} is removed from {cohort.name}."
        changed_from = max(holiday.start, today)
    await ctx.uow.cohorts.save(cohort)
    assert cohort.id is not None
    await ctx.uow.memberships.forget_board_streaks(cohort_id=cohort.id, alive_from=changed_from)
    return Reply(text=text, private=True, title="Holidays",
                 data={"cohort": cohort.name, "action": action, "holiday": _plain(holiday),
                       "holidays": [_plain(h) for h in _upcoming(cohort, today)]})


def _new_holiday(cohort: Cohort, args: Args, today: date) -> Holiday:
    start = _date(args.text("date"), today, "add")
    end = _date(args.text("to"), today, "add") if args.has("to") else start
    label = printable(args.text("label") or "").strip()
    if len(label) > MAX_LABEL:
        raise CommandError("bad_holiday", f"Keep the holiday's name under {MAX_LABEL} characters.")
    if start < today:
        raise CommandError("bad_holiday", f"{start.isoformat()} has passed; holidays start from today "
                                          f"({today.isoformat()}) on, and past days keep what they were.")
    if end < start:
        raise CommandError("bad_holiday", f"`to:{end.isoformat()}` is before {start.isoformat()}. "
                                          f"E.g. `cohort holiday add {start.isoformat()} "
                                          f"to:{(start + timedelta(days=2)).isoformat()}`.")
    if start > today + MAX_AHEAD:
        raise CommandError("bad_holiday", "Holidays can be planned up to a year ahead.")
    holiday = Holiday(start, end, label)
    if holiday.days > MAX_HOLIDAY_SPAN:
        raise CommandError("bad_holiday", f"A holiday lasts at most {MAX_HOLIDAY_SPAN} days; this one has "
                                          f"{holiday.days}. Add longer breaks in parts, or pause instead.")
    clash = next((h for h in cohort.holidays if h.start <= end and start <= h.end), None)
    if clash is not None:
        raise CommandError("holiday_overlap", f"That overlaps the holiday {clash.describe()}. Remove it first: "
                                              f"`cohort holiday remove {clash.start.isoformat()}`.")
    for year in range(start.year, end.year + 1):
        used = sum(h.days_in_year(year) for h in cohort.holidays) + holiday.days_in_year(year)
        if used > MAX_HOLIDAY_DAYS_A_YEAR:
            raise CommandError("too_many_holidays", f"That makes {used} holiday days in {year}; a cohort has at "
                                                    f"most {MAX_HOLIDAY_DAYS_A_YEAR} a year.")
    return holiday


def _date(raw: str | None, today: date, action: str) -> date:
    if raw is None:
        raise CommandError("bad_date", f"Say which day: `cohort holiday {action} {today.isoformat()}`.")
    word = raw.lower()
    if word in ("today", "tomorrow"):
        return today + timedelta(days=1 if word == "tomorrow" else 0)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError("bad_date", f"'{clip(raw)}' is not a date. Use YYYY-MM-DD, e.g. "
                                       f"`cohort holiday {action} {today.isoformat()}`.") from None


def _upcoming(cohort: Cohort, today: date) -> list[Holiday]:
    return [h for h in cohort.holidays if h.end >= today]


def _upcoming_line(cohort: Cohort, today: date) -> str:
    upcoming = _upcoming(cohort, today)
    if not upcoming:
        return "It has none coming up."
    return "Coming up: " + "; ".join(h.describe() for h in upcoming) + "."


def _listing(cohort: Cohort, today: date) -> Reply:
    days = describe(cohort.study_days.mask_on(today))
    study = "every day" if days == "all" else days
    text = (f"{cohort.name} studies {study}. " + _upcoming_line(cohort, today)
            + "\nOrganizers: `cohort holiday add YYYY-MM-DD [to:YYYY-MM-DD] [name]`.")
    return Reply(text=text, private=True, title="Holidays",
                 data={"cohort": cohort.name, "study_days": days,
                       "holidays": [_plain(h) for h in _upcoming(cohort, today)]})


def _plain(holiday: Holiday) -> dict[str, str]:
    return {"start": holiday.start.isoformat(), "end": holiday.end.isoformat(), "name": holiday.name}
