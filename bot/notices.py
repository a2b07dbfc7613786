"""What scheduled messages say: reminders, digests and weekly recaps, as platform-neutral replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot import bars, teamgoal
from bot.domain import Cohort, Enrolment
from bot.instants import iso, when
from bot.replies import Reply
from bot.roadmap import RoadmapStep
from bot.schedule import day_end
from bot.streaks import Offer

MILESTONES = (7, 30, 100)


def reminder(enrolment: Enrolment, day: date, minutes_today: int, streak: int, offer: Offer | None = None,
             week_minutes: int | None = None) -> Reply:
    """`week_minutes`: the week's minutes so far (Monday to `day`), when the cohort has a weekly goal."""
    target = enrolment.cohort.daily_target
    keep = f"to keep your {streak}-day streak going" if streak else "to get a streak going"
    left = target - minutes_today
    text = (f"Hi {enrolment.member.display_name}, today's sprint for {enrolment.cohort.name} isn't done yet.\n"
            f"{bars.progress(minutes_today, target)}, {left} to go. `sprint start` or `checkin` {keep}.")
    week = bars.week_line(week_minutes, enrolment.cohort.weekly_goal)
    if week is not None:
        text += f"\n{week}"
    data: dict[str, Any] = {"type": "reminder", "cohort": enrolment.cohort.name, "local_date": day.isoformat(),
                            "minutes_today": minutes_today, "target": target, "streak": streak}
    if offer is not None:
        text += (f"\nYou can still repair your {offer.streak}-day streak: log {offer.need_minutes} min today "
                 f"({offer.need_minutes - minutes_today} to go).")
        data["repair"] = {"missed": offer.missed.isoformat(), "streak": offer.streak,
                          "need_minutes": offer.need_minutes}
    return Reply(text=text, title="Sprint reminder", private=True, data=data)


def duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if part)


def last_call(enrolment: Enrolment, day: date, minutes_today: int, streak: int, lead_minutes: int) -> Reply:
    target = enrolment.cohort.daily_target
    ends = day_end(day, enrolment.zone, enrolment.cohort.rollover_hour)
    return Reply(
        text=f"Last call, {enrolment.member.display_name}: your {streak}-day streak in {enrolment.cohort.name} "
             f"ends in {duration(lead_minutes)} (at {when(ends, enrolment.zone)}) unless you log "
             f"{target - minutes_today} more minutes. One `sprint start` does it.",
        title="Streak at risk", private=True,
        data={"type": "lastcall", "cohort": enrolment.cohort.name, "local_date": day.isoformat(),
              "minutes_today": minutes_today, "target": target, "streak": streak, "day_ends_at": iso(ends)},
    )


def buddy_missed(name: str, cohort: str, day: date) -> Reply:
    return Reply(text=f"Your buddy {name} didn't get their sprint in for {cohort} on {day:%A}. "
                      f"A friendly `nudge @{name}` today could help them back on track.",
                 title="Your buddy", private=True,
                 data={"type": "buddy", "buddy": name, "cohort": cohort, "local_date": day.isoformat()})


def group_summary(cohort: Cohort, goal: str | None, lines: list[tuple[str, int]]) -> Reply:
    data = {"type": "group", "cohort": cohort.name, "goal": goal, "members": sorted(name for name, _ in lines),
            "total_minutes": sum(minutes for _, minutes in lines)}
    return Reply(text=group_text(data), title="Group sprint", private=False, data=data)


def group_text(data: Mapping[str, Any]) -> str:
    about = f" on {data['goal']}" if data.get("goal") else ""
    names = ", ".join(data["members"]) or "nobody"
    return f"Group sprint{about} done: {names} — {data['total_minutes']} minutes together."


@dataclass(frozen=True)
class DigestLine:
    name: str
    user_id: str
    done: bool
    mention: bool


def digest(cohort: Cohort, day: date, lines: list[DigestLine], team: dict[str, int] | None = None) -> Reply:
    """`team`: the week's team goal so far (`teamgoal.summary`), drawn as a bar under the names."""
    data = {"type": "digest", "cohort": cohort.name, "local_date": day.isoformat(),
            "done": sorted(line.name for line in lines if line.done),
            "pending": sorted(line.name for line in lines if not line.done),
            "mentions": sorted(line.user_id for line in lines if not line.done and line.mention)
            if cohort.digest_mentions else []}
    if team:
        data["team"] = team
    return Reply(text=digest_text(data), title="Daily digest", private=False, data=data)


def digest_text(data: Mapping[str, Any]) -> str:
    """A digest's text from its data (also to write it again when someone is taken out of it)."""
    done, pending = data["done"], data["pending"]
    text = (f"{data['cohort']}, {date.fromisoformat(data['local_date']):%A %d %B}: "
            + (f"done — {', '.join(done)}. " if done else "nobody has finished yet. ")
            + (f"Still to go — {', '.join(pending)}. There's time for one sprint!" if pending
               else "Everyone is done. Great work!"))
    team = teamgoal.text_of(data.get("team"))
    return f"{text}\n{team}" if team else text


@dataclass(frozen=True)
class RecapLine:
    name: str
    days_done: int
    minutes: int
    streak: int
    streak_at_week_start: int
    study_days: int = 7  # the week's days that asked for a sprint (done, or not off)


def recap(cohort: Cohort, week_start: date, lines: list[RecapLine], step: RoadmapStep | None = None,
          team: dict[str, int] | None = None) -> Reply:
    ordered = sorted(lines, key=lambda line: (-line.minutes, line.name.lower()))
    data = {"type": "recap", "cohort": cohort.name, "week": week_start.isoformat(),
            "minutes": sum(line.minutes for line in lines),
            "members": [{"name": line.name, "days_done": line.days_done, "minutes": line.minutes,
                         "streak": line.streak, "study_days": line.study_days} for line in ordered],
            # Every day that asked for a sprint done: off days (holidays, rest days, pauses) ask for none.
            "perfect_weeks": [line.name for line in ordered if 0 < line.study_days <= line.days_done],
            "milestones": [{"name": line.name, "days": mark} for line in ordered for mark in MILESTONES
                           if line.streak_at_week_start < mark <= line.streak],
            "weekly_goal": cohort.weekly_goal,
            "roadmap_step": step.number if step else None, "roadmap_title": step.title if step else None}
    if team:
        data["team"] = team
    return Reply(text=recap_text(data), title="Weekly recap", private=False, data=data)


def recap_text(data: Mapping[str, Any]) -> str:
    """A recap's text from its data (also to write it again when someone is taken out of it)."""
    members = data["members"]
    rows = [f"{m['name']}: {m['days_done']}/{m.get('study_days', 7)} days, {m['minutes']} min, streak {m['streak']}"
            for m in members]
    extras = []
    if data["perfect_weeks"]:
        extras.append(f"Perfect week: {', '.join(data['perfect_weeks'])}.")
    extras += [f"{m['name']} reached a {m['days']}-day streak!" for m in data["milestones"]]
    goal = data["weekly_goal"]
    if goal:
        reached = sorted(m["name"] for m in members if m["minutes"] >= goal)
        extras.append(f"Weekly goal of {goal} min: {', '.join(reached) if reached else 'nobody yet'} made it.")
    team = teamgoal.text_of(data.get("team"))
    if team:
        extras.append(team)
    if data["roadmap_step"] is not None:
        extras.append(f"Roadmap this week: step {data['roadmap_step']}, {data['roadmap_title']}.")
    if data.get("league"):  # bot.leagues.add_to_recap: last week's league results, counts only
        extras.append(data["league"]["line"])
    week = date.fromisoformat(data["week"])
    return "\n".join([f"{data['cohort']} — week of {week:%d %B}: {data['minutes']} minutes together.", *rows, *extras])
