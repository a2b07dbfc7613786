"""Focus rooms: a cohort member's time in one of the cohort's voice channels is a *focus session*, kept in the
database while it runs and recorded as check-ins when it ends.

- It counts while they are in the room, not deafened, and (in a `video:on` room) with camera or screen share.
- It ends when that stops (they leave, deafen, turn video off, the room is removed, they leave the cohort), when
  the idle guard gets no answer, or when a snapshot of who is in voice no longer shows them (at the last time the
  bot saw them: a leave missed while it was down or disconnected).
- Its whole minutes outside the member's sprints (a sprint in a focus room counts once, as the sprint) are
  recorded if at least `MIN_MINUTES`, split at the member's rollover (each part on its own local day, under the key
  `focus:<session>:<day>`), within the day's cap; the member gets one DM about it.
- Idle guard: `IDLE_AFTER` after the last confirmation (the start, or their last answer) they are asked
  "Still studying?"; unanswered for `ANSWER_WITHIN`, the session ends at that last confirmation.
- New sessions start only from what the platform says changed (a voice event) or what it says at start-up,
  never from the heartbeat: a session the idle guard ended stays ended until the member does something.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.commands import checkin
from bot.commands.resolve import load_enrolment
from bot.domain import Cohort, Enrolment, FocusRoom, FocusSession, Member, Sprint, SprintStatus, VoicePresence
from bot.errors import CommandError
from bot.instants import when
from bot.localtime import local_day
from bot.owed import dm
from bot.ports import DuplicateKey, UnitOfWork
from bot.replies import Reply
from bot.schedule import day_end

MIN_MINUTES = 5
IDLE_AFTER = timedelta(minutes=60)
ANSWER_WITHIN = timedelta(minutes=10)
IDLE_BATCH = 500  # sessions the idle guard looks at per transaction


def counts(presence: VoicePresence, room: FocusRoom | None) -> bool:
    """Whether this presence is study time in `room` (None: the channel is not a focus room)."""
    return (room is not None and presence.channel_id == room.channel_id and not presence.deafened
            and (presence.video or not room.video_required))


def stop_reason(presence: VoicePresence, room: FocusRoom) -> str:
    """Why a running session in `room` no longer counts, as `FocusSession.end_reason` records it."""
    if presence.channel_id != room.channel_id:
        return "left"
    if presence.deafened:
        return "deafened"
    return "video_off"


def day_parts(pieces: Sequence[tuple[datetime, datetime]], enrolment: Enrolment) -> list[tuple[date, int]]:
    """The whole minutes of these ordered, disjoint pieces of time, split at the member's rollover: (local day,
    minutes), in order. Seconds are added up in order and cut into whole minutes as they accumulate, so the parts
    add up to the whole minutes of the total."""
    zone, rollover = enrolment.zone, enrolment.cohort.rollover_hour
    parts: list[tuple[date, int]] = []
    seconds, counted = 0.0, 0
    for start, end in pieces:
        cursor = start
        while cursor < end:
            day = local_day(cursor, zone, rollover)
            stop = min(day_end(day, zone, rollover), end)
            seconds += (stop - cursor).total_seconds()
            cursor = stop
            whole = int(seconds // 60)
            if whole > counted:
                if parts and parts[-1][0] == day:  # a piece after a sprint, on the same day
                    parts[-1] = (day, parts[-1][1] + whole - counted)
                else:
                    parts.append((day, whole - counted))
                counted = whole
    return parts


def outside(start: datetime, end: datetime, covered: Sequence[tuple[datetime, datetime]]
            ) -> list[tuple[datetime, datetime]]:
    """The pieces of [start, end) that none of the `covered` intervals overlap, in order."""
    pieces, cursor = [], start
    for low, high in sorted(covered):
        if high <= cursor or low >= end:
            continue
        if low > cursor:
            pieces.append((cursor, low))
        cursor = max(cursor, high)
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


def sprint_time(sprint: Sprint, until: datetime) -> tuple[datetime, datetime]:
    """The time a sprint counts for itself: to its end (completed, or still running: it will be recorded), or its
    recorded minutes (stopped early)."""
    if sprint.status is SprintStatus.STOPPED:
        return sprint.started_at, sprint.started_at + timedelta(minutes=sprint.minutes or 0)
    if sprint.status is SprintStatus.ACTIVE:
        return sprint.started_at, min(sprint.ends_at, until)
    return sprint.started_at, sprint.ends_at


# --- what the platform says ---------------------------------------------------------------------------------
async def voice_changed(uow: UnitOfWork, now: datetime, platform: str, workspace: str,
                        presence: VoicePresence) -> None:
    """One user's voice state changed: end the session that stopped counting, start one that counts."""
    member = await uow.members.find(platform, workspace, presence.user_id)
    if member is None or member.id is None:
        return  # not anyone studybot knows: no cohort of theirs can count the time
    await uow.members.lock([member.id])
    running = await uow.focus.open_session(member.id)
    room = (await uow.focus.room_for(platform, workspace, presence.channel_id)
            if presence.channel_id is not None else None)
    if running is not None:
        if room is not None and running.room_id == room.id and counts(presence, room):
            running.seen_at = now
            await uow.focus.save(running)
            return
        current = await uow.focus.room(running.room_id)
        reason = stop_reason(presence, current) if current is not None else "room_removed"
        await end(uow, running, now, reason, now)
    if room is not None and counts(presence, room):
        await _start(uow, member, room, now)


async def reconcile(uow: UnitOfWork, now: datetime, platform: str, workspace: str,
                    presences: Sequence[VoicePresence], *, start_missing: bool) -> None:
    """What the platform said was in the workspace's voice channels at `now` (every presence): sessions still
    counting are seen now; the others end -- at the last time they were seen, since nobody saw when they left. A
    session started or seen at `now` or later (a voice event handled while this snapshot waited for the database)
    is left alone. With `start_missing` (at start-up, when the gateway sends every voice state) members counting
    without a session get one from now; the heartbeat leaves them alone."""
    rooms = {room.id: room for room in await uow.focus.rooms_in(platform, workspace) if room.id is not None}
    if not rooms:
        return
    by_user = {presence.user_id: presence for presence in presences}

    def counting(session: FocusSession, user_id: str | None) -> bool:
        presence = by_user.get(user_id or "")
        return presence is not None and counts(presence, rooms[session.room_id])

    running = list(await uow.focus.open_in(sorted(rooms)))
    members = await uow.members.get_many(sorted({session.member_id for session in running}))
    user_of = {member_id: member.user_id for member_id, member in members.items()}
    still = [s for s in running if counting(s, user_of.get(s.member_id))]
    await uow.focus.seen([s.id for s in still if s.id is not None], now)
    gone = [s for s in running if s.seen_at < now and not counting(s, user_of.get(s.member_id))]
    if gone:
        await uow.members.lock(sorted({s.member_id for s in gone}))  # then read again: a leave may have ended one
        for session in await uow.focus.open_in(sorted({s.room_id for s in gone})):
            if session.seen_at < now and not counting(session, user_of.get(session.member_id)):
                await end(uow, session, session.seen_at, "not_seen", now)
    if start_missing:
        await _start_missing(uow, now, platform, workspace, presences, rooms)


async def _start_missing(uow: UnitOfWork, now: datetime, platform: str, workspace: str,
                         presences: Sequence[VoicePresence], rooms: dict[int, FocusRoom]) -> None:
    by_channel = {room.channel_id: room for room in rooms.values()}
    for presence in presences:
        room = by_channel.get(presence.channel_id or "")
        if room is None or not counts(presence, room):
            continue
        member = await uow.members.find(platform, workspace, presence.user_id)
        if member is not None and member.id is not None:
            await uow.members.lock([member.id])
            if await uow.focus.open_session(member.id) is None:
                await _start(uow, member, room, now)


async def confirm(uow: UnitOfWork, now: datetime, platform: str, user_id: str, session_id: int) -> Reply:
    """Their answer to "Still studying?": the session counts on from now. The answer of someone else, or to a
    session that ended, changes nothing and says so."""
    session = await uow.focus.session(session_id)
    member = await uow.members.get(session.member_id) if session is not None else None
    if session is None:  # its room was removed, and its record with it
        return Reply(text="That focus session is over. Join a focus room again to start a new one.", private=True,
                     title="Focus room", data={"confirmed": False, "session": session_id})
    if member is None or member.platform != platform or member.user_id != user_id:
        return Reply(text="That question was not for you, so nothing changed.", private=True, title="Focus room",
                     data={"error": "not_your_session"})
    await uow.members.lock([session.member_id])  # then read again: the idle guard may have just ended it
    session = await uow.focus.session(session_id)
    if session is None or not session.open:
        return Reply(text="That focus session has already ended. Join the focus room again to start a new one.",
                     private=True, title="Focus room", data={"confirmed": False, "session": session_id})
    session.confirmed_at, session.asked_at, session.seen_at = now, None, max(session.seen_at, now)
    session.due_at = now + IDLE_AFTER
    await uow.focus.save(session)
    return Reply(text="Great, keep going! I'll ask again in an hour.", private=True, title="Focus room",
                 data={"confirmed": True, "session": session_id})


async def idle_guard(uow: UnitOfWork, now: datetime) -> int:
    """Ask the sessions due for "Still studying?" (set-based: a tick may find a whole room due at once), and end the
    ones that did not answer in time. Returns how many it looked at (the scheduler repeats while a batch is full)."""
    due = await uow.focus.due(now, IDLE_BATCH)
    if not due:
        return 0
    await uow.members.lock(sorted({session.member_id for session in due}))
    due = await uow.focus.due(now, IDLE_BATCH)  # as they are under the lock
    for session in [s for s in due if s.asked_at is not None]:
        await end(uow, session, session.confirmed_at, "idle", now)
    await _ask(uow, [s for s in due if s.asked_at is None], now)
    return len(due)


# --- the rules' parts ---------------------------------------------------------------------------------------------
async def _start(uow: UnitOfWork, member: Member, room: FocusRoom, now: datetime) -> None:
    assert member.id is not None and room.id is not None
    membership = await uow.memberships.get(room.cohort_id, member.id)
    if membership is None or not membership.active or membership.id is None:
        return  # the room counts for its cohort's members only
    with contextlib.suppress(DuplicateKey):  # another process started it meanwhile (one running session a member)
        await uow.focus.start(FocusSession(member_id=member.id, membership_id=membership.id, room_id=room.id,
                                           started_at=now, seen_at=now, confirmed_at=now,
                                           due_at=now + IDLE_AFTER))


async def end(uow: UnitOfWork, session: FocusSession, at: datetime, reason: str, now: datetime) -> None:
    """End a running session at `at`, record its minutes and owe the member one DM about it. The caller holds the
    member's lock, so the day's room is read and written as one."""
    at = max(at, session.started_at)
    session.ended_at, session.end_reason = at, reason
    whole = int((at - session.started_at).total_seconds() // 60)
    enrolment = await load_enrolment(uow, session.membership_id) if whole >= MIN_MINUTES else None
    pieces = await _not_in_sprints(uow, session, at) if enrolment is not None else []
    parts = day_parts(pieces, enrolment) if enrolment is not None else []
    if enrolment is None or sum(minutes for _, minutes in parts) < MIN_MINUTES:
        session.minutes = 0
        await uow.focus.save(session)
        return
    recorded: list[tuple[date, int]] = []
    last = None
    for day, minutes in parts:
        assert enrolment.membership.id is not None
        room = checkin.MAX_MINUTES_PER_DAY - await uow.checkins.minutes_on(enrolment.membership.id, day)
        if min(minutes, room) <= 0:
            continue
        try:
            last = await checkin.record(uow, enrolment, minutes=min(minutes, room), day=day, now=now,
                                        key=f"focus:{session.id}:{day.isoformat()}", note=None, link=None,
                                        source="focus")
        except CommandError:  # that part was recorded once and undone: it stays undone
            continue
        recorded.append((day, last.checkin.minutes))
    session.minutes = sum(minutes for _, minutes in recorded)
    await uow.focus.save(session)
    reply = await _ended_reply(uow, enrolment, session, whole, recorded, last, now)
    await uow.outbox.add(dm(f"focus:{session.id}", "focus_end", enrolment.member, reply, at, now))


async def _not_in_sprints(uow: UnitOfWork, session: FocusSession, at: datetime) -> list[tuple[datetime, datetime]]:
    """The session's time outside the member's sprints: a sprint run in a focus room counts once, as the sprint."""
    sprints = await uow.sprints.overlapping(session.member_id, session.started_at, at)
    return outside(session.started_at, at, [sprint_time(sprint, at) for sprint in sprints])


async def _ended_reply(uow: UnitOfWork, enrolment: Enrolment, session: FocusSession, whole: int,
                       recorded: list[tuple[date, int]], last: checkin.Recorded | None, now: datetime) -> Reply:
    zone = enrolment.zone
    span = f"{when(session.started_at, zone, now=now)}–{when(session.ended_at or now, zone, now=now)}"
    data: dict[str, object] = {"type": "focus_end", "session": session.id, "cohort": enrolment.cohort.name,
                               "minutes": session.minutes, "reason": session.end_reason,
                               "days": [{"local_date": day.isoformat(), "minutes": minutes}
                                        for day, minutes in recorded]}
    idle = (" You didn't answer \"Still studying?\", so it counts up to your last answer."
            if session.end_reason == "idle" else "")
    if last is None:
        return Reply(text=f"Focus session ({span}, {whole} min):{idle} nothing more was logged, your day already "
                          f"holds {checkin.MAX_MINUTES_PER_DAY} minutes.", data=data, private=True,
                     title="Focus session")
    split = (" (" + ", ".join(f"{minutes} on {day.isoformat()}" for day, minutes in recorded) + ")"
             if len(recorded) > 1 else "")
    shown = await checkin.checkin_reply(uow, enrolment, last, enrolment.local_date(now))
    text = (f"Focus session ({span}): {session.minutes} min recorded{split}.{idle}\n"
            + shown.text.split("\n", 1)[-1])
    return Reply(text=text, data={**shown.data, **data}, private=True, title="Focus session")


async def _ask(uow: UnitOfWork, sessions: list[FocusSession], now: datetime) -> None:
    if not sessions:
        return
    deadline = now + ANSWER_WITHIN
    await uow.focus.mark_asked([s.id for s in sessions if s.id is not None], now, deadline)
    members = await uow.members.get_many(sorted({s.member_id for s in sessions}))
    cohorts: dict[int, Cohort | None] = {}
    messages = []
    for session in sessions:
        room = await uow.focus.room(session.room_id)
        if room is not None and room.cohort_id not in cohorts:
            cohorts[room.cohort_id] = await uow.cohorts.get(room.cohort_id)
        cohort, member = cohorts.get(room.cohort_id) if room else None, members.get(session.member_id)
        if cohort is None or member is None:
            continue
        zone = ZoneInfo(member.timezone or cohort.timezone)
        reply = Reply(text=f"Still studying? Press the button by {when(deadline, zone, now=now)} to keep counting; "
                           f"otherwise your focus session ends at {when(session.confirmed_at, zone, now=now)}, "
                           "your last answer.", title="Still studying?", private=True,
                      data={"type": "focus_check", "session": session.id, "answer_by": deadline.isoformat()})
        messages.append(dm(f"focus-check:{session.id}:{int(now.timestamp())}", "focus_check", member, reply, now, now,
                           until=deadline))
    await uow.outbox.add_many(messages)


@dataclass(frozen=True)
class Studying:
    """Someone studying right now, for `focus` and the live status message."""

    name: str
    where: str  # "focus" | "sprint"
    since: datetime
    channel_id: str | None = None  # the focus room


async def studying_now(uow: UnitOfWork, cohort_id: int) -> list[Studying]:
    """The cohort's members in its focus rooms and in running sprints, longest first."""
    rooms = {room.id: room for room in await uow.focus.rooms_of(cohort_id)}
    sessions = list(await uow.focus.open_in(sorted(room_id for room_id in rooms if room_id is not None)))
    members = await uow.members.get_many(sorted({session.member_id for session in sessions}))
    found = [Studying(members[s.member_id].display_name, "focus", s.started_at, rooms[s.room_id].channel_id)
             for s in sessions if s.member_id in members]
    active = await uow.memberships.active_in_cohort(cohort_id)
    enrolled = {member.id: (membership, member) for membership, member in active
                if member.id is not None and member.id not in members}
    for member_id, sprint in (await uow.sprints.active_for_members(sorted(enrolled))).items():
        membership, member = enrolled[member_id]
        if sprint.membership_id == membership.id:
            found.append(Studying(member.display_name, "sprint", sprint.started_at))
    return sorted(found, key=lambda item: (item.since, item.name))
