"""Many `checkin` commands that arrived together, recorded in one transaction with a handful of set-based
queries instead of a dozen statements each (see `bot.batching`).

It covers the everyday case — a known member checking in, in their cohort's channel — with the same checks,
the same writes and the same reply as `checkin.run`. Everything else is answered None, meaning "take the
ordinary path": a new or renamed member, `cohort:` or `topic:`, a channel that is not a cohort's, a sprint
whose time is up, a key already used, a full day, or the same member twice in one batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import streaks, teamgoal
from bot.commands.checkin import MAX_MINUTES_PER_DAY, Entry, Recorded, compose_reply, read_entry
from bot.commands.context import Args, Invocation, shown_name
from bot.domain import CheckIn, Cohort, Enrolment, Member
from bot.errors import CommandError
from bot.grammar import BY_NAME
from bot.localtime import week_start
from bot.ports import UnitOfWork
from bot.progress import resume_day, still_valid
from bot.replies import Reply, error_reply
from bot.streaks import StreakState

SPEC = BY_NAME["checkin"]


@dataclass(frozen=True)
class Request:
    invocation: Invocation
    args: Mapping[str, str]


@dataclass
class _Pending:
    index: int
    request: Request
    member: Member
    enrolment: Enrolment | None = None
    membership_id: int = 0
    entry: Entry | None = None
    logged: int = 0


async def record_many(uow: UnitOfWork, requests: Sequence[Request], now: datetime) -> list[Reply | None]:
    replies: list[Reply | None] = [None] * len(requests)
    pending = await _known_members(uow, requests)
    # Everything about the members' days is read under their locks, taken in one ordered statement (see
    # `MemberRepository.lock`): another process adding minutes waits, or is waited for, so the cap holds.
    await uow.members.lock([_id(item.member.id) for item in pending])
    pending = await _without_sprints_due(uow, pending, now)
    pending = await _enrolled(uow, pending)
    for item in pending:
        assert item.enrolment is not None
        try:
            item.entry = read_entry(Args(SPEC, item.request.args), item.enrolment, now,
                                    item.request.invocation.idempotency_key)
        except CommandError as error:
            replies[item.index] = error_reply(error.code, error.message, **error.data)
    pending = await _room_left([item for item in pending if item.entry is not None], uow)
    stored = await uow.checkins.add_many([_checkin(item, now) for item in pending])
    recorded = [(item, checkin) for item, checkin in zip(pending, stored, strict=True) if checkin is not None]
    await teamgoal.celebrate_reached(uow, [_enrolment(item).cohort for item, _ in recorded],
                                     [checkin.local_date for _, checkin in recorded], now)
    for (item, _), reply in zip(recorded, await _replies(uow, recorded), strict=True):
        replies[item.index] = reply
    return replies


async def _known_members(uow: UnitOfWork, requests: Sequence[Request]) -> list[_Pending]:
    asked: dict[tuple[str, str], list[str]] = defaultdict(list)
    for request in requests:
        inv = request.invocation
        asked[inv.platform, inv.workspace].append(inv.user_id)
    members = {(platform, workspace, user_id): member
               for (platform, workspace), user_ids in asked.items()
               for user_id, member in (await uow.members.find_many(platform, workspace, user_ids)).items()}
    pending: list[_Pending] = []
    seen: set[int | None] = set()
    for index, request in enumerate(requests):
        inv = request.invocation
        member = members.get((inv.platform, inv.workspace, inv.user_id))
        if member is None or member.id in seen:
            continue
        seen.add(member.id)  # a member's second check-in waits for the first, whichever path that takes
        if not member.linked and member.display_name == shown_name(inv) and inv.channel_id is not None \
                and not request.args.get("cohort") and not request.args.get("topic"):
            pending.append(_Pending(index, request, member))
    return pending


async def _without_sprints_due(uow: UnitOfWork, pending: list[_Pending], now: datetime) -> list[_Pending]:
    """A sprint whose time is up is recorded first, one member at a time, by the ordinary path."""
    sprints = await uow.sprints.active_for_members([_id(item.member.id) for item in pending])
    return [item for item in pending if item.member.id not in sprints or sprints[_id(item.member.id)].ends_at > now]


async def _enrolled(uow: UnitOfWork, pending: list[_Pending]) -> list[_Pending]:
    channels: dict[tuple[str, str, str], Cohort | None] = {}
    for item in pending:
        inv = item.request.invocation
        key = (inv.platform, inv.workspace, inv.channel_id or "")
        if key not in channels:
            channels[key] = await uow.cohorts.find_by_channel(*key)
    by_cohort: dict[int, list[_Pending]] = defaultdict(list)
    cohorts: dict[int, Cohort] = {}
    for item in pending:
        inv = item.request.invocation
        cohort = channels[inv.platform, inv.workspace, inv.channel_id or ""]
        if cohort is not None:
            cohorts[_id(cohort.id)] = cohort
            by_cohort[_id(cohort.id)].append(item)
    enrolled: list[_Pending] = []
    pauses = await uow.pauses.for_members([_id(item.member.id) for items in by_cohort.values() for item in items])
    for cohort_id, items in by_cohort.items():
        memberships = await uow.memberships.get_many(cohort_id, [_id(item.member.id) for item in items])
        for item in items:
            membership = memberships.get(_id(item.member.id))
            if membership is not None and membership.active:
                item.enrolment = Enrolment(cohorts[cohort_id], item.member, membership,
                                           tuple(pauses.get(_id(item.member.id), ())))
                item.membership_id = _id(membership.id)
                enrolled.append(item)
    return sorted(enrolled, key=lambda item: item.index)


async def _room_left(pending: list[_Pending], uow: UnitOfWork) -> list[_Pending]:
    logged = await uow.checkins.minutes_on_days([(item.membership_id, _entry(item).day) for item in pending])
    fits: list[_Pending] = []
    for item in pending:
        item.logged = logged[item.membership_id, _entry(item).day]
        if item.logged + _entry(item).minutes <= MAX_MINUTES_PER_DAY:
            fits.append(item)
    return fits


def _checkin(item: _Pending, now: datetime) -> CheckIn:
    entry, enrolment = _entry(item), item.enrolment
    assert enrolment is not None
    return CheckIn(membership_id=item.membership_id, member_id=_id(item.member.id),
                   cohort_id=_id(enrolment.cohort.id), local_date=entry.day, minutes=entry.minutes, created_at=now,
                   idempotency_key=entry.key, note=entry.note, link=entry.link, source="command")


async def _replies(uow: UnitOfWork, recorded: list[tuple[_Pending, CheckIn]]) -> list[Reply]:
    """Each streak resumed from its saved walk (forgotten when the new day falls inside it), as
    `progress.streak_status` does, with the saved walks that moved written in one statement."""
    ids = [item.membership_id for item, _ in recorded]
    firsts = await uow.checkins.first_days(ids)
    resume: dict[int, StreakState | None] = {}
    since = {}
    for item, checkin in recorded:
        state = still_valid(_enrolment(item).membership.streak_state, checkin.local_date)
        resume[item.membership_id] = state
        since[item.membership_id] = resume_day(state, firsts[item.membership_id], _entry(item).today)
    by_day = await uow.checkins.minutes_by_day_since(since)
    weeks = await _week_minutes(uow, recorded)
    replies: list[Reply] = []
    moved: dict[int, StreakState | None] = {}
    for item, checkin in recorded:
        enrolment, entry, membership_id = _enrolment(item), _entry(item), item.membership_id
        status, checkpoint = streaks.status(resume[membership_id], firsts[membership_id], entry.today,
                                            by_day.get(membership_id, {}), enrolment.cohort.daily_target,
                                            enrolment.is_off)
        if checkpoint != enrolment.membership.streak_state:
            moved[membership_id] = checkpoint
        # The day's minutes as read after the insert (with whatever another process committed meanwhile), as
        # `checkin_reply` reads them; the new day always lies within what was read.
        that_day = by_day.get(membership_id, {}).get(checkin.local_date, item.logged + entry.minutes)
        # Its first check-in: no saved walk to trust, and everything read from its first day on is this one.
        first = resume[membership_id] is None and sum(by_day.get(membership_id, {}).values()) == checkin.minutes
        outcome = Recorded(checkin, duplicate=False, first=first)
        replies.append(compose_reply(enrolment, outcome, status, that_day, entry.today, weeks.get(membership_id)))
    await uow.memberships.save_streak_states(moved)
    return replies


async def _week_minutes(uow: UnitOfWork, recorded: list[tuple[_Pending, CheckIn]]) -> dict[int, int]:
    """This week's minutes (Monday to today) of those whose cohort has a weekly goal, read after the insert."""
    days = [(item.membership_id, monday + timedelta(days=offset)) for item, _ in recorded
            if _enrolment(item).cohort.weekly_goal
            for monday in [week_start(_entry(item).today)] for offset in range((_entry(item).today - monday).days + 1)]
    weeks: dict[int, int] = defaultdict(int)
    for (membership_id, _), minutes in (await uow.checkins.minutes_on_days(days) if days else {}).items():
        weeks[membership_id] += minutes
    return weeks


def _enrolment(item: _Pending) -> Enrolment:
    assert item.enrolment is not None
    return item.enrolment


def _entry(item: _Pending) -> Entry:
    assert item.entry is not None
    return item.entry


def _id(value: int | None) -> int:
    assert value is not None
    return value
