"""The tick: find everything due since the last one with indexed queries, and owe it to someone by
writing an outbox row under a unique key, in the same transaction as the schedule that made it due."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from bot import focus, leagues, notices, persons, streaks, teamgoal
from bot.clock import Clock
from bot.commands import sprint as sprints
from bot.commands.leaderboard import streak_standings
from bot.commands.roadmap import lookup
from bot.domain import (
    BuddyStatus,
    Cohort,
    Enrolment,
    GroupSprint,
    Member,
    OutboxMessage,
    OutboxStatus,
    SprintStatus,
)
from bot.localtime import local_day, week_start
from bot.owed import dm, owed
from bot.ports import DueColumn, StreakInputs, UnitOfWork, UnitOfWorkFactory
from bot.replies import Reply
from bot.roadmap import Roadmap, position
from bot.schedule import Slot, day_end, next_daily, next_lastcall, next_weekly, set_digest, set_recap, slot_day
from bot.streaks import StreakState, StreakStatus

Finder = Callable[[UnitOfWork], Awaitable[Sequence[Any]]]
Handler = Callable[[UnitOfWork, Any, datetime], Awaitable["OutboxMessage | list[OutboxMessage] | None"]]
# A batch of due memberships in, the messages they owe and each one's next due instant out.
BatchHandler = Callable[[UnitOfWork, Sequence[Enrolment], datetime],
                        Awaitable[tuple[list[OutboxMessage], dict[int, "Slot | None"]]]]
BATCH = 2000  # due rows per transaction: big enough to be set-based, small enough never to hold locks long


@dataclass(frozen=True)
class Windows:
    """How late a message may still be sent after downtime; older ones are recorded as skipped."""

    reminder: timedelta = timedelta(hours=2)
    digest: timedelta = timedelta(hours=2)
    recap: timedelta = timedelta(hours=12)
    sprint_end: timedelta = timedelta(hours=2)
    lastcall: timedelta = timedelta(minutes=30)
    buddy: timedelta = timedelta(hours=6)
    group: timedelta = timedelta(hours=2)
    league: timedelta = timedelta(hours=12)


@dataclass
class TickReport:
    enqueued: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class Scheduler:
    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock, *, windows: Windows | None = None,
                 batch: int = BATCH, roadmaps: Mapping[str, Roadmap] | None = None, workers: int = 1) -> None:
        """`workers`: transactions at once for due memberships beyond the first batch (2 on Postgres; SQLite has
        one writer, so 1)."""
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._roadmaps = roadmaps or {}
        self._windows = windows or Windows()
        self._batch = batch
        self._workers = max(1, workers)

    async def tick(self) -> TickReport:
        """One cheap probe finds which kinds of work are due; only those are looked at. Due memberships are
        handled set-based: a batch loaded in a few queries, the messages enqueued in one statement, the next
        instants written in one more, one transaction per batch."""
        now = self._clock.now()
        report = TickReport()
        async with self._unit_of_work() as uow:
            due = await uow.schedule.due_kinds(now)
            if "sprints" in due or "groups" in due:
                for ended in await sprints.complete_due(uow, now):
                    await self._owe(uow, report, now, self._sprint_end(ended, now))
                for group in await uow.groups.due(now, self._batch):
                    await self._owe(uow, report, now, await self._group_summary(uow, group, now))
                await uow.commit()
        if "reminders" in due:
            await self._drain_due(report, now, "next_reminder_at", self._reminders)
        if "lastcalls" in due:
            await self._drain_due(report, now, "next_lastcall_at", self._lastcalls)
        if "dayends" in due:
            await self._drain_due(report, now, "next_dayend_at", self._day_ends)
        if "digests" in due:
            await self._drain(report, now, lambda uow: uow.schedule.due_digests(now, self._batch), self._digest)
        if "recaps" in due:
            await self._drain(report, now, lambda uow: uow.schedule.due_recaps(now, self._batch), self._recap)
        if "leagues" in due:  # one cohort per transaction (locked): its week's end and placement, once
            await self._drain_leagues(report, now)
        if "focus" in due:  # "Still studying?" in focus rooms, and the unanswered ended; a batch per transaction
            while True:
                async with self._unit_of_work() as uow:
                    looked_at = await focus.idle_guard(uow, now)
                    await uow.commit()
                if looked_at < focus.IDLE_BATCH:
                    break
        return report

    async def next_due_at(self) -> datetime | None:
        async with self._unit_of_work() as uow:
            return await uow.schedule.next_due_at()

    async def _drain(self, report: TickReport, now: datetime, find: Finder, handle: Handler) -> None:
        """Handle due rows batch by batch, one transaction each, until none is due any more."""
        while True:
            async with self._unit_of_work() as uow:
                rows = await find(uow)
                for row in rows:
                    owed_now = await handle(uow, row, now)
                    for message in owed_now if isinstance(owed_now, list) else [owed_now] if owed_now else []:
                        await self._owe(uow, report, now, message)
                await uow.commit()
            if len(rows) < self._batch:
                return

    async def _drain_due(self, report: TickReport, now: datetime, column: DueColumn, handle: BatchHandler) -> None:
        """Due memberships batch by batch (locked, so concurrent ticks on Postgres share the work rather than
        repeat it; the outbox keys keep every message once either way), until none is due any more. `workers`
        transactions take batches at once: on Postgres the server writes one batch while this process works out
        the next (when fewer are due than a batch, the second finds them locked and nothing else)."""

        async def worker() -> None:
            while await self._due_batch(report, now, column, handle):
                pass

        if self._workers == 1:
            return await worker()
        try:
            async with asyncio.TaskGroup() as workers:  # one failing cancels the others
                for _ in range(self._workers):
                    workers.create_task(worker())
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None  # as one worker would: StorageUnavailable stays itself

    async def _due_batch(self, report: TickReport, now: datetime, column: DueColumn, handle: BatchHandler) -> bool:
        """One batch of due memberships in one transaction; True when it was full (more may be due)."""
        async with self._unit_of_work() as uow:
            due = await uow.schedule.due_enrolments(column, now, self._batch)
            if not due:
                return False
            messages, instants = await handle(uow, due, now)
            await uow.schedule.reschedule(column, instants)
            await self._owe_all(uow, report, now, messages)
            await uow.commit()
        return len(due) == self._batch

    async def _owe(self, uow: UnitOfWork, report: TickReport, now: datetime, message: OutboxMessage) -> None:
        late = self._mark_late(message, now)
        if await uow.outbox.add(message):
            (report.skipped if late else report.enqueued).append(message.key)

    async def _owe_all(self, uow: UnitOfWork, report: TickReport, now: datetime,
                       messages: Sequence[OutboxMessage]) -> None:
        late = {message.key for message in messages if self._mark_late(message, now)}
        for key in await uow.outbox.add_many(messages):
            (report.skipped if key in late else report.enqueued).append(key)

    def _mark_late(self, message: OutboxMessage, now: datetime) -> bool:
        """Past its window (or whatever else it was owed `until`) a message is recorded as skipped instead of sent
        stale; the dispatcher checks the same `expires_at` again at send time."""
        deadline = message.due_at + self._window(message.kind)
        message.expires_at = deadline if message.expires_at is None else min(deadline, message.expires_at)
        late = now > message.expires_at
        if late:
            message.status = OutboxStatus.SKIPPED
            message.last_error = f"skipped: {int((now - message.due_at).total_seconds() // 60)} min late"
        return late

    def _window(self, kind: str) -> timedelta:
        return getattr(self._windows, kind)  # each kind of owed message has a window of its own name

    async def _reminders(self, uow: UnitOfWork, due: Sequence[Enrolment], now: datetime,
                         ) -> tuple[list[OutboxMessage], dict[int, Slot | None]]:
        """A reminder for each member whose local day is neither done nor paused; each rescheduled from the
        instant it was due (so a skipped or repeated wall time is neither lost nor doubled), for the local date
        it was scheduled for."""
        instants: dict[int, Slot | None] = {}
        wanted: list[tuple[Enrolment, datetime, date]] = []
        next_at, day_of, end_of = cache(next_daily), cache(slot_day), cache(day_end)  # many share one zone
        for enrolment in due:
            membership, cohort = enrolment.membership, enrolment.cohort
            assert membership.id is not None and membership.next_reminder_at is not None
            at, due_at, zone = membership.reminder_time, membership.next_reminder_at, enrolment.zone
            instants[membership.id] = next_at(due_at, at, zone, cohort.rollover_hour) if at else None
            day = day_of(membership.next_reminder_day, due_at, zone, cohort.rollover_hour)
            if at is not None and not enrolment.is_off(day):
                wanted.append((enrolment, due_at, day))
        messages: list[OutboxMessage] = []
        if not wanted:
            return messages, instants
        inputs = await uow.schedule.streak_inputs([e.membership.id or 0 for e, _, _ in wanted],
                                                  min(day for _, _, day in wanted))
        weeks = await _week_minutes(uow, wanted)
        checkpoints: dict[int, StreakState | None] = {}
        for enrolment, due_at, day in wanted:
            membership_id = enrolment.membership.id or 0
            mine = inputs[membership_id]
            minutes = mine.minutes_by_day.get(day, 0)
            if minutes >= enrolment.cohort.daily_target:
                continue
            status = None if mine.first_day is None else _streak(  # no check-in yet: no streak, no walk
                enrolment, mine, local_day(now, enrolment.zone, enrolment.cohort.rollover_hour), checkpoints)
            reply = notices.reminder(enrolment, day, minutes, status.streak if status else 0,
                                     status.offer if status else None, weeks.get(membership_id))
            messages.append(dm(f"reminder:{membership_id}:{day.isoformat()}", "reminder", enrolment.member, reply,
                               due_at, now, until=_last_moment(end_of, enrolment, day)))
        await uow.memberships.save_streak_states(checkpoints)
        return messages, instants

    async def _lastcalls(self, uow: UnitOfWork, due: Sequence[Enrolment], now: datetime,
                         ) -> tuple[list[OutboxMessage], dict[int, Slot | None]]:
        """A last call for each member whose streak is alive but whose day is not done yet."""
        instants: dict[int, Slot | None] = {}
        wanted: list[tuple[Enrolment, datetime, date]] = []
        next_at, day_of, end_of = cache(next_lastcall), cache(slot_day), cache(day_end)  # many share one zone
        for enrolment in due:
            membership, cohort = enrolment.membership, enrolment.cohort
            assert membership.id is not None and membership.next_lastcall_at is not None
            due_at, lead = membership.next_lastcall_at, membership.lastcall_minutes
            if not lead:
                instants[membership.id] = None
                continue
            zone = enrolment.zone
            instants[membership.id] = next_at(due_at, lead, zone, cohort.rollover_hour)
            day = day_of(membership.next_lastcall_day, due_at, zone, cohort.rollover_hour)
            if not enrolment.is_off(day):
                wanted.append((enrolment, due_at, day))
        messages: list[OutboxMessage] = []
        if not wanted:
            return messages, instants
        inputs = await uow.schedule.streak_inputs([e.membership.id or 0 for e, _, _ in wanted],
                                                  min(day for _, _, day in wanted))
        checkpoints: dict[int, StreakState | None] = {}
        for enrolment, due_at, day in wanted:
            membership = enrolment.membership
            mine = inputs[membership.id or 0]
            status = _streak(enrolment, mine, day, checkpoints)
            if status.today_done or status.streak < 1:
                continue
            reply = notices.last_call(enrolment, day, mine.minutes_by_day.get(day, 0), status.streak,
                                      membership.lastcall_minutes or 0)
            messages.append(dm(f"lastcall:{membership.id}:{day.isoformat()}", "lastcall", enrolment.member, reply,
                               due_at, now, until=_last_moment(end_of, enrolment, day)))
        await uow.memberships.save_streak_states(checkpoints)
        return messages, instants

    async def _day_ends(self, uow: UnitOfWork, due: Sequence[Enrolment], now: datetime,
                        ) -> tuple[list[OutboxMessage], dict[int, Slot | None]]:
        """A watched member's day ended: tell each active buddy once if it ended undone. (The day is read off the
        instant: a day's end is the first instant of the next day, so the second before it is always in it.)"""
        instants: dict[int, Slot | None] = {}
        wanted: list[tuple[Enrolment, datetime, date, list[int]]] = []
        end_of, day_of = cache(day_end), cache(local_day)  # many are due at one instant in one zone
        for enrolment in due:
            membership, cohort, member = enrolment.membership, enrolment.cohort, enrolment.member
            assert membership.id is not None and membership.next_dayend_at is not None
            due_at, zone = membership.next_dayend_at, enrolment.zone
            day = day_of(due_at - timedelta(seconds=1), zone, cohort.rollover_hour)
            pairs = await uow.buddies.for_member(cohort.id or 0, member.id or 0)
            buddies = [pair.other(member.id or 0) for pair in pairs if pair.status is BuddyStatus.ACTIVE]
            after = day + timedelta(days=1)
            instants[membership.id] = Slot(after, end_of(after, zone, cohort.rollover_hour)) if buddies else None
            if buddies and not enrolment.is_off(day):
                wanted.append((enrolment, due_at, day, buddies))
        messages: list[OutboxMessage] = []
        if not wanted:
            return messages, instants
        inputs = await uow.schedule.streak_inputs([e.membership.id or 0 for e, _, _, _ in wanted],
                                                  min(day for _, _, day, _ in wanted))
        for enrolment, due_at, day, buddies in wanted:
            cohort, membership_id = enrolment.cohort, enrolment.membership.id or 0
            if inputs[membership_id].minutes_by_day.get(day, 0) >= cohort.daily_target:
                continue
            for buddy_id in buddies:
                buddy = await uow.members.get(buddy_id)
                if buddy is None:
                    continue
                reply = notices.buddy_missed(enrolment.member.display_name, cohort.name, day)
                messages.append(dm(f"buddy:{membership_id}:{day.isoformat()}:{buddy.id}", "buddy", buddy, reply, due_at,
                                   now))
        return messages, instants

    async def _group_summary(self, uow: UnitOfWork, group: GroupSprint, now: datetime) -> OutboxMessage:
        group.status = SprintStatus.COMPLETED
        await uow.groups.save(group)
        cohort = await uow.cohorts.get(group.cohort_id)
        assert cohort is not None
        lines = []
        for sprint in await uow.sprints.for_group(group.id or 0):
            member = await uow.members.get(sprint.member_id)
            if member is not None and sprint.minutes:
                lines.append((member.display_name, sprint.minutes))
        return owed(f"group:{group.id}", "group", cohort, "channel", group.channel_id,
                    notices.group_summary(cohort, group.goal, lines), group.ends_at, now)

    async def _digest(self, uow: UnitOfWork, cohort: Cohort, now: datetime) -> list[OutboxMessage]:
        """The day's digest, posted in each of the cohort's homes with that platform's names and mentions."""
        assert cohort.id is not None and cohort.next_digest_at is not None
        due = cohort.next_digest_at
        day = slot_day(cohort.next_digest_day, due, cohort.zone, cohort.rollover_hour)
        set_digest(cohort, next_daily(due, cohort.digest_time, cohort.zone, cohort.rollover_hour))
        await uow.cohorts.save(cohort)
        pairs = await uow.memberships.active_in_cohort(cohort.id)
        if not pairs:
            return []
        if cohort.is_off(day):  # a holiday, or not a study day: nobody is chased
            return []
        totals = await uow.checkins.totals_in_cohort(cohort.id, day, day)
        pauses = await uow.pauses.for_members([member.id for _, member in pairs if member.id is not None])
        shown: list[tuple[Member, bool]] = []
        for membership, member in pairs:
            done = totals.get(membership.id or 0, 0) >= cohort.daily_target
            away = Enrolment(cohort, member, membership, tuple(pauses.get(member.id or 0, []))).is_off(day)
            if done or not away:  # members paused or resting are neither praised nor chased
                shown.append((member, done))
        if not shown:  # everyone is away that day: nothing to tell the channel
            return []
        team = await _team(uow, cohort, now, day)
        monday = week_start(day)
        messages = []
        for home in await uow.cohorts.homes(cohort.id):
            names = await persons.names_on(uow, home.platform, home.workspace, [member for member, _ in shown])
            there = await persons.accounts_in(uow, home.platform, home.workspace, [member for member, _ in shown])
            lines = [notices.DigestLine(names[member.id or 0], account.user_id if account else "", done,
                                        member.allow_mentions and account is not None)
                     for member, done in shown for account in [there.get(member.id or 0)]]
            reply = notices.digest(cohort, day, lines, team)
            suffix = f":h{home.id}" if home.id is not None else ""  # the first home keeps the keys it always had
            if cohort.digest_thread and day != monday:
                reply.data["thread_key"] = f"digest:{cohort.id}:{monday.isoformat()}{suffix}"
            messages.append(owed(f"digest:{cohort.id}:{day.isoformat()}{suffix}", "digest", cohort, "channel",
                                 home.channel_id, reply, due, now, home=home))
        return messages

    async def _recap(self, uow: UnitOfWork, cohort: Cohort, now: datetime) -> list[OutboxMessage]:
        assert cohort.id is not None and cohort.next_recap_at is not None
        due = cohort.next_recap_at
        monday = week_start(slot_day(cohort.next_recap_day, due, cohort.zone, cohort.rollover_hour))
        set_recap(cohort, next_weekly(due, cohort.recap_weekday, cohort.recap_time, cohort.zone, cohort.rollover_hour))
        await uow.cohorts.save(cohort)
        pairs = list(await uow.memberships.active_in_cohort(cohort.id))
        if not pairs:
            return []
        by_day = await uow.checkins.minutes_by_day_in_cohort(cohort.id, monday)
        standings = {s.membership_id: s for s in await streak_standings(uow, cohort, pairs, due)}
        pauses = await uow.pauses.for_members([member.id for _, member in pairs if member.id is not None])
        figures = []
        for membership, member in pairs:
            days = _week(by_day.get(membership.id or 0, {}), monday)
            done = sum(1 for minutes in days if minutes >= cohort.daily_target)
            enrolment = Enrolment(cohort, member, membership, tuple(pauses.get(member.id or 0, [])))
            # The days of the week that ask for a sprint: done ones, and the others that are not off.
            asked = sum(1 for offset, minutes in enumerate(days) if minutes >= cohort.daily_target
                        or not enrolment.is_off(monday + timedelta(days=offset)))
            streak = standings[membership.id or 0].value
            figures.append((member, done, sum(days), streak, max(0, streak - done), asked))
        step = None
        if cohort.roadmap_id and cohort.roadmap_start:
            roadmap = await lookup(uow, self._roadmaps, cohort.platform, cohort.workspace, cohort.roadmap_id)
            step = position(roadmap, cohort.roadmap_start, monday).step if roadmap is not None else None
        team = await _team(uow, cohort, now, monday)
        messages = []
        for home in await uow.cohorts.homes(cohort.id):
            names = await persons.names_on(uow, home.platform, home.workspace, [member for member, *_ in figures])
            lines = [notices.RecapLine(names[member.id or 0], *rest) for member, *rest in figures]
            suffix = f":h{home.id}" if home.id is not None else ""
            messages.append(owed(f"recap:{cohort.id}:{monday.isoformat()}{suffix}", "recap", cohort, "channel",
                                 home.channel_id, await leagues.add_to_recap(uow, cohort, monday, notices.recap(
                                     cohort, monday, lines, step, team)), due, now, home=home))
        return messages

    async def _drain_leagues(self, report: TickReport, now: datetime) -> None:
        while True:
            async with self._unit_of_work() as uow:
                due = await uow.leagues.due_cohorts(now, 1)
                if not due:
                    return
                await self._owe_all(uow, report, now, await self._league(uow, due[0], now))
                await uow.commit()

    async def _league(self, uow: UnitOfWork, cohort: Cohort, now: datetime) -> list[OutboxMessage]:
        """bot/leagues.py: the week's end (a result DM per member who played) and the new week's placement."""
        due = cohort.next_league_at
        assert cohort.id is not None and due is not None
        results = await leagues.run_week(uow, cohort, now)
        await uow.cohorts.save(cohort)
        users = await uow.leagues.recipients([membership_id for membership_id, _ in results])
        return [dm(f"league:{cohort.id}:{reply.data['week']}:{membership_id}", "league", users[membership_id],
                   reply, due, now)
                for membership_id, reply in results if membership_id in users]

    def _sprint_end(self, ended: sprints.SprintEnded, now: datetime) -> OutboxMessage:
        reply = Reply(text=ended.reply.text, title=ended.reply.title, private=True,
                      data={**ended.reply.data, "type": "sprint_end"})
        return dm(f"sprint:{ended.sprint.id}", "sprint_end", ended.enrolment.member, reply, ended.sprint.ends_at, now)


async def _week_minutes(uow: UnitOfWork, wanted: Sequence[tuple[Enrolment, datetime, date]]) -> dict[int, int]:
    """The week's minutes so far (Monday to the reminder's day) of those whose cohort has a weekly goal: one
    look-up of at most seven (membership, day) pairs each, none when no cohort has a goal."""
    days = [(enrolment.membership.id or 0, week_start(day) + timedelta(days=offset)) for enrolment, _, day in wanted
            if enrolment.cohort.weekly_goal for offset in range(day.weekday() + 1)]
    totals: dict[int, int] = {}
    for (membership_id, _), minutes in (await uow.checkins.minutes_on_days(days) if days else {}).items():
        totals[membership_id] = totals.get(membership_id, 0) + minutes
    return totals


async def _team(uow: UnitOfWork, cohort: Cohort, now: datetime, day: date) -> dict[str, int] | None:
    """The team goal's bar for the week holding `day` (None without a goal: no query)."""
    if not cohort.team_goal:
        return None
    return teamgoal.summary(cohort.team_goal, (await teamgoal.week(uow, cohort, now, day)).minutes)


def _streak(enrolment: Enrolment, inputs: StreakInputs, today: date,
            checkpoints: dict[int, StreakState | None]) -> StreakStatus:
    """`bot.progress.streak_status` on check-ins loaded for a whole batch: the walk resumes from the saved state,
    and a new checkpoint worth saving is collected in `checkpoints` (by membership id) to be written at once."""
    if inputs.first_day is None:
        return StreakStatus(0, 0, 0, False)
    membership = enrolment.membership
    saved = membership.streak_state
    result, checkpoint = streaks.status(saved, inputs.first_day, today, inputs.minutes_by_day,
                                        enrolment.cohort.daily_target, enrolment.is_off)
    if checkpoint != saved:
        membership.streak_state = checkpoint
        checkpoints[membership.id or 0] = checkpoint
    return result


def _last_moment(end_of: Callable[[date, ZoneInfo, int], datetime], enrolment: Enrolment, day: date) -> datetime:
    """A reminder or last call is about its day: once the day has ended it is not sent. (When a DST gap meets the
    rollover hour, a skipped reminder time's first valid instant is that very end, and so it is not sent.)
    `end_of` is the batch's cached `day_end`."""
    return end_of(day, enrolment.zone, enrolment.cohort.rollover_hour) - timedelta(microseconds=1)


def _week(by_day: dict[date, int], monday: date) -> list[int]:
    return [by_day.get(monday + timedelta(days=offset), 0) for offset in range(7)]
