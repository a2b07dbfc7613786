"""The core's front door: adapters hand it a command and get a reply back. It never sends anything."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from bot import pages
from bot.batching import Batcher, Turns
from bot.clock import Clock
from bot.commands import HANDLERS, PRELUDES
from bot.commands import roadmap as roadmaps
from bot.commands import sprint as sprints
from bot.commands.checkin_batch import Request, record_many
from bot.commands.context import Args, Context, Invocation, Toolkit, shown_name
from bot.commands.resolve import enrolment as resolve_enrolment
from bot.commands.resolve import target_cohort
from bot.commands.streak import off_reason
from bot.domain import Enrolment, Member, Membership
from bot.errors import CommandError, StorageUnavailable
from bot.focusdesk import FocusDesk
from bot.grammar import BY_NAME, CommandSpec
from bot.localtime import local_day
from bot.offdays import Holiday, rest_days
from bot.parser import parse
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.replies import Reply, error_reply
from bot.telemetry import NoTelemetry, Telemetry
from bot.throttle import Throttle

log = logging.getLogger(__name__)

CHECKIN_BATCH = 1000  # check-ins per group commit at most
CALENDAR_DAYS = 7


@dataclass(frozen=True)
class OffDay:
    day: date
    reason: str  # as `streak` says it: "not a study day", "your rest day", "holiday NAME", "paused"


@dataclass(frozen=True)
class Calendar:
    """A cohort's coming days as one member sees them (for App Home and autocomplete; data only)."""

    cohort: str
    cohort_today: date  # the cohort's local day: where holidays can start
    today: date  # the member's local day (their zone), or the cohort's when they are not in it
    until: date  # the last day looked at
    off: tuple[OffDay, ...]  # the off days from `today` to `until`, in date order
    holidays: tuple[Holiday, ...]  # the cohort's holidays not over yet, by start


class StudyBot:
    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock, tools: Toolkit | None = None,
                 telemetry: Telemetry | None = None, *, group_commit: bool = True) -> None:
        self._unit_of_work = unit_of_work
        self.clock = clock
        self.tools = tools or Toolkit()
        self.telemetry: Telemetry = telemetry or NoTelemetry()
        self.throttle = Throttle()
        self._group_commit = group_commit
        self._checkins: Batcher[Request, Reply | None] = Batcher(self._record_checkins, CHECKIN_BATCH)
        self._turns = Turns()
        self.focus = FocusDesk(unit_of_work, clock)  # focus rooms: what adapters report about voice

    async def handle_text(self, invocation: Invocation, line: str) -> Reply:
        """A typed line (console, Slack's `/study …`)."""
        try:
            parsed = parse(line)
        except CommandError as error:
            return error_reply(error.code, error.message, **error.data)
        return await self.execute(invocation, parsed.name, parsed.args)

    async def execute(self, invocation: Invocation, name: str, args: Mapping[str, str]) -> Reply:
        """A command by name with string arguments (Discord builds these from typed options)."""
        started = time.perf_counter()
        reply = await self._execute(invocation, name, args)
        self.telemetry.command(name if name in BY_NAME else "unknown", str(reply.data.get("error", "ok")),
                               time.perf_counter() - started)
        return reply

    async def _execute(self, invocation: Invocation, name: str, args: Mapping[str, str]) -> Reply:
        spec = BY_NAME.get(name)
        if spec is None:
            return error_reply("unknown_command", f"I don't know the command `{name}`. Type `help` for the list.")
        wait = self.throttle.wait((invocation.platform, invocation.workspace, invocation.user_id), self.clock.now())
        if wait is not None:
            seconds = max(1, int(wait.total_seconds()) + 1)
            return error_reply("slow_down", f"That's a lot of commands in a minute. Please wait {seconds} s "
                                            "and try again.", retry_after=seconds)
        try:
            if name == "checkin" and self._group_commit:
                # One member's check-ins take turns (as typed), whichever path each takes: a later one never
                # overtakes an earlier one that fell back to the ordinary path.
                async with self._turns.of((invocation.platform, invocation.workspace, invocation.user_id)):
                    batched = await self._checkins.submit(Request(invocation, args))
                    return batched if batched is not None else await self._run(invocation, spec, args)
            return await self._run(invocation, spec, args)
        except CommandError as error:
            return error_reply(error.code, error.message, **error.data)
        except StorageUnavailable:
            log.warning("storage unavailable during %s", name)
            return error_reply("try_again", "I couldn't reach my database just now, so nothing was recorded. "
                                            "Please try the same command again in a minute.")
        except Exception:
            log.exception("command %s failed", name)
            return error_reply("internal", "Something went wrong on my side and nothing was recorded. "
                                           "Please try again; if it keeps happening, tell an organizer.")

    async def _run(self, invocation: Invocation, spec: CommandSpec, args: Mapping[str, str]) -> Reply:
        """One command in a transaction of its own (after its prelude, if it has one)."""
        if (prelude := PRELUDES.get(spec.name)) is not None:
            await prelude(self._unit_of_work, invocation, Args(spec, args), self.clock.now())
        async with self._unit_of_work() as uow:
            now = self.clock.now()
            member, account = await self._member(uow, invocation)
            assert member.id is not None
            await sprints.complete_due(uow, now, member_id=member.id)
            reply = await HANDLERS[spec.name](Context(invocation, spec, uow, now, member, self.tools,
                                                      account if account.id != member.id else None),
                                              Args(spec, args))
            await uow.commit()
            return reply

    async def _record_checkins(self, requests: Sequence[Request]) -> list[Reply | None]:
        """One transaction for check-ins that arrived together; None sends one down the ordinary path."""
        try:
            async with self._unit_of_work() as uow:
                replies = await record_many(uow, requests, self.clock.now())
                await uow.commit()
                return replies
        except StorageUnavailable:
            raise
        except Exception:
            log.exception("a batch of %d check-ins failed; each is tried on its own", len(requests))
            return [None] * len(requests)

    async def complete_due_sprints(self) -> list[sprints.SprintEnded]:
        """Record every sprint the clock has finished (called by the scheduler's tick)."""
        async with self._unit_of_work() as uow:
            ended = await sprints.complete_due(uow, self.clock.now())
            await uow.commit()
        return ended

    async def cohort_names(self, platform: str, workspace: str) -> list[str]:
        """For autocomplete: the cohorts of a workspace, by name."""
        async with self._unit_of_work() as uow:
            return sorted(c.name for c in await uow.cohorts.list_in_workspace(platform, workspace))

    async def roadmap_steps(self, invocation: Invocation, cohort: str | None = None) -> list[tuple[int, str]]:
        """For autocomplete: (number, title) of the steps the caller's cohort (or the one named, as the
        command's `cohort:` option will) follows; [] when none applies.
        Not counted against the command limit: platforms ask on every keystroke."""
        spec = BY_NAME["roadmap show"]
        try:
            async with self._unit_of_work() as uow:
                member = await uow.members.find(invocation.platform, invocation.workspace, invocation.user_id)
                if member is None:
                    return []
                ctx = Context(invocation, spec, uow, self.clock.now(), member, self.tools)
                enrolment = await resolve_enrolment(ctx, Args(spec, {"cohort": cohort} if cohort else {}))
                roadmap = await roadmaps.cohort_roadmap(ctx, enrolment.cohort)
                return [(step.number, step.title) for step in roadmap.steps]
        except (CommandError, StorageUnavailable):
            return []

    async def calendar(self, invocation: Invocation, cohort: str | None = None,
                       days: int = CALENDAR_DAYS) -> Calendar | None:
        """The off days of the caller's cohort (or the one named) from today for `days` days -- the cohort's
        holidays and non-study days, and, when the caller is in it, their rest and paused days -- with its
        holidays to come. None when no cohort applies. Not counted against the command limit (autocomplete)."""
        spec = BY_NAME["cohort holiday"]
        try:
            async with self._unit_of_work() as uow:
                member = await uow.members.find(invocation.platform, invocation.workspace, invocation.user_id)
                if member is None or member.id is None:
                    return None
                now = self.clock.now()
                ctx = Context(invocation, spec, uow, now, member, self.tools)
                found = await target_cohort(ctx, Args(spec, {"cohort": cohort} if cohort else {}))
                assert found.id is not None
                membership = await uow.memberships.get(found.id, member.id)
                if membership is None or not membership.active:  # the cohort's own off days only
                    membership = Membership(cohort_id=found.id, member_id=member.id, active=False)
                    member = replace(member, rest_days=rest_days())  # their rest days are not this cohort's
                    pauses = ()
                else:
                    pauses = tuple(await uow.pauses.for_member(member.id))
                enrolment = Enrolment(cohort=found, member=member, membership=membership, pauses=pauses)
        except (CommandError, StorageUnavailable):
            return None
        cohort_today = local_day(now, found.zone, found.rollover_hour)
        today = enrolment.local_date(now) if membership.active else cohort_today
        coming = (today + timedelta(days=offset) for offset in range(days))
        off = tuple(OffDay(day, reason) for day in coming if (reason := off_reason(enrolment, day)) is not None)
        return Calendar(cohort=found.name, cohort_today=cohort_today, today=today,
                        until=today + timedelta(days=days - 1), off=off,
                        holidays=tuple(h for h in found.holidays if h.end >= cohort_today))

    # --- the web pages (adapters/web): read-only, found only by their random slug or token ---
    async def cohort_page(self, slug: str, board: str = "streak") -> pages.CohortPage | None:
        await pages.work_out_board_first(self._unit_of_work, slug, board)
        async with self._unit_of_work() as uow:
            page = await pages.cohort_page(uow, self.tools.roadmaps, slug, board, self.clock.now())
            await uow.commit()  # a first streak board stores the board streaks it worked out
            return page

    async def member_page(self, token: str) -> pages.MemberPage | None:
        async with self._unit_of_work() as uow:
            return await pages.member_page(uow, self.tools.roadmaps, token, self.clock.now())

    async def member_calendar(self, token: str) -> pages.MemberCalendar | None:
        async with self._unit_of_work() as uow:
            return await pages.member_calendar(uow, self.tools.roadmaps, token, self.clock.now())

    async def cohort_calendar(self, slug: str) -> pages.CohortCalendar | None:
        async with self._unit_of_work() as uow:
            return await pages.cohort_calendar(uow, self.tools.roadmaps, slug, self.clock.now())

    async def _member(self, uow: UnitOfWork, invocation: Invocation) -> tuple[Member, Member]:
        """The person behind the invocation (the account holding their data) and the account itself."""
        name = shown_name(invocation)
        account = await uow.members.account(invocation.platform, invocation.workspace, invocation.user_id)
        if account is None:
            account = await uow.members.add(Member(platform=invocation.platform, workspace=invocation.workspace,
                                                   user_id=invocation.user_id, display_name=name))
        elif account.display_name != name:
            account.display_name = name
            await uow.members.rename(account.id or 0, name)
        if account.person_id is None:
            return account, account
        person = await uow.members.get(account.person_id)
        assert person is not None, "a linked account points at its holder"
        # Replies name the person as this platform knows them (saving the person never writes the name).
        return replace(person, display_name=account.display_name), account
