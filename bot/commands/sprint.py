"""`sprint start|stop|status`: a focus timer that becomes a check-in when it ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import persons
from bot.commands import checkin
from bot.commands.context import Args, Context
from bot.commands.resolve import enrolment as resolve_enrolment
from bot.commands.resolve import load_enrolment
from bot.domain import Enrolment, GroupSprint, Sprint, SprintStatus
from bot.errors import CommandError
from bot.instants import countdown
from bot.ports import DuplicateKey, UnitOfWork
from bot.replies import Reply

MAX_GOAL = 200


@dataclass(frozen=True)
class SprintEnded:
    """A sprint the clock finished: what the scheduler tells the member about."""

    sprint: Sprint
    enrolment: Enrolment
    reply: Reply


def iso_utc(instant: datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


async def start(ctx: Context, args: Args) -> Reply:
    enrolment = await resolve_enrolment(ctx, args)
    goal = checkin.clean_note(args.text("goal"))
    if goal is not None and len(goal) > MAX_GOAL:
        raise CommandError("goal_too_long", f"Keep the sprint goal under {MAX_GOAL} characters.")
    cohort = enrolment.cohort
    minutes = cohort.sprint_minutes
    ends_at = ctx.now + timedelta(minutes=minutes)
    group = None
    if args.flag("group"):
        if ctx.invocation.channel_id != cohort.channel_id:
            raise CommandError("not_cohort_channel", f"Start a group sprint in {cohort.name}'s own channel, "
                                                     "so everyone can see it and `sprint join`.")
        if await ctx.uow.groups.active_in_cohort(_id(cohort.id)) is not None:
            raise CommandError("group_running", "A group sprint is already running here: `sprint join` to join it.")
        await _refuse_second_sprint(ctx)
        group = await ctx.uow.groups.add(GroupSprint(cohort_id=_id(cohort.id), channel_id=cohort.channel_id,
                                                     started_by=ctx.member.id, started_at=ctx.now, ends_at=ends_at,
                                                     goal=goal))
    sprint = await _add_sprint(ctx, Sprint(member_id=_id(ctx.member.id), membership_id=_id(enrolment.membership.id),
                                           started_at=ctx.now, ends_at=ends_at, goal=goal,
                                           group_id=group.id if group else None))
    await persons.checked_in_from(ctx.uow, ctx.member, ctx.caller)  # its end DM comes where it was started
    about = f" on {goal}" if goal else ""
    kind = "group sprint — `sprint join` to join in" if group else "sprint"
    return Reply(
        text=f"{ctx.member.display_name} started a {minutes}-minute {kind}{about}. "
             f"Ends at {countdown(sprint.ends_at, enrolment.zone, ctx.now)}; it is recorded when the time is up.",
        data={"sprint_id": sprint.id, "minutes": minutes, "goal": goal, "started_at": iso_utc(sprint.started_at),
              "ends_at": iso_utc(sprint.ends_at), "cohort": cohort.name, "group_id": group.id if group else None},
        title="Group sprint" if group else "Sprint started",
    )


async def join(ctx: Context, args: Args) -> Reply:
    enrolment = await resolve_enrolment(ctx, args)
    group = await ctx.uow.groups.active_in_cohort(_id(enrolment.cohort.id))
    left = int((group.ends_at - ctx.now).total_seconds() // 60) if group else 0
    if group is None or left < 1:
        raise CommandError("no_group_sprint", "There is no group sprint to join right now. "
                                              "Start one with `sprint start group:true`.")
    await _refuse_second_sprint(ctx)
    sprint = await _add_sprint(ctx, Sprint(member_id=_id(ctx.member.id), membership_id=_id(enrolment.membership.id),
                                           started_at=ctx.now, ends_at=group.ends_at, goal=group.goal,
                                           group_id=group.id))
    joined = len(await ctx.uow.sprints.for_group(_id(group.id)))
    return Reply(text=f"{ctx.member.display_name} joined the group sprint: it ends at "
                      f"{countdown(group.ends_at, enrolment.zone, ctx.now)}, {joined} in it.",
                 title="Group sprint", data={"sprint_id": sprint.id, "group_id": group.id, "minutes_left": left,
                                             "members": joined, "ends_at": iso_utc(group.ends_at)})


async def _refuse_second_sprint(ctx: Context) -> None:
    running = await ctx.uow.sprints.active_for_member(_id(ctx.member.id))
    if running is not None:
        raise _already_running(running, ctx.now)


async def _add_sprint(ctx: Context, sprint: Sprint) -> Sprint:
    await _refuse_second_sprint(ctx)
    try:
        return await ctx.uow.sprints.add(sprint)
    except DuplicateKey:
        running = await ctx.uow.sprints.active_for_member(_id(ctx.member.id))
        raise _already_running(running, ctx.now) from None


async def stop(ctx: Context, args: Args) -> Reply:
    sprint = await ctx.uow.sprints.active_for_member(_id(ctx.member.id))
    running = await _still_running(ctx.uow, [sprint] if sprint is not None else [])
    if not running:
        raise CommandError("no_sprint", "You have no sprint running. Type `sprint start` to begin one.")
    sprint = running[0]
    enrolment = await load_enrolment(ctx.uow, sprint.membership_id)
    assert enrolment is not None
    elapsed = int((ctx.now - sprint.started_at).total_seconds() // 60)
    planned = int((sprint.ends_at - sprint.started_at).total_seconds() // 60)
    minutes = max(1, min(elapsed, planned))
    return await _finish(ctx.uow, enrolment, sprint, ctx.now, minutes, SprintStatus.STOPPED)


async def status(ctx: Context, args: Args) -> Reply:
    sprint = await ctx.uow.sprints.active_for_member(_id(ctx.member.id))
    if sprint is None:
        return Reply(text="No sprint running. Type `sprint start [goal]` to begin one.",
                     data={"active": False}, private=True, title="Sprint")
    left = max(0, int((sprint.ends_at - ctx.now).total_seconds() // 60))
    enrolment = await load_enrolment(ctx.uow, sprint.membership_id)
    zone = enrolment.zone if enrolment is not None else ZoneInfo(ctx.member.timezone or "UTC")
    return Reply(text=f"Your sprint{_goal(sprint)} ends at {countdown(sprint.ends_at, zone, ctx.now)}.",
                 data={"active": True, "ends_at": iso_utc(sprint.ends_at), "minutes_left": left,
                       "goal": sprint.goal}, private=True, title="Sprint")


async def complete_due(uow: UnitOfWork, now: datetime, member_id: int | None = None) -> list[SprintEnded]:
    """Record every sprint whose time is up (all of them, or one member's)."""
    if member_id is not None:
        own = await uow.sprints.active_for_member(member_id)
        due = [own] if own is not None and own.ends_at <= now else []
    else:
        due = list(await uow.sprints.due(now))
    ended: list[SprintEnded] = []
    for sprint in await _still_running(uow, due):
        enrolment = await load_enrolment(uow, sprint.membership_id)
        if enrolment is None:
            continue
        planned = int((sprint.ends_at - sprint.started_at).total_seconds() // 60)
        reply = await _finish(uow, enrolment, sprint, sprint.ends_at, planned, SprintStatus.COMPLETED)
        ended.append(SprintEnded(sprint, enrolment, reply))
    return ended


async def _still_running(uow: UnitOfWork, sprints: list[Sprint]) -> list[Sprint]:
    """Lock the sprints' members (one ordered statement, as a batch of check-ins locks them: taking them one by
    one in due order could deadlock with it), then keep the sprints still running: another process may have
    finished one meanwhile. The day's room is then read under the lock (`_finish`), so the cap holds."""
    if not sprints:
        return []
    members = [sprint.member_id for sprint in sprints]
    await uow.members.lock(members)
    running = await uow.sprints.active_for_members(members)
    return [sprint for sprint in sprints
            if (current := running.get(sprint.member_id)) is not None and current.id == sprint.id]


async def _finish(uow: UnitOfWork, enrolment: Enrolment, sprint: Sprint, at: datetime, minutes: int,
                  final: SprintStatus) -> Reply:
    """Record what fits of `minutes` (up to the day's cap). The caller holds the member's lock (`_still_running`)."""
    day = enrolment.local_date(at)
    room = checkin.MAX_MINUTES_PER_DAY - await uow.checkins.minutes_on(_id(enrolment.membership.id), day)
    minutes = min(minutes, room)
    sprint.status, sprint.minutes = final, max(minutes, 0)
    await uow.sprints.save(sprint)
    verb = "finished" if final is SprintStatus.COMPLETED else "stopped"
    if minutes <= 0:
        return Reply(text=f"Sprint {verb}, but {day.isoformat()} already holds "
                          f"{checkin.MAX_MINUTES_PER_DAY} minutes, so nothing more was logged.",
                     data={"sprint_id": sprint.id, "minutes": 0, "local_date": day.isoformat()},
                     private=True, title="Sprint")
    outcome = await checkin.record(uow, enrolment, minutes=minutes, day=day, now=at,
                                   key=f"sprint:{sprint.id}", note=sprint.goal, link=None, source="sprint")
    reply = await checkin.checkin_reply(uow, enrolment, outcome, enrolment.local_date(at))
    text = f"Sprint {verb}{_goal(sprint)}: {minutes} min recorded.\n" + reply.text.split("\n", 1)[-1]
    return Reply(text=text, data={**reply.data, "sprint_id": sprint.id}, title="Sprint", private=False)


def _already_running(sprint: Sprint | None, now: datetime) -> CommandError:
    left = max(0, int((sprint.ends_at - now).total_seconds() // 60)) if sprint else 0
    return CommandError("sprint_running", f"You already have a sprint running ({left} min left). "
                                          "Type `sprint stop` to end it early, or `sprint status`.")


def _goal(sprint: Sprint) -> str:
    return f" on {sprint.goal}" if sprint.goal else ""


def _id(value: int | None) -> int:
    assert value is not None
    return value
