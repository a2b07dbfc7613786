"""`cohort bridge [CODE]` and `cohort unbridge [PLATFORM]`: one cohort living in channels of several platforms.

An organizer asks for a code in the cohort's channel; an account linked to one of the cohort's organizers redeems
it in a channel of another platform or workspace, which becomes a home of the same cohort. The code alone is
worth nothing to anyone else: the redeemer must be (linked to) an organizer."""

from __future__ import annotations

from bot.commands import link
from bot.commands.context import Args, Context
from bot.commands.focus import channel_ref
from bot.commands.resolve import require_organizer, target_cohort
from bot.domain import Cohort, CohortHome
from bot.errors import CommandError
from bot.ports import DuplicateKey
from bot.replies import Reply


async def bridge(ctx: Context, args: Args) -> Reply:
    typed = args.text("code")
    if typed is None:
        cohort = await target_cohort(ctx, args)
        await require_organizer(ctx, cohort)
        code, expires = await link.issue(ctx, "bridge", cohort.id)
        return Reply(text=f"Your bridge code for {cohort.name} is {code}. Within 10 minutes, in the channel on the "
                          f"other platform (or workspace) where {cohort.name} should also live, type "
                          f"`cohort bridge {code}` from an account linked to yours (`link` links it). It works once.",
                     data={"code": code, "expires_at": expires.isoformat(), "cohort": cohort.name},
                     private=True, title="Bridge a cohort")
    inv = ctx.invocation
    if inv.channel_id is None:
        raise CommandError("no_channel", "Redeem a bridge code in the channel the cohort should also live in.")
    found = await link.redeem(ctx, typed, "bridge", take=False)
    if isinstance(found, Reply):
        return found
    cohort = await ctx.uow.cohorts.get(found.cohort_id or 0)
    if cohort is None or cohort.id is None:
        return Reply(text="That cohort no longer exists.", data={"error": "unknown_cohort"}, private=True)
    membership = await ctx.uow.memberships.get(cohort.id, ctx.member.id or 0)
    if membership is None or not membership.active or not membership.is_organizer:
        advice = ("Your accounts are linked, but not to an organizer of it." if ctx.member.linked else
                  "If you organize it from another account, link this one to it first (`link`), then try again.")
        raise CommandError("not_organizer", f"Only an organizer of {cohort.name}, from an account linked to theirs, "
                                            f"can bring it here. {advice}")
    await _check_room(ctx, cohort)
    await ctx.uow.persons.take_code(found.code_hash)
    try:
        await ctx.uow.cohorts.add_home(cohort.id, CohortHome(inv.platform, inv.workspace, inv.channel_id), ctx.now)
    except DuplicateKey:
        raise CommandError("channel_taken", "This channel already belongs to a cohort.") from None
    homes = await ctx.uow.cohorts.homes(cohort.id)
    return Reply(text=f"{cohort.name} lives here too now: one cohort, {len(homes)} homes. Members join with "
                      f"`cohort join` in any of them; their check-ins, streaks and boards are the same everywhere.",
                 data={"bridged": True, "cohort": cohort.name, "homes": [described(home) for home in homes]},
                 title="Cohort bridged")


async def _check_room(ctx: Context, cohort: Cohort) -> None:
    inv = ctx.invocation
    assert cohort.id is not None and inv.channel_id is not None
    here = await ctx.uow.cohorts.find_by_channel(inv.platform, inv.workspace, inv.channel_id)
    if here is not None:
        raise CommandError("channel_taken", f"This channel already belongs to {here.name}. Bridge into another "
                                            "channel (or remove the bridge there).")
    if any(home.platform == inv.platform and home.workspace == inv.workspace
           for home in await ctx.uow.cohorts.homes(cohort.id)):
        raise CommandError("already_here", f"{cohort.name} already lives in this workspace. A cohort has one home per "
                                           "workspace; `cohort unbridge` there first to move it.")
    same_name = await ctx.uow.cohorts.find_by_name(inv.platform, inv.workspace, cohort.name)
    if same_name is not None and same_name.id != cohort.id:
        raise CommandError("name_taken", f"This workspace already has a cohort called {cohort.name}; two cohorts of "
                                         "one name here would be ambiguous.")


async def unbridge(ctx: Context, args: Args) -> Reply:
    inv = ctx.invocation
    cohort = await target_cohort(ctx, args)
    await require_organizer(ctx, cohort)
    assert cohort.id is not None
    homes = await ctx.uow.cohorts.homes(cohort.id)
    platform = (args.text("platform") or "").lower()
    if platform:
        chosen = [home for home in homes[1:] if home.platform == platform]
    else:
        chosen = [home for home in homes[1:] if (home.platform, home.workspace, home.channel_id)
                  == (inv.platform, inv.workspace, inv.channel_id)]
    if not chosen:
        bridged = ", ".join(sorted({home.platform for home in homes[1:]}))
        hint = f" Its other homes are on {bridged}: `cohort unbridge PLATFORM`." if bridged else \
            " It has no other homes."
        raise CommandError("not_bridged", f"This is not a bridged home of {cohort.name} (its own channel stays; "
                                          f"`cohort remove` deletes the cohort).{hint}")
    home = chosen[0]
    assert home.id is not None
    await ctx.uow.cohorts.remove_home(home.id)
    left = [described(h) for h in homes if h.id != home.id]
    return Reply(text=f"{cohort.name} no longer lives in that {home.platform.capitalize()} channel. Its members keep "
                      "their streaks and can go on in its other homes.",
                 data={"unbridged": described(home), "cohort": cohort.name, "homes": left}, title="Cohort")


def described(home: CohortHome) -> dict[str, str]:
    return {"platform": home.platform, "workspace": home.workspace, "channel": home.channel_id}


def shown_channel(home: CohortHome, platform: str) -> str:
    """A home's channel as the reader's platform can link it (another platform's channel only by its id)."""
    return channel_ref(platform, home.channel_id) if home.platform == platform else f"#{home.channel_id}"
