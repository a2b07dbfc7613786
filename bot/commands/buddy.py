"""Accountability buddies and nudges: `buddy @member|accept|end`, `cohort pair`, `nudge @member`."""

from __future__ import annotations

import random
from datetime import datetime

from bot.commands.context import Args, Context
from bot.commands.resolve import enrolment as resolve_enrolment
from bot.commands.resolve import load_enrolment, require_organizer, target_cohort
from bot.domain import Buddy, BuddyStatus, Enrolment, Member
from bot.errors import CommandError
from bot.mentions import mentioned_member
from bot.owed import dm
from bot.ports import UnitOfWork
from bot.replies import Reply
from bot.schedule import day_end


async def request(ctx: Context, args: Args) -> Reply:
    mine = await resolve_enrolment(ctx, args)
    other = await _cohort_mate(ctx, mine, args.text("member"), "buddy @ann")
    pairs = await ctx.uow.buddies.for_member(_id(mine.cohort.id), _id(ctx.member.id))
    existing = next((b for b in pairs if other.id in (b.requester_id, b.partner_id)), None)
    if existing is not None and existing.status is BuddyStatus.ACTIVE:
        return Reply(text=f"You and {other.display_name} are already buddies.", private=True, title="Buddy",
                     data={"buddy": other.display_name, "status": "active"})
    if existing is not None and existing.requester_id == other.id:
        return await _activate(ctx, mine, existing, other)
    if existing is None:
        request = await ctx.uow.buddies.add(Buddy(cohort_id=_id(mine.cohort.id), requester_id=_id(ctx.member.id),
                                                  partner_id=_id(other.id), created_at=ctx.now))
        invite = Reply(text=f"{ctx.member.display_name} would like to be your study buddy in {mine.cohort.name}: "
                            f"you'd each hear when the other misses a day. `buddy accept` to say yes.",
                       title="Buddy request", private=True,
                       data={"type": "buddy_request", "from": ctx.member.display_name, "cohort": mine.cohort.name})
        # One message per request (ids are never reused): asking again after a pairing ended is a new request.
        await ctx.uow.outbox.add(dm(f"buddyreq:{request.id}", "buddy_request", other, invite, ctx.now, ctx.now))
    return Reply(text=f"Asked {other.display_name} to be your buddy; they can `buddy accept`.", private=True,
                 title="Buddy", data={"buddy": other.display_name, "status": "requested"})


async def accept(ctx: Context, args: Args) -> Reply:
    mine = await resolve_enrolment(ctx, args)
    pairs = await ctx.uow.buddies.for_member(_id(mine.cohort.id), _id(ctx.member.id))
    waiting = [b for b in pairs if b.status is BuddyStatus.REQUESTED and b.partner_id == ctx.member.id]
    if args.has("member"):
        other = await _cohort_mate(ctx, mine, args.text("member"), "buddy accept @ann")
        waiting = [b for b in waiting if b.requester_id == other.id]
    if not waiting:
        raise CommandError("no_request", "Nobody has asked you to be their buddy here. Ask someone with `buddy @ann`.")
    if len(waiting) > 1:
        names = [m.display_name for b in waiting if (m := await ctx.uow.members.get(b.requester_id))]
        raise CommandError("which_buddy", f"Several people asked: {', '.join(names)}. "
                                          f"Type `buddy accept @{names[0]}`.", choices=names)
    requester = await ctx.uow.members.get(waiting[0].requester_id)
    assert requester is not None
    return await _activate(ctx, mine, waiting[0], requester)


async def end(ctx: Context, args: Args) -> Reply:
    mine = await resolve_enrolment(ctx, args)
    pairs = await ctx.uow.buddies.for_member(_id(mine.cohort.id), _id(ctx.member.id))
    if args.has("member"):
        other = await _cohort_mate(ctx, mine, args.text("member"), "buddy end @ann")
        pairs = [b for b in pairs if other.id in (b.requester_id, b.partner_id)]
    if not pairs:
        raise CommandError("no_buddy", "You have no buddy here to end with. `buddy @ann` asks someone.")
    touched = {_id(ctx.member.id)}
    for pair in pairs:
        pair.status = BuddyStatus.ENDED
        await ctx.uow.buddies.save(pair)
        touched |= {pair.requester_id, pair.partner_id}
    for member_id in touched:
        await refresh_day_end(ctx.uow, _id(mine.cohort.id), member_id, ctx.now)
    return Reply(text="Buddy pairing ended. You can always pair up again with `buddy @name`.", private=True,
                 title="Buddy", data={"ended": len(pairs)})


async def show(ctx: Context, args: Args) -> Reply:
    mine = await resolve_enrolment(ctx, args)
    pairs = await ctx.uow.buddies.for_member(_id(mine.cohort.id), _id(ctx.member.id))
    names = {b.id: m.display_name for b in pairs if (m := await ctx.uow.members.get(b.other(_id(ctx.member.id))))}
    active = sorted(names[b.id] for b in pairs if b.status is BuddyStatus.ACTIVE and b.id in names)
    waiting = sorted(names[b.id] for b in pairs if b.status is BuddyStatus.REQUESTED and b.id in names)
    text = (f"Your buddies: {', '.join(active)}." if active else "You have no buddy yet: `buddy @name` asks one.") + \
        (f" Waiting: {', '.join(waiting)}." if waiting else "")
    return Reply(text=text, private=True, title="Buddy", data={"buddies": active, "waiting": waiting})


async def pair_everyone(ctx: Context, args: Args) -> Reply:
    cohort = await target_cohort(ctx, args, name_arg="name")
    await require_organizer(ctx, cohort)
    cohort_id = _id(cohort.id)
    members = [member for _, member in await ctx.uow.memberships.active_in_cohort(cohort_id)]
    single = []
    for member in members:
        pairs = await ctx.uow.buddies.for_member(cohort_id, _id(member.id))
        if not any(b.status is BuddyStatus.ACTIVE for b in pairs):
            single.append(member)
    if len(single) < 2:
        raise CommandError("nobody_to_pair", "Everyone here already has a buddy (or there is only one person left).")
    random.Random(f"{cohort_id}:{ctx.now.date()}").shuffle(single)
    groups = [single[i:i + 2] for i in range(0, len(single) - len(single) % 2, 2)]
    if len(single) % 2:
        groups[-1].append(single[-1])  # the odd one out makes a trio
    for group in groups:
        for index, first in enumerate(group):
            for second in group[index + 1:]:
                await ctx.uow.buddies.add(Buddy(cohort_id=cohort_id, requester_id=_id(first.id),
                                                partner_id=_id(second.id), created_at=ctx.now,
                                                status=BuddyStatus.ACTIVE))
    for member in single:
        await refresh_day_end(ctx.uow, cohort_id, _id(member.id), ctx.now)
    listing = "; ".join(" & ".join(m.display_name for m in group) for group in groups)
    return Reply(text=f"New buddies in {cohort.name}: {listing}.", title="Buddies",
                 data={"cohort": cohort.name, "groups": [[m.display_name for m in group] for group in groups]})


async def nudge(ctx: Context, args: Args) -> Reply:
    mine = await resolve_enrolment(ctx, args)
    other = await _cohort_mate(ctx, mine, args.text("member"), "nudge @ann")
    today = mine.local_date(ctx.now)
    message = Reply(text=f"{ctx.member.display_name} from {mine.cohort.name} sends a friendly nudge: time for "
                         "today's sprint? `sprint start` and you're on your way.",
                    title="A friendly nudge", private=True, data={"from": ctx.member.display_name})
    key = f"nudge:{ctx.member.id}:{other.id}:{today.isoformat()}"
    if not await ctx.uow.outbox.add(dm(key, "nudge", other, message, ctx.now, ctx.now)):
        raise CommandError("already_nudged", f"You already nudged {other.display_name} today. One a day is plenty!")
    return Reply(text=f"Nudge on its way to {other.display_name}.", private=True, title="Nudge",
                 data={"to": other.display_name, "local_date": today.isoformat()})


async def _activate(ctx: Context, mine: Enrolment, pair: Buddy, other: Member) -> Reply:
    pair.status = BuddyStatus.ACTIVE
    await ctx.uow.buddies.save(pair)
    for member_id in (pair.requester_id, pair.partner_id):
        await refresh_day_end(ctx.uow, _id(mine.cohort.id), member_id, ctx.now)
    return Reply(text=f"You and {other.display_name} are buddies now: each of you hears when the other's day "
                      "ends undone.", private=True, title="Buddy",
                 data={"buddy": other.display_name, "status": "active"})


async def refresh_day_end(uow: UnitOfWork, cohort_id: int, member_id: int, now: datetime) -> None:
    """Watch the member's day ends while they have an active buddy in the cohort, and only then."""
    membership = await uow.memberships.get(cohort_id, member_id)
    if membership is None or membership.id is None:
        return
    enrolment = await load_enrolment(uow, membership.id)
    assert enrolment is not None
    pairs = await uow.buddies.for_member(cohort_id, member_id)
    watched = any(b.status is BuddyStatus.ACTIVE for b in pairs) and enrolment.membership.active
    today = enrolment.local_date(now)
    enrolment.membership.next_dayend_at = (day_end(today, enrolment.zone, enrolment.cohort.rollover_hour)
                                           if watched else None)
    await uow.memberships.save(enrolment.membership)


def move_day_end(enrolment: Enrolment, now: datetime) -> None:
    """After a change that moves the member's local day (their zone, the cohort's zone or rollover hour): a
    watched day end moves to the end of today as it now is. Left at the old instant it would judge the new
    day before it is over (a false "missed" that cannot be taken back), and could skip the day that ends
    first. Only the member's own day end moves: a buddy's day end follows the buddy's zone, so a cohort-wide
    change moves each membership in the cohort, both sides of every pairing included."""
    membership = enrolment.membership
    if membership.next_dayend_at is not None and membership.active:
        membership.next_dayend_at = day_end(enrolment.local_date(now), enrolment.zone, enrolment.cohort.rollover_hour)


async def end_pairings(uow: UnitOfWork, cohort_id: int, member_id: int, now: datetime) -> list[str]:
    """Leaving a cohort ends the leaver's pairings (and open requests) in it, on both sides: buddies and
    nudges stay inside a cohort two members share, so a pairing cannot outlive one side leaving. The buddy
    stops being told about, and telling, someone who left; `cohort pair` may pair them anew; and whoever
    rejoins starts without a buddy and pairs up again with `buddy @name`. Returns the ex-buddies' names."""
    ended = []
    touched = {member_id}
    for pair in await uow.buddies.for_member(cohort_id, member_id):
        if pair.status is BuddyStatus.ENDED:
            continue
        if pair.status is BuddyStatus.ACTIVE and (other := await uow.members.get(pair.other(member_id))):
            ended.append(other.display_name)
        pair.status = BuddyStatus.ENDED
        await uow.buddies.save(pair)
        touched |= {pair.requester_id, pair.partner_id}
    for touched_id in sorted(touched):
        await refresh_day_end(uow, cohort_id, touched_id, now)
    return sorted(ended)


async def watch_after_rejoin(uow: UnitOfWork, cohort_id: int, member_id: int, now: datetime) -> None:
    """Rejoining a cohort: leaving ended the member's pairings (`end_pairings`), so normally there is nothing to
    watch. A pairing still active (left before leaving ended pairings) is watched on both sides again: the
    member's day end, and a buddy's if it is not scheduled. A scheduled one is left alone (it may be due)."""
    members = {member_id} | {pair.other(member_id) for pair in await uow.buddies.for_member(cohort_id, member_id)
                             if pair.status is BuddyStatus.ACTIVE}
    for one in sorted(members):
        membership = await uow.memberships.get(cohort_id, one)
        if membership is not None and membership.active and membership.next_dayend_at is None:
            await refresh_day_end(uow, cohort_id, one, now)


async def _cohort_mate(ctx: Context, mine: Enrolment, text: str | None, usage: str) -> Member:
    try:
        other = await mentioned_member(ctx, text, usage)
    except CommandError as error:
        if error.code != "unknown_member" or (other := await _mate_named(ctx, mine, text or "")) is None:
            raise
    if other.id == ctx.member.id:
        raise CommandError("not_yourself", "That's you! Name someone else in your cohort.")
    membership = await ctx.uow.memberships.get(_id(mine.cohort.id), _id(other.id))
    if membership is None or not membership.active:
        raise CommandError("not_shared", f"{other.display_name} isn't in {mine.cohort.name} with you; "
                                         "buddies and nudges stay inside a cohort you share.")
    return other


async def _mate_named(ctx: Context, mine: Enrolment, text: str) -> Member | None:
    """In a cohort bridged across platforms a mate on the other platform cannot be @mentioned: `@name` finds them
    by their display name there (only when exactly one member of the cohort has it)."""
    wanted = text.strip().lstrip("@").lower()
    pairs = await ctx.uow.memberships.active_in_cohort(_id(mine.cohort.id))
    named = [member for _, member in pairs if member.display_name.lower() == wanted]
    return named[0] if len(named) == 1 else None


def _id(value: int | None) -> int:
    assert value is not None
    return value
