"""`roadmap [show|done|load]`: where the cohort is on its learning roadmap, and each member's progress."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.commands.context import Args, Context, clip
from bot.commands.resolve import enrolment as resolve_enrolment
from bot.commands.resolve import require_organizer, target_cohort
from bot.domain import Cohort, CustomRoadmap
from bot.errors import CommandError
from bot.localtime import local_day
from bot.ports import UnitOfWork
from bot.replies import Reply
from bot.roadmap import Roadmap, RoadmapInvalid, RoadmapStep, position, validate


async def find(ctx: Context, key: str) -> Roadmap | None:
    """A built-in roadmap, or one this workspace's organizers loaded."""
    return await lookup(ctx.uow, ctx.tools.roadmaps, ctx.invocation.platform, ctx.invocation.workspace, key)


async def lookup(uow: UnitOfWork, builtin: Mapping[str, Roadmap], platform: str, workspace: str,
                 key: str) -> Roadmap | None:
    if key in builtin:
        return builtin[key]
    custom = await uow.roadmaps.get_custom(platform, workspace, key)
    return validate(custom.definition) if custom is not None else None


async def available(ctx: Context) -> list[str]:
    inv = ctx.invocation
    custom = [r.key for r in await ctx.uow.roadmaps.list_custom(inv.platform, inv.workspace)]
    return sorted({*ctx.tools.roadmaps, *custom})


async def cohort_roadmap(ctx: Context, cohort: Cohort) -> Roadmap:
    roadmap = await find(ctx, cohort.roadmap_id) if cohort.roadmap_id else None
    if roadmap is None or cohort.roadmap_start is None:
        raise CommandError("no_roadmap", f"{cohort.name} follows no roadmap yet. Organizers pick one with "
                                         f"`cohort settings roadmap:build-first-6m start:YYYY-MM-DD`. "
                                         f"Roadmaps: {', '.join(await available(ctx))}.",
                           choices=await available(ctx))
    return roadmap


async def show(ctx: Context, args: Args) -> Reply:
    enrolment = await resolve_enrolment(ctx, args)
    cohort, membership = enrolment.cohort, enrolment.membership
    roadmap = await cohort_roadmap(ctx, cohort)
    assert cohort.id is not None and membership.id is not None and cohort.roadmap_start is not None
    at = position(roadmap, cohort.roadmap_start, local_day(ctx.now, cohort.zone, cohort.rollover_hour))
    following = at.next_step(roadmap)
    mine = await ctx.uow.roadmaps.steps_done(membership.id)
    everyone = await ctx.uow.roadmaps.steps_done_in_cohort(cohort.id)
    members = len(await ctx.uow.memberships.active_in_cohort(cohort.id))
    done_current = sum(1 for steps in everyone.values() if at.step.number in steps)
    step = at.step
    when = (f"week {at.week_in_step} of {step.weeks}" if step.weeks else "ongoing") if at.started \
        else f"starts {cohort.roadmap_start.isoformat()}"
    lines = [f"{roadmap.title}: step {step.number} of {len(roadmap.steps)} — {step.title} ({when}).",
             f"Topics: {', '.join(step.topics)}." if step.topics else "",
             f"Project: {step.project}" if step.project else "",
             f"Next: {following.title}." if following else "This is the last step.",
             f"You have marked {len(mine)} of {len(roadmap.steps)} steps done; "
             f"{done_current} of {members} in {cohort.name} finished this one. `roadmap done` marks it."]
    return Reply(text="\n".join(line for line in lines if line), private=not args.flag("share"), title="Roadmap",
                 data={"roadmap": roadmap.id, "step": step.number, "title": step.title, "topics": list(step.topics),
                       "project": step.project, "week_in_step": at.week_in_step,
                       "next_title": following.title if following else None,
                       "progress": {"you": {"done": sorted(mine), "total": len(roadmap.steps)},
                                    "cohort": {"done_current": done_current, "members": members}}})


async def done(ctx: Context, args: Args) -> Reply:
    enrolment = await resolve_enrolment(ctx, args)
    cohort, membership = enrolment.cohort, enrolment.membership
    roadmap = await cohort_roadmap(ctx, cohort)
    assert membership.id is not None and cohort.roadmap_start is not None
    raw = args.text("step")
    if raw is None:
        step = position(roadmap, cohort.roadmap_start, local_day(ctx.now, cohort.zone, cohort.rollover_hour)).step
    else:
        step = step_named(roadmap, raw, strict=True)  # type: ignore[assignment]
    fresh = await ctx.uow.roadmaps.mark_done(membership.id, step.number, ctx.now)
    mine = await ctx.uow.roadmaps.steps_done(membership.id)
    verb = "Marked" if fresh else "Already marked"
    return Reply(text=f"{verb} step {step.number}, {step.title}, as done: {len(mine)} of {len(roadmap.steps)} steps.",
                 private=True, title="Roadmap",
                 data={"roadmap": roadmap.id, "step": step.number, "done": sorted(mine), "new": fresh})


async def load(ctx: Context, args: Args) -> Reply:
    definition = args.text("definition")
    source = args.text("source") or "roadmap"
    if not definition:
        raise CommandError("bad_roadmap", "Attach or paste the roadmap's YAML: `roadmap load my-roadmap.yaml`. "
                                          "It needs id, title and steps (each with title, weeks, topics, project).")
    parse = ctx.tools.parse_roadmap
    if parse is None:
        raise CommandError("bad_roadmap", "This studybot cannot read roadmap files.")
    try:
        roadmap = parse(definition, source)
    except (ValueError, RoadmapInvalid) as error:
        raise CommandError("bad_roadmap", f"That roadmap has problems:\n{error}") from None
    if roadmap.id in ctx.tools.roadmaps:
        raise CommandError("bad_roadmap", f"`{roadmap.id}` is a built-in roadmap; give yours another `id:`.")
    cohort = await target_cohort(ctx, args)
    await require_organizer(ctx, cohort)
    inv = ctx.invocation
    await ctx.uow.roadmaps.put_custom(CustomRoadmap(platform=inv.platform, workspace=inv.workspace, key=roadmap.id,
                                                    definition=as_data(roadmap), created_at=ctx.now))
    return Reply(text=f"Loaded {roadmap.title} ({len(roadmap.steps)} steps) as `{roadmap.id}`. Use it with "
                      f"`cohort settings roadmap:{roadmap.id} start:YYYY-MM-DD`.",
                 private=True, title="Roadmap", data={"roadmap": roadmap.id, "steps": len(roadmap.steps)})


def step_named(roadmap: Roadmap, text: str, *, strict: bool) -> RoadmapStep | None:
    """A step by number (`3`) or by words from its title or topics (`attention`)."""
    cleaned = text.strip().lower()
    if re.fullmatch(r"\d{1,3}", cleaned):
        number = int(cleaned)
        if 1 <= number <= len(roadmap.steps):
            return roadmap.steps[number - 1]
    else:
        for step in roadmap.steps:
            if cleaned in step.title.lower() or any(cleaned in topic.lower() for topic in step.topics):
                return step
    if strict:
        raise CommandError("bad_step", f"'{clip(text)}' is not a step of {roadmap.title}. "
                                       f"Type a number from 1 to {len(roadmap.steps)}, e.g. `roadmap done 2`.")
    return None


def as_data(roadmap: Roadmap) -> dict[str, object]:
    """The plain data `validate` reads back (optional fields left out when empty)."""
    steps = [{"title": s.title, "ongoing": s.ongoing, "topics": list(s.topics),
              **({"weeks": s.weeks} if s.weeks else {}), **({"project": s.project} if s.project else {})}
             for s in roadmap.steps]
    return {"id": roadmap.id, "title": roadmap.title, "steps": steps,
            **({"summary": roadmap.summary} if roadmap.summary else {})}
