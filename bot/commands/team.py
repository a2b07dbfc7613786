"""`team`: the cohort's minutes this Monday-Sunday week against its team goal, the days left and who added most."""

from __future__ import annotations

from bot import teamgoal
from bot.commands.context import Args, Context
from bot.commands.resolve import target_cohort
from bot.errors import CommandError
from bot.replies import Reply

TOP = 5


async def run(ctx: Context, args: Args) -> Reply:
    cohort = await target_cohort(ctx, args)
    goal = cohort.team_goal
    if not goal:
        raise CommandError("no_team_goal", f"{cohort.name} has no team goal yet. Organizers set one with "
                                           "`cohort settings team_goal:600` (minutes a week, all together).")
    assert cohort.id is not None
    week = await teamgoal.week(ctx.uow, cohort, ctx.now)
    names = {membership.id: member for membership, member in await ctx.uow.memberships.active_in_cohort(cohort.id)}
    # Members hidden from boards (`privacy boards:hide`) count in the total but are not named.
    shown = [(names[membership_id].display_name, minutes) for membership_id, minutes in week.totals.items()
             if minutes > 0 and membership_id in names and not names[membership_id].hidden]
    contributors = [{"name": name, "minutes": minutes}
                    for name, minutes in sorted(shown, key=lambda row: (-row[1], row[0].lower()))[:TOP]]
    minutes = week.minutes
    days = "1 day left (today)" if week.days_left == 1 else f"{week.days_left} days left, today included"
    lines = [teamgoal.line(minutes, goal)]
    lines.append(f"Reached: {minutes} of {goal} min together. 🎉" if minutes >= goal
                 else f"{goal - minutes} min to go; {days}.")
    if contributors:
        lines.append("Top contributors: " + ", ".join(f"{row['name']} {row['minutes']} min" for row in contributors))
    else:
        lines.append("No minutes yet this week: one `checkin` starts the bar.")
    data = {"cohort": cohort.name, "goal": goal, "minutes": minutes, "percent": teamgoal.percent(minutes, goal),
            "contributors": contributors, "days_left": week.days_left, "week": week.monday.isoformat(),
            "reached": minutes >= goal, "bar": lines[0]}  # the bar as text, for views that show only it
    return Reply(text="\n".join(lines), title=f"{cohort.name} — team goal this week", data=data)
