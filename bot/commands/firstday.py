"""A first day that explains itself: what an organizer does next after `cohort create`, and how reminders work,
told to a member after their first check-in. Both are private follow-ups (`Reply.followups`) of a public reply.
(Someone in no cohort is told how to join or start one by `resolve.no_cohort`.)"""

from __future__ import annotations

from bot.commands import roadmap as roadmaps
from bot.commands.context import Context
from bot.domain import Cohort, Enrolment
from bot.grammar import BY_NAME
from bot.replies import Reply

SHOWN_ROADMAPS = 4


async def organizer_checklist(ctx: Context, cohort: Cohort) -> Reply:
    """Right after `cohort create`, for its organizer alone: invite members, the digest time, a roadmap, the web
    page, the rest."""
    name = cohort.name
    if cohort.roadmap_id:
        roadmap = f"Roadmap: {cohort.roadmap_id} is set; `roadmap` shows this week's step."
    else:
        found = await roadmaps.available(ctx)
        built_in = f" (to choose from: {', '.join(found[:SHOWN_ROADMAPS])})" if found else ""
        example = found[0] if found else "ID"
        roadmap = (f"Pick a roadmap{built_in}: `cohort settings roadmap:{example}`, or load your own with "
                   "`roadmap load FILE.yaml`.")
    steps = [
        f"Invite members: ask them to type `cohort join {name}` in this channel.",
        f"Set the daily digest time (now {cohort.digest_time:%H:%M}, {cohort.timezone}): "
        "`cohort settings digest:19:30`.",
        roadmap,
    ]
    kinds = ["invite", "digest", "roadmap"]
    if "cohort web" in BY_NAME:  # only a command the grammar has
        steps.append("A web page for the cohort, if you want one (off until you turn it on; only its link opens "
                     "it): `cohort web on`.")
        kinds.append("web")
    steps.append("The rest (time zone, sprint length, study days, weekly goal, recap): `cohort settings` shows and "
                 "changes them; `help group` lists what organizers can do.")
    kinds.append("settings")
    text = f"{name} is ready. Your next steps as its organizer:\n" + "\n".join(
        f"{number}. {step}" for number, step in enumerate(steps, start=1))
    return Reply(text=text, private=True, title="Next steps",
                 data={"type": "checklist", "cohort": name, "steps": kinds})


def first_checkin_tips(enrolment: Enrolment) -> Reply:
    """After a member's first check-in in a cohort, for them alone: how reminders work and how to change theirs."""
    cohort, at, zone = enrolment.cohort.name, enrolment.membership.reminder_time, enrolment.zone.key
    if at is not None:
        text = (f"Your first check-in in {cohort}, well done! How reminders work: on a day your sprint isn't done "
                f"by {at:%H:%M} ({zone}), I send you one direct message; none on days off or while you're "
                "paused. Change the time with `remind set 21:30`, stop them with `remind off`, and if "
                f"{zone} is not your time zone, set yours, e.g. `timezone set Europe/Berlin`.")
    else:
        text = (f"Your first check-in in {cohort}, well done! Your daily reminder is off; `remind set 19:00` "
                "turns it on: one direct message on a day your sprint isn't done by then.")
    return Reply(text=text, private=True, title="Reminders",
                 data={"type": "tips", "topic": "reminders", "cohort": cohort,
                       "reminder_time": at.strftime("%H:%M") if at else None, "timezone": zone})
