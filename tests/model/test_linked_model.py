"""Model-based test of linked accounts and bridged cohorts (issue 21), on real storage.

A hypothesis state machine drives the real `StudyBot` (with the real `Scheduler` and `Dispatcher` ticking as the
clock moves) over a SQLite file, and a throwaway Postgres database when STUDYBOT_TEST_POSTGRES_URL is set, with
five accounts: Alice on Discord (server g1, name "Alice"), on Slack (team T1, name "ali") and again on Discord in a
second server g2 (no home of the cohort there: she speaks there without a channel and sees no cohort, yet that
account may hold her person's data); Bob on Discord g1 ("Bob")
and on Slack T1 ("Abe"). One cohort, `grp`, is made in a Discord g1 channel (Europe/Berlin, so the clock crosses
Berlin's DST nights) and bridged into a Slack T1 channel. The rules: `link` (code from one account, `link CODE`
and `link CODE confirm:yes` from another, any two accounts: pairs that must fail fail with the error the issue
names; wrong codes, five an hour and then `slow_down` per account), `unlink PLATFORM`, `cohort join`/`leave` in
either home, `checkin` (also `yesterday:true`) from any account, `timezone set`, and the clock moved by minutes,
hours and days.

After every step the views are compared with a reference written from DESIGN.md and the issue (tests/model/
reference.py for local days and the streak walk; nothing of bot.localtime, bot.streaks or bot.ranking):
- the database holds one membership per person per cohort, only on the account that holds the person's data, and
  the person of every account is the one the model's links say;
- every account's `streak` equals the walk of its person's check-ins by local date (the merged history after a
  link; after an unlink each side's own recorded check-ins), with the person's zone (the issuer's after a link);
- `leaderboard week` / `leaderboard streak` in each home show each person once, under their name on that
  platform, with the model's numbers;
- the minutes of every (membership, local date) in the database equal the model's, and a check-in that would
  take a person's day past 960 minutes is refused (`too_many_minutes`);
- DMs of the scheduler: a person gets at most one reminder per cohort and local date while their accounts stay
  the same; a digest at most once per home channel and local date.

Where DESIGN.md and the issue are silent, the model follows the implementation, and says so (decisions):
- after `unlink`, the account that leaves gets back the settings of its own row (its zone from before the link);
  when the account holding the person's data leaves, it keeps the person (data, settings, memberships) and the
  other accounts leave it instead, each with what it recorded, staying one person together (the oldest holding it);
- after `unlink`, the account that leaves is a member of a cohort only where it recorded check-ins (then as
  active as the person's membership); the person keeps every membership;
- merging two memberships whose days add up to more than 960 minutes keeps every check-in (the issue: "check-ins
  are kept, days are combined"); the day is then over the cap, and later check-ins that day are refused.

Profiles as in test_model_based.py (STUDYBOT_MODEL_PROFILE=nightly, STUDYBOT_MODEL_EXAMPLES=N).
"""

from __future__ import annotations

import os
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import text

from adapters.console.clock import ConsoleClock
from adapters.console.timetravel import run_due_work
from bot.commands.context import Invocation, Toolkit
from bot.delivery import Dispatcher
from bot.ports import Destination
from bot.replies import Reply
from bot.scheduler import Scheduler
from bot.service import StudyBot
from bot.throttle import Throttle
from storage import Database
from tests.model import reference as ref
from tests.model.plumbing import Plumbing
from tests.model.test_model_based import PHASES, POSTGRES_ENV, postgres_url

COHORT = "grp"
COHORT_ZONE = "Europe/Berlin"
DAY_CAP = 960
ZONES = ("Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC")  # +14, -11: dates apart
STARTS = (  # a little before Berlin's DST nights (29 March, 25 October 2026), and a plain week
    datetime(2026, 3, 27, 20, 0, tzinfo=UTC), datetime(2026, 10, 23, 21, 0, tzinfo=UTC),
    datetime(2026, 6, 10, 8, 0, tzinfo=UTC))

# Deviations this test found, since fixed (the model holds the code to the rules; STUDYBOT_MODEL_STRICT=0 would
# tolerate them again, for bisecting): an unlinked account seeing a cohort not bridged into its workspace (it was
# the heir when its person's holder unlinked: the holder now keeps the person); a board naming a person with two
# accounts on its platform by the wrong one (`persons.names_on` now prefers the board's workspace); ties ordered by
# the holder's name rather than the name shown (the board now sorts after naming).
STRICT = os.environ.get("STUDYBOT_MODEL_STRICT", "1") == "1"
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
PROFILE = os.environ.get("STUDYBOT_MODEL_PROFILE", "ci")
_NIGHTLY = PROFILE == "nightly"
EXAMPLES = int(os.environ.get("STUDYBOT_MODEL_EXAMPLES", "300" if _NIGHTLY else "8"))
STEPS = 50 if _NIGHTLY else 25


@dataclass
class Account:
    platform: str
    workspace: str
    uid: str
    name: str
    channel: str | None  # the cohort's home in this workspace (None: the cohort has none here)
    zone: str | None = None  # this account's own row's zone setting (used while it holds its person's data)


def _accounts() -> list[Account]:
    return [Account("discord", "g1", "d-alice", "Alice", "d-study"),
            Account("slack", "T1", "U0ALICE", "ali", "C0STUDY"),
            Account("discord", "g1", "d-bob", "Bob", "d-study"),
            Account("slack", "T1", "U0BOB", "Abe", "C0STUDY"),
            Account("discord", "g2", "d-alice", "Alice", None)]  # the same Discord user in another server


@dataclass
class CheckIn:
    created: datetime
    day: date
    minutes: int
    recorder: int  # the account that typed it


@dataclass
class Membership:
    active: bool
    checkins: list[CheckIn] = field(default_factory=list)

    def by_day(self) -> dict[date, int]:
        found: dict[date, int] = {}
        for c in self.checkins:
            found[c.day] = found.get(c.day, 0) + c.minutes
        return found


@dataclass
class Sent:
    at: datetime
    platform: str
    workspace: str
    kind: str
    target: str
    data: dict[str, Any]


class Notifier:
    def __init__(self, platform: str, clock: ConsoleClock, sent: list[Sent]) -> None:
        self.platform, self.clock, self.sent = platform, clock, sent

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        self.sent.append(Sent(self.clock.now(), destination.platform, destination.workspace, destination.kind,
                              destination.target, dict(reply.data)))
        return f"linked-model-{len(self.sent)}"


class System:
    def __init__(self, url: str, start: datetime) -> None:
        self.url = url
        self.clock = ConsoleClock()
        self.clock.set(start)
        self.sent: list[Sent] = []
        self.notifiers = {p: Notifier(p, self.clock, self.sent) for p in ("discord", "slack", "console")}
        self.tools = Toolkit()
        self.database: Database | None = None

    async def boot(self) -> None:
        self.database = await Database.connect(self.url)
        self.bot = StudyBot(self.database.unit_of_work, self.clock, self.tools)
        self.bot.throttle = Throttle(limit=10**9)
        self.scheduler = Scheduler(self.database.unit_of_work, self.clock, roadmaps=self.tools.roadmaps)
        self.dispatcher = Dispatcher(self.database.unit_of_work, self.clock, self.notifiers, owner="linked-model")

    async def stop(self) -> None:
        if self.database is not None:
            await self.database.dispose()
            self.database = None

    async def command(self, account: Account, line: str, channel: str | None) -> Reply:
        invocation = Invocation(platform=account.platform, workspace=account.workspace, user_id=account.uid,
                                display_name=account.name, channel_id=channel,
                                idempotency_key=f"linked-model:{uuid.uuid4()}")
        return await self.bot.handle_text(invocation, line)

    async def advance(self, end: datetime) -> None:
        await run_due_work(self.scheduler, self.dispatcher, self.clock, self.clock.now(), end)
        self.clock.set(end)

    async def rows(self, sql: str) -> list[dict[str, Any]]:
        assert self.database is not None
        async with self.database.engine.connect() as connection:
            return [dict(row._mapping) for row in await connection.execute(text(sql))]


class Failure(AssertionError):
    pass


_FAILURES: dict[int, type[Failure]] = {}


class LinkedMachine(Plumbing, RuleBasedStateMachine):
    backend = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        # A real SQLite file, on tmpfs when there is one: the test checks rules, not the disk's fsync
        self.start_plumbing("studybot-linked-", SCRATCH)
        self.system: System | None = None
        self.accounts = _accounts()
        self.holder = list(range(len(self.accounts)))  # the account holding each account's person's data
        self.ms: dict[int, Membership] = {}  # the cohort's memberships, by the holding account
        self.rollover = 4
        self.target = 30
        self.checked = 0
        self.once: dict[tuple[Any, ...], Sent] = {}
        self.views = 0
        self.failures: dict[int, list[datetime]] = {}  # wrong codes typed, by account
        self.over_cap: list[str] = []  # days a merge took past the cap (a decision, see the docstring)

    # --- plumbing ---

    def fail(self, message: str) -> None:
        line = sys._getframe(1).f_lineno
        kind = _FAILURES.setdefault(line, type(f"LinkedFailureAtLine{line}", (Failure,), {}))
        raise kind(message + "\n--- steps ---\n" + "\n".join(self.log[-60:]))

    def who(self, i: int) -> str:
        a = self.accounts[i]
        return f"{a.name}@{a.platform}/{a.workspace}"

    def command(self, i: int, line: str, channel: str | None = None, *, quiet: bool = False) -> Reply:
        assert self.system is not None
        reply = self.run(self.system.command(self.accounts[i], line, channel))
        if not quiet:
            self.note(f"{self.who(i)}: {line} -> {reply.data.get('error', 'ok')}")
        return reply

    def expect_ok(self, reply: Reply, line: str) -> None:
        if "error" in reply.data:
            self.fail(f"`{line}` was refused: {reply.data['error']}: {reply.text}")

    def expect_error(self, reply: Reply, line: str, *codes: str) -> None:
        if reply.data.get("error") not in codes:
            self.fail(f"`{line}` should be refused with {' or '.join(codes)}: got {reply.data} ({reply.text})")

    def person(self, i: int) -> list[int]:
        return [a for a in range(len(self.accounts)) if self.holder[a] == self.holder[i]]

    def zone(self, i: int) -> ZoneInfo:
        return ZoneInfo(self.accounts[self.holder[i]].zone or COHORT_ZONE)

    def today(self, i: int) -> date:
        return ref.local_day(self.now, self.zone(i), self.rollover)

    def member(self, i: int) -> Membership | None:
        """The person's active membership, as account i sees it: a workspace without a home of the cohort does not
        see it (the issue: "a workspace still never sees another workspace's cohorts unless they are bridged")."""
        m = self.ms.get(self.holder[i])
        if self.accounts[i].channel is None:
            if not STRICT and len(self.person(i)) == 1 and m is not None and m.active:
                # A former deviation (see the comment above STRICT): an unlinked account that came to hold a cohort
                # with no home in its workspace (it was the heir when its person's holder unlinked) still sees it.
                self.note("(known deviation: an unlinked account sees a cohort not bridged into its workspace)")
                return m
            return None
        return m if m is not None and m.active else None

    def streak(self, i: int) -> ref.Streak:
        m = self.ms[self.holder[i]]
        return ref.walk(m.by_day(), self.target, lambda _day: False, self.today(i))

    # --- setting up ---

    @initialize(start=st.sampled_from(STARTS), rollover=st.sampled_from((4, 2, 3, 0)),
                sprint=st.sampled_from((30, 10)), issuer_slack=st.booleans(), split=st.booleans(),
                joins=st.lists(st.integers(0, 3), max_size=4))
    def boot(self, start: datetime, rollover: int, sprint: int, issuer_slack: bool, split: bool,
             joins: list[int]) -> None:
        """The cohort on Discord g1, Alice's Slack account linked to her Discord one (either issuing the code) and
        the cohort bridged into Slack T1 by it; then, maybe, unlinked again, and a few joins."""
        url = f"sqlite+aiosqlite:///{Path(self.tmp.name) / 'studybot.db'}"
        if self.backend == "postgres":
            url, self.drop_postgres = self.run(postgres_url())
        self.system = System(url, start)
        self.run(self.system.boot())
        self.log.append(f"start {start.isoformat()} on {self.backend}, rollover {rollover}, sprint {sprint}")
        self.rollover, self.target = rollover, sprint
        for i in range(len(self.accounts)):  # every account exists, in this order (the oldest heirs a person)
            self.expect_ok(self.command(i, "link status"), "link status")
        line = f"cohort create {COHORT} timezone:{COHORT_ZONE} rollover:{rollover} sprint:{sprint}"
        self.expect_ok(self.command(0, line, "d-study"), line)
        self.ms[0] = Membership(active=True)
        self.link(1 if issuer_slack else 0, 0 if issuer_slack else 1)
        reply = self.command(0, "cohort bridge", "d-study")
        self.expect_ok(reply, "cohort bridge")
        line = f"cohort bridge {reply.data['code']}"
        reply = self.command(1, line, "C0STUDY")
        self.expect_ok(reply, line)
        homes = sorted((h["platform"], h["workspace"], h["channel"]) for h in reply.data.get("homes", ()))
        if homes != [("discord", "g1", "d-study"), ("slack", "T1", "C0STUDY")]:
            self.fail(f"`cohort bridge` homes: {reply.data.get('homes')}")
        if split:
            self.unlink(0, 1)
        for i in joins:
            self.join(i)

    def ready(self) -> bool:
        return self.system is not None

    # --- links ---

    @rule(i=st.integers(0, 4), j=st.integers(0, 4), late=st.sampled_from((False, False, False, False, True)))
    def link(self, i: int, j: int, late: bool = False) -> None:
        """Account i asks for a code; account j types it, then confirms. `late`: j comes 11 minutes later."""
        if not self.ready() or i == j:
            return
        reply = self.command(i, "link")
        self.expect_ok(reply, "link")
        code = str(reply.data["code"])
        if late:
            self.move_clock(11)
            reply = self.command(j, f"link {code}")
            self.expect_error(reply, "link CODE (11 minutes later)", "code_expired")
            return
        holder, other = self.holder[i], self.holder[j]
        reply = self.command(j, f"link {code}")
        if self.slowed(j):
            self.expect_error(reply, "link CODE after five wrong codes in an hour", "slow_down")
            return
        if holder == other:
            self.expect_error(reply, "link CODE", "already_linked")
            return
        theirs, mine = self.person(i), self.person(j)
        if {self.place(a) for a in theirs} & {self.place(a) for a in mine}:
            self.expect_error(reply, "link CODE", "one_per_workspace")
            return
        self.expect_ok(reply, "link CODE")
        accounts = sorted(self.described(a) for a in theirs + mine)
        if reply.data.get("confirm_needed") is not True or sorted(
                tuple(sorted(a.items())) for a in reply.data.get("accounts", ())) != accounts:
            self.fail(f"`link CODE` should ask to confirm, naming {accounts}: {reply.data}")
        reply = self.command(j, f"link {code} confirm:yes")
        self.expect_ok(reply, "link CODE confirm:yes")
        if reply.data.get("linked") is not True or sorted(
                tuple(sorted(a.items())) for a in reply.data.get("accounts", ())) != accounts:
            self.fail(f"`link CODE confirm:yes` should link {accounts}: {reply.data}")
        both = holder in self.ms and other in self.ms
        if both and self.ms[holder].active and self.ms[other].active and reply.data.get("merged") != [COHORT]:
            self.fail(f"both were in {COHORT}: the memberships should merge: {reply.data}")
        if other not in self.ms and holder not in self.ms and reply.data.get("merged"):
            self.fail(f"nothing to merge, yet: {reply.data}")
        self.join_persons(holder, other)
        again = self.command(j, f"link {code} confirm:yes")  # single use
        self.expect_error(again, "link CODE confirm:yes (again)", "slow_down" if self.slowed(j) else "bad_code")
        if not self.slowed(j):
            self.failures.setdefault(j, []).append(self.now)

    def slowed(self, i: int) -> bool:
        """Five wrong codes typed by the account in the last hour (the issue: then `slow_down`)."""
        return sum(at >= self.now - timedelta(hours=1) for at in self.failures.get(i, ())) >= 5

    @rule(i=st.integers(0, 4), twice=st.booleans())
    def wrong_code(self, i: int, twice: bool) -> None:
        if not self.ready():
            return
        for _ in range(2 if twice else 1):
            line = "link ABCDE-FGH23"  # not a code given out (one in 31^10 that it is)
            reply = self.command(i, line)
            if self.slowed(i):
                self.expect_error(reply, line, "slow_down")
            else:
                self.expect_error(reply, line, "bad_code")
                self.failures.setdefault(i, []).append(self.now)

    def place(self, a: int) -> tuple[str, str]:
        return self.accounts[a].platform, self.accounts[a].workspace

    def described(self, a: int) -> tuple[tuple[str, str], ...]:
        acc = self.accounts[a]
        return tuple(sorted({"platform": acc.platform, "workspace": acc.workspace, "name": acc.name}.items()))

    def join_persons(self, holder: int, other: int) -> None:
        """The issue: the issuer keeps its settings; memberships of one cohort merge, check-ins kept."""
        for a in self.person(other):
            self.holder[a] = holder
        if other in self.ms:
            theirs = self.ms.pop(other)
            if holder in self.ms:
                mine = self.ms[holder]
                mine.checkins += theirs.checkins
                mine.active = mine.active or theirs.active
                for day, minutes in mine.by_day().items():
                    if minutes > DAY_CAP:
                        self.over_cap.append(f"{day}: {minutes} min after a merge")
                        self.note(f"(merge takes {day} to {minutes} min)")
            else:
                self.ms[holder] = theirs

    @rule(i=st.integers(0, 4), k=st.integers(0, 4))
    def unlink(self, i: int, k: int) -> None:
        """Account i unlinks the k-th account of its person (by platform, and workspace when it has two there)."""
        if not self.ready():
            return
        accounts = self.person(i)
        if len(accounts) == 1:
            self.expect_error(self.command(i, "unlink slack"), "unlink slack", "not_linked")
            return
        leaving = accounts[k % len(accounts)]
        platform, workspace = self.place(leaving)
        line = f"unlink {platform}"
        if sum(self.accounts[a].platform == platform for a in accounts) > 1:
            line += f" workspace:{workspace}"
        reply = self.command(i, line)
        self.expect_ok(reply, line)
        holder = self.holder[leaving]
        if leaving == holder:  # the holder keeps the person; the others leave with what they recorded, together
            others = sorted(a for a in accounts if a != leaving)
            m = self.ms.get(holder)
            theirs = [c for c in m.checkins if c.recorder in others] if m is not None else []
            if m is not None and theirs:
                m.checkins = [c for c in m.checkins if c.recorder not in others]
                self.ms[others[0]] = Membership(active=m.active, checkins=theirs)
            for a in others:
                self.holder[a] = others[0]
            return
        self.holder[leaving] = leaving
        m = self.ms.get(holder)
        if m is not None:
            own = [c for c in m.checkins if c.recorder == leaving]
            if own:
                m.checkins = [c for c in m.checkins if c.recorder != leaving]
                self.ms[leaving] = Membership(active=m.active, checkins=own)

    # --- the cohort ---

    @rule(i=st.integers(0, 4))
    def join(self, i: int) -> None:
        if not self.ready():
            return
        channel = self.accounts[i].channel
        line = f"cohort join {COHORT}"
        reply = self.command(i, line, channel)
        if channel is None:  # a workspace never sees another's cohorts unless bridged into it
            self.expect_error(reply, line, "unknown_cohort")
            return
        self.expect_ok(reply, line)
        holder = self.holder[i]
        m = self.ms.get(holder)
        if (m is not None and m.active) != (reply.data.get("joined") is False):
            self.fail(f"`{line}` of {self.who(i)} (member already: {m is not None and m.active}): {reply.data}")
        if m is None:
            self.ms[holder] = Membership(active=True)
        else:
            m.active = True

    @rule(i=st.integers(0, 3))
    def leave(self, i: int) -> None:
        if not self.ready():
            return
        line = f"cohort leave {COHORT}"
        reply = self.command(i, line, self.accounts[i].channel)
        m = self.member(i)
        if m is None:
            self.expect_error(reply, line, "not_member")
            return
        self.expect_ok(reply, line)
        m.active = False

    @rule(i=st.integers(0, 4), minutes=st.sampled_from((30, 10, 45, 120, 300, 600)), yesterday=st.booleans())
    def checkin(self, i: int, minutes: int, yesterday: bool) -> None:
        if not self.ready():
            return
        line = f"checkin {minutes}" + (" yesterday:true" if yesterday else "")
        reply = self.command(i, line, self.accounts[i].channel)
        m = self.member(i)
        if m is None:
            self.expect_error(reply, line, "not_member", "no_cohort")
            return
        today = self.today(i)
        day = today - timedelta(days=1) if yesterday else today
        logged = m.by_day().get(day, 0)
        if logged + minutes > DAY_CAP:
            self.expect_error(reply, f"{line} with {logged} min on {day}", "too_many_minutes")
            return
        self.expect_ok(reply, line)
        m.checkins.append(CheckIn(self.now, day, minutes, i))
        status = self.streak(i)
        expected = {"local_date": day.isoformat(), "minutes_today": logged + minutes, "streak": status.streak,
                    "longest": status.longest}
        got = {key: reply.data.get(key) for key in expected}
        if got != expected:
            self.fail(f"check-in reply of {self.who(i)}: got {got}, model says {expected}")

    @rule(i=st.integers(0, 4), zone=st.sampled_from(ZONES))
    def timezone(self, i: int, zone: str) -> None:
        if not self.ready():
            return
        line = f"timezone set {zone}"
        self.expect_ok(self.command(i, line), line)
        self.accounts[self.holder[i]].zone = zone

    # --- the clock ---

    def move_clock(self, minutes: int) -> None:
        assert self.system is not None
        end = self.now + timedelta(minutes=minutes)
        self.note(f"advance {minutes} min to {end:%Y-%m-%dT%H:%MZ}")
        self.run(self.system.advance(end))
        self.check_messages()

    @rule(minutes=st.one_of(st.integers(1, 180), st.integers(180, 1800), st.sampled_from((1440, 2880))))
    def advance(self, minutes: int) -> None:
        if self.ready():
            self.move_clock(minutes)

    @rule(hour=st.integers(0, 23))
    def advance_to(self, hour: int) -> None:
        """To the next hh:30 UTC (Berlin's DST nights change at 01:00 UTC; a rollover hour lands around them)."""
        if not self.ready():
            return
        target = self.now.replace(hour=hour, minute=30, second=0, microsecond=0)
        while target <= self.now:
            target += timedelta(days=1)
        self.move_clock(int((target - self.now) // timedelta(minutes=1)))

    def check_messages(self) -> None:
        assert self.system is not None
        fresh = self.system.sent[self.checked:]
        self.checked = len(self.system.sent)
        for sent in fresh:
            kind = sent.data.get("type")
            if kind == "reminder":
                index = next((a for a, acc in enumerate(self.accounts) if (acc.platform, acc.workspace, acc.uid)
                              == (sent.platform, sent.workspace, sent.target)), None)
                if index is None:
                    self.fail(f"a reminder to an account the model does not know: {sent}")
                    return
                identity: tuple[Any, ...] = ("reminder", frozenset(self.person(index)), sent.data.get("cohort"),
                                             sent.data.get("local_date"))
            elif kind == "digest":
                identity = ("digest", sent.platform, sent.workspace, sent.target, sent.data.get("local_date"))
            else:
                continue
            earlier = self.once.get(identity)
            if earlier is not None:
                self.fail(f"sent twice: {sent}; first at {earlier.at.isoformat()}")
            self.once[identity] = sent

    # --- invariants ---

    @invariant()
    def storage_matches_the_links(self) -> None:
        """One membership per person per cohort, held by the person's holding account; accounts point at it."""
        if not self.ready():
            return
        assert self.system is not None
        members = self.run(self.system.rows("SELECT id, platform, workspace, user_id, person_id FROM members"))
        by_place = {(r["platform"], r["workspace"], r["user_id"]): r for r in members}
        ids = [by_place[(a.platform, a.workspace, a.uid)]["id"] for a in self.accounts]
        for i, row in enumerate(by_place[(a.platform, a.workspace, a.uid)] for a in self.accounts):
            want = None if self.holder[i] == i else ids[self.holder[i]]
            if row["person_id"] != want:
                self.fail(f"{self.who(i)} points at member {row['person_id']}, the model at {want} "
                          f"({self.who(self.holder[i])})")
        rows = self.run(self.system.rows(
            "SELECT ms.member_id AS member_id, ms.active AS active, ms.id AS id FROM memberships ms "
            "JOIN cohorts c ON c.id = ms.cohort_id WHERE c.name = 'grp'"))
        seen = sorted(r["member_id"] for r in rows)
        if len(seen) != len(set(seen)):
            self.fail(f"two memberships of one account in {COHORT}: {rows}")
        got = {ids.index(r["member_id"]): bool(r["active"]) for r in rows}
        want_ms = {h: m.active for h, m in self.ms.items()}
        if got != want_ms:
            self.fail(f"memberships of {COHORT} (holder account: active): got {got}, model says {want_ms}")
        totals = self.run(self.system.rows(
            "SELECT ms.member_id AS member_id, k.local_date AS day, SUM(k.minutes) AS minutes FROM checkins k "
            "JOIN memberships ms ON ms.id = k.membership_id JOIN cohorts c ON c.id = ms.cohort_id "
            "WHERE c.name = 'grp' GROUP BY ms.member_id, k.local_date"))
        got_days = {(ids.index(r["member_id"]), _day(r["day"])): int(r["minutes"]) for r in totals}
        want_days = {(h, day): minutes for h, m in self.ms.items() for day, minutes in m.by_day().items()}
        if got_days != want_days:
            self.fail(f"minutes by (holder, local date): got {sorted(got_days.items())}, "
                      f"model says {sorted(want_days.items())}")

    @invariant()
    def views_match_the_model(self) -> None:
        if not self.ready():
            return
        for i, acc in enumerate(self.accounts):
            reply = self.command(i, "streak", acc.channel, quiet=True)
            m = self.member(i)
            if m is None:
                self.expect_error(reply, f"streak of {self.who(i)}", "not_member", "no_cohort")
                continue
            self.expect_ok(reply, f"streak of {self.who(i)}")
            today = self.today(i)
            status = self.streak(i)
            expected = {"streak": status.streak, "longest": status.longest, "freezes": status.freezes,
                        "today_done": status.today_done, "minutes_today": m.by_day().get(today, 0),
                        "local_date": today.isoformat()}
            got = {key: reply.data.get(key) for key in expected}
            if got != expected:
                self.fail(f"`streak` of {self.who(i)}: got {got}, model says {expected}")
        self.views += 1
        board = ("week", "streak")[self.views % 2]
        for i in ((0, 1)[self.views // 2 % 2],):  # one home a step, Discord g1 and Slack T1 in turn
            expected_rows = self.board(board, self.place(i))
            if expected_rows is None:
                continue
            reply = self.command(i, f"leaderboard {board}", self.accounts[i].channel, quiet=True)
            self.expect_ok(reply, f"leaderboard {board}")
            rows = reply.data.get("rows")
            other_name = self.board(board, self.place(i), by_platform=True)
            if not STRICT and rows != expected_rows and other_name is not None and rows == other_name:
                self.note(f"(known deviation: a person named by another workspace's account on {board}: {rows})")
                rows = expected_rows
            if not STRICT and isinstance(rows, list) and rows != expected_rows and other_name is not None and \
                    _tied(rows) in (_tied(expected_rows), _tied(other_name)):
                self.note(f"(known deviation: ties on the {board} board in the holders' names' order: {rows})")
                rows = expected_rows
            if rows != expected_rows:
                self.fail(f"`leaderboard {board}` on {self.accounts[i].platform}: got {rows}, "
                          f"model says {expected_rows}")

    def name_on(self, holder: int, where: tuple[str, str], by_platform: bool = False) -> str:
        """The person's display name where the board is shown: their account in that workspace, else on that
        platform, else the holding account's. (`by_platform`: the known deviation, the first account on the
        platform, the holder's first.)"""
        accounts = sorted(self.person(holder), key=lambda a: (a != holder, a))
        same = [a for a in accounts if self.place(a) == where and not by_platform]
        there = [a for a in accounts if self.accounts[a].platform == where[0]]
        return self.accounts[(same or there or [holder])[0]].name

    def board(self, board: str, where: tuple[str, str], by_platform: bool = False) -> list[dict[str, object]] | None:
        entries = []
        cohort_today = ref.local_day(self.now, ZoneInfo(COHORT_ZONE), self.rollover)
        first = ref.week_start(cohort_today)
        last = first + timedelta(days=6)
        for holder, m in sorted(self.ms.items()):
            if not m.active:
                continue
            name = self.name_on(holder, where, by_platform)
            if board == "streak":
                status = ref.walk(m.by_day(), self.target, lambda _day: False, self.today(holder))
                entries.append((name, status.streak, status.longest))
            else:
                by_day = m.by_day()
                if any(day > last for day in by_day):
                    return None  # a member ahead of the cohort's week: not stated, not compared
                entries.append((name, sum(v for d, v in by_day.items() if first <= d <= last), 0))
        return ref.competition_rows(entries)


def _tied(rows: list[dict[str, object]]) -> list[tuple[str, ...]]:
    """Rows with the order inside each rank's tie left out."""
    return sorted(tuple(str(row[key]) for key in ("rank", "name", "value")) for row in rows)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


TestLinkedOnSqlite = LinkedMachine.TestCase
TestLinkedOnSqlite.settings = settings(
    max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=not _NIGHTLY, phases=PHASES,
    database=None if not _NIGHTLY else settings.default.database,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much], print_blob=_NIGHTLY)


class PostgresLinkedMachine(LinkedMachine):
    backend = "postgres"


TestLinkedOnPostgres = pytest.mark.postgres(
    pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"needs {POSTGRES_ENV}")(
        PostgresLinkedMachine.TestCase))
TestLinkedOnPostgres.settings = settings(TestLinkedOnSqlite.settings, max_examples=max(4, EXAMPLES // 3))


# ----------------------------------------------------------------------------------------------------------
# Fixed sequences: the paths random sequences reach only now and then, run rule by rule with the invariants after
# every step, as hypothesis would; the model's checks decide pass or fail.

BERLIN_SPRING = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)  # the evening before Berlin's spring-forward (29 March)


def _play(*steps: Any, start: datetime = BERLIN_SPRING, rollover: int = 2, issuer_slack: bool = False,
          split: bool = True, joins: tuple[int, ...] = ()) -> LinkedMachine:
    state = LinkedMachine()
    try:
        state.boot(start, rollover, 30, issuer_slack, split, list(joins))
        state.storage_matches_the_links()
        state.views_match_the_model()
        for step in steps:
            step(state)
            state.storage_matches_the_links()
            state.views_match_the_model()
        return state
    finally:
        state.teardown()


def test_merge_across_the_dst_night_walks_the_merged_history() -> None:
    """Alice checks in on Discord and, as another person, on Slack, on overlapping days across Berlin's
    spring-forward night (rollover 02:00, the hour that night skips); linking merges the two memberships and the
    streak is walked again from the merged days; unlinking gives each side its own again."""
    state = _play(lambda s: s.join(1), lambda s: s.join(2),
                  lambda s: s.checkin(0, 30, False), lambda s: s.checkin(1, 10, False),
                  lambda s: s.advance_to(0), lambda s: s.advance_to(1),  # 02:00 -> 03:00 Berlin at 01:00 UTC
                  lambda s: s.checkin(1, 30, False), lambda s: s.checkin(0, 10, True),
                  lambda s: s.advance(1440), lambda s: s.checkin(1, 45, False),
                  lambda s: s.link(1, 0), lambda s: s.checkin(0, 30, False), lambda s: s.advance(1440),
                  lambda s: s.checkin(1, 30, False), lambda s: s.unlink(0, 0), lambda s: s.advance(600),
                  lambda s: s.checkin(0, 30, False), lambda s: s.link(0, 1), lambda s: s.unlink(1, 1))
    assert state.holder == [0, 1, 2, 3, 4]


def test_merge_of_two_full_days_and_the_cap() -> None:
    """Two accounts of one person at 600 minutes each on one day: linking keeps every check-in (the day then
    holds 1200 minutes, over the cap: see the docstring's decisions) and any further check-in that day is refused."""
    state = _play(lambda s: s.join(1), lambda s: s.checkin(0, 600, False), lambda s: s.checkin(1, 600, False),
                  lambda s: s.checkin(1, 600, False), lambda s: s.link(0, 1), lambda s: s.checkin(1, 10, False),
                  lambda s: s.checkin(0, 10, True), lambda s: s.unlink(1, 1), lambda s: s.checkin(1, 300, False))
    assert state.over_cap


def test_the_holder_unlinks_and_the_heir_keeps_the_person() -> None:
    """Bob links his Slack account (Kiritimati, +14) to his Discord one (Pago Pago, -11), which issues the code and
    so keeps its zone; he checks in from both, then unlinks Discord: the Slack account keeps the person's settings
    and membership, the Discord account what it recorded."""
    _play(lambda s: s.join(2), lambda s: s.join(3), lambda s: s.timezone(2, "Pacific/Pago_Pago"),
          lambda s: s.timezone(3, "Pacific/Kiritimati"), lambda s: s.checkin(3, 30, False), lambda s: s.link(2, 3),
          lambda s: s.checkin(3, 30, False), lambda s: s.checkin(2, 45, False), lambda s: s.advance(1500),
          lambda s: s.checkin(3, 30, True), lambda s: s.unlink(3, 0), lambda s: s.checkin(2, 30, False),
          lambda s: s.timezone(3, "Asia/Tokyo"), lambda s: s.advance(2000), lambda s: s.checkin(3, 30, False))


def test_five_wrong_codes_slow_an_account_down_for_an_hour() -> None:
    """Five wrong codes from Bob's Slack account in an hour: then even a good code is refused (`slow_down`) from
    that account; an hour after the first ones, linking works (three wrong ones are left in the hour)."""
    state = _play(lambda s: s.join(2), lambda s: s.wrong_code(3, True), lambda s: s.advance(20),
                  lambda s: s.wrong_code(3, True), lambda s: s.wrong_code(3, False), lambda s: s.link(2, 3),
                  lambda s: s.advance(41), lambda s: s.link(2, 3), lambda s: s.link(3, 2))
    assert state.holder[3] == 2
