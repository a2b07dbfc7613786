"""`league`: your division this week — tier, rank, points, the table with its zones, when the week ends.

Members hidden from boards (`privacy boards:hide`) are placed and play, but others see their row as "Hidden member"
(rank and points kept, so the table adds up); each sees their own name.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import leagues
from bot.commands.context import Args, Context
from bot.commands.resolve import enrolment as resolve_enrolment
from bot.errors import CommandError
from bot.instants import iso, when
from bot.replies import Reply

HIDDEN = "Hidden member"
MARK = {"up": "▲", "stay": " ", "down": "▼"}


async def run(ctx: Context, args: Args) -> Reply:
    enrolment = await resolve_enrolment(ctx, args)
    cohort, membership = enrolment.cohort, enrolment.membership
    assert cohort.id is not None and membership.id is not None
    if not cohort.leagues and cohort.next_league_at is None:
        raise CommandError("leagues_off", f"{cohort.name} has no leagues. Organizers turn them on with "
                                          "`cohort settings leagues:on` (best from about 30 active members).",
                           cohort=cohort.name)
    zone = ZoneInfo(ctx.member.timezone or cohort.timezone)
    week = leagues.current_week(cohort, ctx.now)
    ends_at = cohort.next_league_at or leagues.week_end_at(cohort, ctx.now).at
    ends = f"{when(ends_at, zone, 'datetime')} ({when(ends_at, zone, 'relative', now=ctx.now)})"
    place = await ctx.uow.leagues.entry(cohort.id, week, membership.id)
    base = {"cohort": cohort.name, "week": week.isoformat(), "ends_at": iso(ends_at)}
    if place is None:
        out = await ctx.uow.leagues.opted_out(ctx.member.id or 0)
        why = ("you chose `privacy leagues:off` (`privacy leagues:on` to play)" if out else
               "placement happens each Monday for members with a check-in in the last 14 days")
        return Reply(text=f"You are not in a league this week in {cohort.name}: {why}. Next placement {ends}.",
                     private=True, title="League",
                     data={**base, "tier": None, "division": None, "rows": [], "you": None, "placed": False})
    tier, division = place
    rows = await ctx.uow.leagues.division_rows(cohort.id, week, tier, division, leagues.cap(cohort),
                                               cohort.daily_target)
    ranked = leagues.order([row.score for row in rows])
    by_id = {row.score.membership_id: row for row in rows}
    table = []
    you = None
    for rank, (score, zone_name) in enumerate(zip(ranked, leagues.zones(ranked, tier), strict=True), start=1):
        row = by_id[score.membership_id]
        mine = score.membership_id == membership.id
        name = row.name if mine or not row.hidden else HIDDEN
        entry = {"rank": rank, "name": name, "points": score.points, "zone": zone_name}
        table.append(entry)
        if mine:
            you = entry
    assert you is not None
    lines = [f"{MARK[r['zone']]} {r['rank']:>2}. {r['name']} — {r['points']}" + ("  ← you" if r is you else "")
             for r in table]
    tier_name = leagues.TIERS[tier]
    up = sum(1 for r in table if r["zone"] == "up")
    down = sum(1 for r in table if r["zone"] == "down")
    moves = " ".join(part for part in (f"▲ top {up} move up." if up else "",
                                       f"▼ {down} move down." if down else "") if part)
    head = (f"{tier_name} league, division {division} ({cohort.name}): you are #{you['rank']} of {len(table)} with "
            f"{you['points']} points. {moves + ' ' if moves else ''}Ends {ends}.")
    return Reply(text="\n".join([head, *lines]), private=True, title=f"{tier_name} league",
                 data={**base, "tier": tier_name, "division": division, "rows": table, "you": you, "placed": True,
                       "cap": leagues.cap(cohort)})
