"""Which cohort a command is about: the named one, else the channel's, else the member's only one."""

from __future__ import annotations

from bot.commands.context import Args, Context, clip
from bot.domain import Cohort, Enrolment
from bot.errors import CommandError
from bot.ports import UnitOfWork


async def named_cohort(ctx: Context, name: str) -> Cohort:
    inv = ctx.invocation
    cohort = await ctx.uow.cohorts.find_by_name(inv.platform, inv.workspace, name)
    if cohort is None:
        names = [c.name for c in await ctx.uow.cohorts.list_in_workspace(inv.platform, inv.workspace)]
        choices = f" Cohorts here: {', '.join(sorted(names))}." if names else " There is no cohort here yet."
        raise CommandError("unknown_cohort", f"There is no cohort called '{clip(name)}'.{choices}",
                           choices=sorted(names))
    return cohort


async def target_cohort(ctx: Context, args: Args, *, name_arg: str | None = None) -> Cohort:
    """The cohort a command means, whether or not the caller belongs to it."""
    explicit = args.text("cohort") or (args.text(name_arg) if name_arg else None)
    if explicit:
        return await named_cohort(ctx, explicit)
    inv = ctx.invocation
    if inv.channel_id is not None:
        here = await ctx.uow.cohorts.find_by_channel(inv.platform, inv.workspace, inv.channel_id)
        if here is not None:
            return here
    mine = [cohort for _, cohort in await ctx.uow.memberships.active_for_member(_member_id(ctx))]
    if ctx.member.linked:  # a workspace sees its own cohorts and those bridged into it, not the person's others
        mine = [cohort for cohort in mine if await _lives_in(ctx, cohort)]
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise await no_cohort(ctx)
    names = sorted(c.name for c in mine)
    raise CommandError("which_cohort", f"You are in several cohorts ({', '.join(names)}). "
                                       f"Add `cohort:NAME` to say which, e.g. `cohort:{names[0]}`.",
                       choices=names)


async def _lives_in(ctx: Context, cohort: Cohort) -> bool:
    inv = ctx.invocation
    return any((home.platform, home.workspace) == (inv.platform, inv.workspace)
               for home in await ctx.uow.cohorts.homes(cohort.id or 0))


SHOWN_COHORTS = 5  # the cohorts a `no_cohort` answer names at most


async def no_cohort(ctx: Context) -> CommandError:
    """Someone in no cohort, in a channel without one: how to join the workspace's cohorts, or start one here."""
    inv = ctx.invocation
    names = sorted((c.name for c in await ctx.uow.cohorts.list_in_workspace(inv.platform, inv.workspace)),
                   key=str.lower)
    where = "this channel" if inv.channel_id is not None else "the channel it should live in"
    create = f"`cohort create NAME` in {where}, e.g. `cohort create study-club timezone:Europe/Berlin`"
    if not names:
        return CommandError("no_cohort", f"You are not in a cohort yet, and this workspace has none. Start one with "
                                         f"{create}; others then join with `cohort join study-club`.")
    shown = ", ".join(names[:SHOWN_COHORTS]) + (f" and {len(names) - SHOWN_COHORTS} more"
                                                if len(names) > SHOWN_COHORTS else "")
    return CommandError("no_cohort", f"You are not in a cohort yet, and this channel has none. Cohorts here: "
                                     f"{shown}. Join one with `cohort join {names[0]}` (or `cohort join` in its "
                                     f"channel), or start your own with {create}.")


async def require_organizer(ctx: Context, cohort: Cohort) -> None:
    if ctx.invocation.is_admin:
        return
    assert cohort.id is not None and ctx.member.id is not None
    membership = await ctx.uow.memberships.get(cohort.id, ctx.member.id)
    if membership is None or not membership.active or not membership.is_organizer:
        raise CommandError("not_organizer", f"Only organizers of {cohort.name} can do that. "
                                            "Ask one of them (see `cohort info`).")


async def enrolment(ctx: Context, args: Args, *, name_arg: str | None = None) -> Enrolment:
    """The caller's active membership in the cohort the command means."""
    cohort = await target_cohort(ctx, args, name_arg=name_arg)
    assert cohort.id is not None
    membership = await ctx.uow.memberships.get(cohort.id, _member_id(ctx))
    if membership is None or not membership.active:
        inv = ctx.invocation
        here = inv.channel_id is not None and cohort.channel_id == inv.channel_id
        which = f"{cohort.name}, this channel's cohort," if here else cohort.name
        raise CommandError("not_member", f"You are not in {which} yet. Type `cohort join {cohort.name}` to join "
                                         "it; then `checkin` after each study session.", cohort=cohort.name)
    pauses = tuple(await ctx.uow.pauses.for_member(_member_id(ctx)))
    return Enrolment(cohort=cohort, member=ctx.member, membership=membership, pauses=pauses)


def _member_id(ctx: Context) -> int:
    assert ctx.member.id is not None
    return ctx.member.id


async def load_enrolment(uow: UnitOfWork, membership_id: int) -> Enrolment | None:
    """An enrolment by membership id, for work that starts from a row rather than a person."""
    membership = await uow.memberships.get_by_id(membership_id)
    if membership is None:
        return None
    cohort = await uow.cohorts.get(membership.cohort_id)
    member = await uow.members.get(membership.member_id)
    if cohort is None or member is None:
        return None
    pauses = tuple(await uow.pauses.for_member(membership.member_id))
    return Enrolment(cohort=cohort, member=member, membership=membership, pauses=pauses)
