"""The tick: find everything due since the last one with indexed queries, and owe it to someone by
writing an outbox row under a unique key, in the same transaction as the schedule that made it due."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot import notices
from bot.clock import Clock
from bot.commands import sprint as sprints
from bot.commands.leaderboard import streak_standings
from bot.commands.resolve import load_enrolment
from bot.commands.roadmap import lookup
from bot.domain import BuddyStatus, Cohort, GroupSprint, Membership, OutboxMessage, OutboxStatus, SprintStatus
from bot.localtime import local_day, week_start
from bot.owed import owed
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.progress import streak_status
from bot.replies import Reply
from bot.roadmap import Roadmap, position
from bot.schedule import day_end, next_daily, next_lastcall, next_weekly

Finder = Callable[[UnitOfWork], Awaitable[Sequence[Any]]]
Handler = Callable[[UnitOfWork, Any, datetime], Awaitable["OutboxMessage | list[OutboxMessage] | None"]]


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


@dataclass
class TickReport:
    enqueued: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class Scheduler:
    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock, *, windows: Windows | None = None,
                 batch: int = 500, roadmaps: Mapping[str, Roadmap] | None = None) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._roadmaps = roadmaps or {}
        self._windows = windows or Windows()
        self._batch = batch

    async def tick(self) -> TickReport:
        now = self._clock.now()
        report = TickReport()
        async with self._unit_of_work() as uow:
            for ended in await sprints.complete_due(uow, now):
                await self._owe(uow, report, now, self._sprint_end(ended, now))
            for group in await uow.groups.due(now, self._batch):
                await self._owe(uow, report, now, await self._group_summary(uow, group, now))
            await uow.commit()
        await self._drain(report, now, lambda uow: uow.schedule.due_reminders(now, self._batch), self._reminder)
        await self._drain(report, now, lambda uow: uow.schedule.due_lastcalls(now, self._batch), self._lastcall)
        await self._drain(report, now, lambda uow: uow.schedule.due_dayends(now, self._batch), self._day_end)
        await self._drain(report, now, lambda uow: uow.schedule.due_digests(now, self._batch), self._digest)
        await self._drain(report, now, lambda uow: uow.schedule.due_recaps(now, self._batch), self._recap)
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

    async def _owe(self, uow: UnitOfWork, report: TickReport, now: datetime, message: OutboxMessage) -> None:
        late = now - message.due_at > self._window(message.kind)
        if late:
            message.status = OutboxStatus.SKIPPED
            message.last_error = f"skipped: {int((now - message.due_at).total_seconds() // 60)} min late"
        if await uow.outbox.add(message):
            (report.skipped if late else report.enqueued).append(message.key)

    def _window(self, kind: str) -> timedelta:
        return getattr(self._windows, kind)  # each kind of owed message has a window of its own name

    async def _reminder(self, uow: UnitOfWork, row: Membership, now: datetime) -> OutboxMessage | None:
        assert row.id is not None and row.next_reminder_at is not None
        due = row.next_reminder_at
        enrolment = await load_enrolment(uow, row.id)
        if enrolment is None:
            row.next_reminder_at = None
            await uow.memberships.save(row)
            return None
        membership, cohort = enrolment.membership, enrolment.cohort
        at = membership.reminder_time
        membership.next_reminder_at = next_daily(due, at, enrolment.zone, cohort.rollover_hour) if at else None
        await uow.memberships.save(membership)
        day = enrolment.local_date(due)
        minutes = await uow.checkins.minutes_on(row.id, day)
        if at is None or enrolment.is_paused(day) or minutes >= cohort.daily_target:
            return None
        status = await streak_status(uow, enrolment, enrolment.local_date(now))
        reply = notices.reminder(enrolment, day, minutes, status.streak)
        return owed(f"reminder:{row.id}:{day.isoformat()}", "reminder", cohort, "dm",
                        enrolment.member.user_id, reply, due, now)

    async def _lastcall(self, uow: UnitOfWork, row: Membership, now: datetime) -> OutboxMessage | None:
        assert row.id is not None and row.next_lastcall_at is not None
        due = row.next_lastcall_at
        enrolment = await load_enrolment(uow, row.id)
        if enrolment is None or not row.lastcall_minutes:
            row.next_lastcall_at = None
            await uow.memberships.save(row)
            return None
        membership, cohort = enrolment.membership, enrolment.cohort
        membership.next_lastcall_at = next_lastcall(due, row.lastcall_minutes, enrolment.zone, cohort.rollover_hour)
        await uow.memberships.save(membership)
        day = enrolment.local_date(due)
        if enrolment.is_paused(day):
            return None
        status = await streak_status(uow, enrolment, day)
        if status.today_done or status.streak < 1:
            return None
        minutes = await uow.checkins.minutes_on(row.id, day)
        reply = notices.last_call(enrolment, day, minutes, status.streak, row.lastcall_minutes)
        return owed(f"lastcall:{row.id}:{day.isoformat()}", "lastcall", cohort, "dm",
                        enrolment.member.user_id, reply, due, now)

    async def _day_end(self, uow: UnitOfWork, row: Membership, now: datetime) -> list[OutboxMessage]:
        """A watched member's day ended: tell each active buddy once if it ended undone."""
        assert row.id is not None and row.next_dayend_at is not None
        due = row.next_dayend_at
        enrolment = await load_enrolment(uow, row.id)
        if enrolment is None:
            row.next_dayend_at = None
            await uow.memberships.save(row)
            return []
        cohort, member = enrolment.cohort, enrolment.member
        day = enrolment.local_date(due - timedelta(seconds=1))
        pairs = [b for b in await uow.buddies.for_member(cohort.id or 0, member.id or 0)
                 if b.status is BuddyStatus.ACTIVE]
        enrolment.membership.next_dayend_at = (day_end(day + timedelta(days=1), enrolment.zone, cohort.rollover_hour)
                                               if pairs else None)
        await uow.memberships.save(enrolment.membership)
        if enrolment.is_paused(day) or await uow.checkins.minutes_on(row.id, day) >= cohort.daily_target:
            return []
        messages = []
        for pair in pairs:
            buddy = await uow.members.get(pair.other(member.id or 0))
            if buddy is None:
                continue
            reply = notices.buddy_missed(member.display_name, cohort.name, day)
            messages.append(owed(f"buddy:{row.id}:{day.isoformat()}:{buddy.id}", "buddy", cohort, "dm",
                                 buddy.user_id, reply, due, now))
        return messages

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

    async def _digest(self, uow: UnitOfWork, cohort: Cohort, now: datetime) -> OutboxMessage | None:
        assert cohort.id is not None and cohort.next_digest_at is not None
        due = cohort.next_digest_at
        cohort.next_digest_at = next_daily(due, cohort.digest_time, cohort.zone, cohort.rollover_hour)
        await uow.cohorts.save(cohort)
        day = local_day(due, cohort.zone, cohort.rollover_hour)
        pairs = await uow.memberships.active_in_cohort(cohort.id)
        if not pairs:
            return None
        totals = await uow.checkins.totals_in_cohort(cohort.id, day, day)
        pauses = await uow.pauses.for_members([member.id for _, member in pairs if member.id is not None])
        lines = []
        for membership, member in pairs:
            done = totals.get(membership.id or 0, 0) >= cohort.daily_target
            paused = any(pause.covers(day) for pause in pauses.get(member.id or 0, []))
            if done or not paused:  # members on a break are neither praised nor chased
                lines.append(notices.DigestLine(member.display_name, member.user_id, done, member.allow_mentions))
        reply = notices.digest(cohort, day, lines)
        monday = week_start(day)
        if cohort.digest_thread and day != monday:
            reply.data["thread_key"] = f"digest:{cohort.id}:{monday.isoformat()}"
        return owed(f"digest:{cohort.id}:{day.isoformat()}", "digest", cohort, "channel", cohort.channel_id,
                        reply, due, now)

    async def _recap(self, uow: UnitOfWork, cohort: Cohort, now: datetime) -> OutboxMessage | None:
        assert cohort.id is not None and cohort.next_recap_at is not None
        due = cohort.next_recap_at
        cohort.next_recap_at = next_weekly(due, cohort.recap_weekday, cohort.recap_time, cohort.zone,
                                           cohort.rollover_hour)
        await uow.cohorts.save(cohort)
        monday = week_start(local_day(due, cohort.zone, cohort.rollover_hour))
        pairs = list(await uow.memberships.active_in_cohort(cohort.id))
        if not pairs:
            return None
        by_day = await uow.checkins.minutes_by_day_in_cohort(cohort.id, monday)
        standings = {s.membership_id: s for s in await streak_standings(uow, cohort, pairs, due)}
        lines = []
        for membership, member in pairs:
            days = _week(by_day.get(membership.id or 0, {}), monday)
            done = sum(1 for minutes in days if minutes >= cohort.daily_target)
            streak = standings[membership.id or 0].value
            lines.append(notices.RecapLine(member.display_name, done, sum(days), streak, max(0, streak - done)))
        step = None
        if cohort.roadmap_id and cohort.roadmap_start:
            roadmap = await lookup(uow, self._roadmaps, cohort.platform, cohort.workspace, cohort.roadmap_id)
            step = position(roadmap, cohort.roadmap_start, monday).step if roadmap is not None else None
        return owed(f"recap:{cohort.id}:{monday.isoformat()}", "recap", cohort, "channel", cohort.channel_id,
                    notices.recap(cohort, monday, lines, step), due, now)

    def _sprint_end(self, ended: sprints.SprintEnded, now: datetime) -> OutboxMessage:
        reply = Reply(text=ended.reply.text, title=ended.reply.title, private=True,
                      data={**ended.reply.data, "type": "sprint_end"})
        return owed(f"sprint:{ended.sprint.id}", "sprint_end", ended.enrolment.cohort, "dm",
                        ended.enrolment.member.user_id, reply, ended.sprint.ends_at, now)


def _week(by_day: dict[date, int], monday: date) -> list[int]:
    return [by_day.get(monday + timedelta(days=offset), 0) for offset in range(7)]
