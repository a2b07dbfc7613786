"""Model-based test of focus rooms on real storage (issue 17): a hypothesis state machine drives the real
`StudyBot` (its `focus` desk and `checkin`) and `Scheduler` over a real SQLite file and a real Postgres database
(the `database_url` fixture), with a simulated clock, through random sequences of voice events in a plain and a
`video:on` room (join, move, leave, deafen, camera), voice changes the bot never hears of, clock moves of minutes
to hours across rollovers and a DST night (the cohort in Europe/Berlin or America/New_York, one member in the
other zone), `checkin N` commands pressing against the day cap, heartbeats, restarts (a new process reconciling
with `start_missing`), scheduler ticks (the idle guard) and answers to "Still studying?", and the plain room
removed and added back.

A small reference written here from the issue's rules (not from bot/focus.py) predicts every session (who, where,
when it started, when and why it ended), every check-in (per member, local day and key) and every DM; the local
day of an instant comes from dateutil's zone data and arithmetic written here, not bot/localtime. After every step:
the recorded check-ins equal the reference's, no local day holds more than 960 minutes, no member has more than
one open session, and every ended session of 5 whole minutes or more has exactly one `focus_end` outbox row (and
one `focus_check` row per time it was asked).

Where the issue is silent the model follows bot/focus.py's documented choices, and says so at each place: a
snapshot leaves alone a session seen at its own instant or later (a voice event newer than the snapshot), and an
ended session's whole minutes are counted from its start, each on the local day in which it ends. Each run
prints how often it met each rule and fails if a rule it names (REACHED) was never met, so a change to the
sequences cannot quietly stop testing the cap, the rollover split or the DST night. Run time: about 25 s on
SQLite and 20 s on Postgres on two shared cores.

Each example runs in a workspace of its own on the one database the fixture gives (ids are never reused, so
session keys cannot collide); at its end the cohort is removed, which takes its rooms and sessions with it.

STUDYBOT_FOCUS_MODEL_EXAMPLES=N sets the number of examples (default 30 on SQLite, 12 on Postgres);
STUDYBOT_FOCUS_MODEL_SHRINK=1 shrinks a failing sequence (off by default: it can take minutes on a database).

Found while writing it: removing a focus room deletes its sessions, ended ones too (focus_sessions.room_id cascades),
so a member answering "Still studying?" for a session ended by the removal is told "That question was not for
you" rather than that the session ended; the model expects exactly that (see `answer`)."""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dateutil import tz as dateutil_tz
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import text

from bot.clock import SimulatedClock
from bot.commands.context import Invocation, Toolkit
from bot.domain import VoicePresence
from bot.replies import Reply
from bot.scheduler import Scheduler
from bot.service import StudyBot
from bot.throttle import Throttle
from storage import Database
from tests.model.test_model_based import _instant

PLATFORM = "test"
USERS = ("ann", "ben")
HALL, CAM, LOUNGE = "hall", "cam", "lounge"  # a plain focus room, a video:on one, a voice channel that is neither
MOVES = (HALL, None, CAM, HALL, LOUNGE, None)  # where a move goes: the rooms, often; out of voice, often
ZONES = ("Europe/Berlin", "America/New_York")
STARTS = (  # an hour or two before a DST night: Berlin 29 Mar / 25 Oct 2026 (01:00 UTC), New York 8 Mar (07:00 UTC)
    # and 1 Nov 2026 (06:00 UTC); with rollover 2 or 3 Berlin's day ends in the jump or the repeated hour
    datetime(2026, 3, 28, 23, 30, tzinfo=UTC), datetime(2026, 10, 24, 23, 0, tzinfo=UTC),
    datetime(2026, 3, 8, 5, 30, tzinfo=UTC), datetime(2026, 11, 1, 4, 30, tzinfo=UTC))
CAP = 960
MIN_MINUTES = 5
IDLE_AFTER = timedelta(minutes=60)
ANSWER_WITHIN = timedelta(minutes=10)
MINUTE = timedelta(minutes=1)
TINY = timedelta(microseconds=1)
EXAMPLES = int(os.environ.get("STUDYBOT_FOCUS_MODEL_EXAMPLES", "30"))
STEPS = 40
# Shrinking a sequence over a real database can take minutes; the failure message lists the steps anyway.
# STUDYBOT_FOCUS_MODEL_SHRINK=1 shrinks.
PHASES = tuple(phase for phase in Phase
               if phase is not Phase.shrink or os.environ.get("STUDYBOT_FOCUS_MODEL_SHRINK") == "1")
SEEN: Counter[str] = Counter()  # what the examples went through, to show (and require) that the rules were reached
STEPS_TAKEN: Counter[str] = Counter()


def event(what: str) -> None:
    SEEN[what] += 1


STEPS_WEIGHTED = (*["move"] * 6, *["advance"] * 5, *["run"] * 3, *["deafen"] * 3, *["camera"] * 3,
                  *["checkin"] * 4, *["slip_away"] * 2, *["heartbeat"] * 2, "restart", *["tick"] * 5,
                  *["answer"] * 3, "toggle_hall", "blip")


# --- the oracle: local days ---------------------------------------------------------------------------------------


def local_day(instant: datetime, zone: str, rollover: int) -> date:
    """The study day an instant belongs to: its wall time in `zone` (dateutil's zone data) less the rollover hour.
    A day D owns the wall times from r:00 on D up to r:00 on D+1."""
    offset = instant.astimezone(dateutil_tz.gettz(zone)).utcoffset()
    assert offset is not None
    wall = instant.astimezone(UTC).replace(tzinfo=None) + offset
    return (wall - timedelta(hours=rollover)).date()


# --- the reference ----------------------------------------------------------------------------------------------


@dataclass
class Presence:
    channel: str | None = None
    deafened: bool = False
    video: bool = False


@dataclass
class RefSession:
    user: str
    room: str
    started: datetime
    seen: datetime
    confirmed: datetime
    asked: datetime | None = None
    id: int | None = None
    ended: datetime | None = None
    reason: str | None = None
    minutes: int = 0
    whole: int = 0
    asks: int = 0
    gone: bool = False  # its room was removed: the room's sessions (ended) went with it


@dataclass
class Reference:
    zones: dict[str, str]
    rollover: int
    rooms: dict[str, bool] = field(default_factory=lambda: {HALL: False, CAM: True})  # active room -> video only
    presence: dict[str, Presence] = field(default_factory=lambda: {user: Presence() for user in USERS})
    open: dict[str, RefSession] = field(default_factory=dict)
    ended: list[RefSession] = field(default_factory=list)
    totals: dict[tuple[str, date], int] = field(default_factory=dict)  # (user, local day) -> minutes
    focus_keys: dict[str, tuple[str, date, int]] = field(default_factory=dict)  # key -> (user, day, minutes)

    def counts(self, presence: Presence) -> bool:
        return (presence.channel in self.rooms and not presence.deafened
                and (presence.video or not self.rooms[presence.channel]))

    def today(self, user: str, now: datetime) -> date:
        return local_day(now, self.zones[user], self.rollover)

    def start(self, user: str, now: datetime) -> None:
        channel = self.presence[user].channel
        assert channel is not None
        self.open[user] = RefSession(user, channel, now, now, now)

    def end(self, session: RefSession, at: datetime, reason: str) -> None:
        """Whole minutes from the start, each counted on the local day it ends in; 5 or more are recorded, day
        by day, as much as the day's cap leaves."""
        del self.open[session.user]
        at = max(at, session.started)
        session.ended, session.reason = at, reason
        session.whole = int((at - session.started).total_seconds() // 60)
        event(f"session ended: {reason}")
        if session.whole < MIN_MINUTES:
            if session.whole:
                event("a session under 5 minutes")
            self.ended.append(session)
            return
        parts: dict[date, int] = {}
        for n in range(session.whole):
            day = local_day(session.started + (n + 1) * MINUTE - TINY, self.zones[session.user], self.rollover)
            parts[day] = parts.get(day, 0) + 1
        assert session.id is not None
        if len(parts) > 1:
            event("a session split at the rollover")
        if self._dst_between(session.started, at, self.zones[session.user]):
            event("a session across a DST change")
        for day in sorted(parts):
            held = self.totals.get((session.user, day), 0)
            taken = min(parts[day], CAP - held)
            if taken < parts[day]:
                event("a session part held back by the day cap")
            if taken > 0:
                self.totals[(session.user, day)] = held + taken
                self.focus_keys[f"focus:{session.id}:{day.isoformat()}"] = (session.user, day, taken)
                session.minutes += taken
        self.ended.append(session)

    @staticmethod
    def _dst_between(start: datetime, end: datetime, zone: str) -> bool:
        tzinfo = dateutil_tz.gettz(zone)
        return start.astimezone(tzinfo).utcoffset() != end.astimezone(tzinfo).utcoffset()

    def voice_event(self, user: str, now: datetime) -> None:
        presence, running = self.presence[user], self.open.get(user)
        if running is not None:
            if presence.channel == running.room and self.counts(presence):
                running.seen = now
                return
            reason = ("left" if presence.channel != running.room else "deafened" if presence.deafened
                      else "video_off")
            self.end(running, now, reason)
        if self.counts(presence):
            self.start(user, now)

    def snapshot(self, now: datetime, *, start_missing: bool) -> None:
        for user, running in sorted(self.open.items(), key=lambda item: item[1].id or 0):
            presence = self.presence[user]
            if presence.channel == running.room and self.counts(presence):
                running.seen = now
            elif running.seen < now:  # seen at the snapshot's instant or later: a voice event newer than the
                # snapshot says more than it (bot/focus.py's rule since 9e17559; the issue does not say)
                self.end(running, running.seen, "not_seen")
        if start_missing:
            for user in USERS:
                if user not in self.open and self.counts(self.presence[user]):
                    self.start(user, now)

    def idle_guard(self, now: datetime) -> None:
        for running in list(self.open.values()):
            if running.asked is not None and running.asked <= now - ANSWER_WITHIN:
                self.end(running, running.confirmed, "idle")
            elif running.asked is None and running.confirmed <= now - IDLE_AFTER:
                running.asked = now
                running.asks += 1

    def remove_room(self, room: str, now: datetime) -> None:
        for running in [s for s in self.open.values() if s.room == room]:
            self.end(running, now, "room_removed")
        for session in self.ended:
            session.gone = session.gone or session.room == room
        del self.rooms[room]


# --- the machine ------------------------------------------------------------------------------------------------


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


class FocusMachine(RuleBasedStateMachine):
    url: str = ""
    loop: asyncio.AbstractEventLoop

    def __init__(self) -> None:
        super().__init__()
        self.workspace = f"focus-{uuid.uuid4().hex[:10]}"
        self.database: Database | None = None
        self.clock = SimulatedClock(STARTS[0])
        self.tools = Toolkit()
        self.ref = Reference({user: ZONES[0] for user in USERS}, 4)
        self.log: list[str] = []
        self.keys = 0
        self.steps = 0

    # --- plumbing ---

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def note(self, line: str) -> None:
        self.log.append(f"{self.now:%Y-%m-%dT%H:%MZ} {line}")

    def check(self, ok: bool, message: str) -> None:
        if not ok:
            raise AssertionError(message + "\n--- steps ---\n" + "\n".join(self.log[-50:]))

    async def boot(self) -> None:
        self.database = await Database.connect(self.url)
        self.bot = StudyBot(self.database.unit_of_work, self.clock, self.tools)
        self.bot.throttle = Throttle(limit=10**9)

    async def say(self, user: str, line: str) -> Reply:
        self.keys += 1
        invocation = Invocation(platform=PLATFORM, workspace=self.workspace, user_id=user, display_name=user,
                                channel_id="general", idempotency_key=f"{self.workspace}:{self.keys}")
        return await self.bot.handle_text(invocation, line)

    async def ok(self, user: str, line: str) -> Reply:
        reply = await self.say(user, line)
        assert not reply.is_error, f"{line!r} was refused: {reply.data} {reply.text}"
        return reply

    async def rows(self, sql: str) -> list[dict[str, Any]]:
        assert self.database is not None
        async with self.database.engine.connect() as connection:
            result = await connection.execute(text(sql), {"p": PLATFORM, "w": self.workspace})
            return [dict(row._mapping) for row in result]

    def teardown(self) -> None:
        if self.database is None:
            return
        try:
            self.run(self.ok("org", "cohort remove club confirm:club"))
            left = self.run(self.rows("SELECT r.id FROM focus_rooms r WHERE r.workspace = :w"))
            assert left == [], left
        finally:
            self.run(self.database.dispose())

    def voice(self, user: str) -> None:
        presence = self.ref.presence[user]
        assert self.database is not None
        self.run(self.bot.focus.voice_changed(PLATFORM, self.workspace, VoicePresence(
            user, presence.channel, deafened=presence.deafened, video=presence.video)))
        self.ref.voice_event(user, self.now)

    def snapshot(self, *, start_missing: bool) -> None:
        presences = [VoicePresence(user, p.channel, deafened=p.deafened, video=p.video)
                     for user, p in self.ref.presence.items() if p.channel in self.ref.rooms]
        self.run(self.bot.focus.voice_snapshot(PLATFORM, self.workspace, presences, start_missing=start_missing))
        self.ref.snapshot(self.now, start_missing=start_missing)

    # --- rules ---

    @initialize(start=st.sampled_from(STARTS), cohort_zone=st.sampled_from(ZONES),
                rollover=st.sampled_from([0, 2, 3, 4]), full=st.booleans(), studying=st.booleans())
    def setup(self, start: datetime, cohort_zone: str, rollover: int, full: bool, studying: bool) -> None:
        """`full`: ann has logged 900 minutes today already (a session of hers meets the cap within the hour);
        `studying`: she is in the plain room from the start (so sessions often run across the DST night)."""
        other = ZONES[1 - ZONES.index(cohort_zone)]
        self.clock.set(start)
        self.ref = Reference({"ann": cohort_zone, "ben": other}, rollover)
        self.run(self.boot())
        self.run(self.ok("org", f"cohort create club timezone:{cohort_zone} rollover:{rollover}"))
        self.run(self.ok("org", f"cohort focusroom add #{HALL}"))
        self.run(self.ok("org", f"cohort focusroom add #{CAM} video:on"))
        self.ref.rooms = {HALL: False, CAM: True}
        for user in USERS:
            self.run(self.ok(user, "cohort join club"))
        self.run(self.ok("ben", f"timezone set {other}"))
        self.note(f"cohort in {cohort_zone}, ben in {other}, rollover {rollover}")
        if full:
            self.checkin("ann", 600)
            self.checkin("ann", 300)
        if studying:
            self.move("ann", HALL, heard=True)

    def move(self, user: str, channel: str | None, heard: bool, video: bool = False) -> None:
        presence = self.ref.presence[user]
        if channel == CAM and presence.channel != CAM:
            presence.video = video  # camera on as they come in, or not
        presence.channel = channel
        if channel is None:
            presence.deafened = presence.video = False
        self.note(f"{user} -> {channel}" + ("" if heard else " (unheard)"))
        if heard:
            self.voice(user)

    def deafen(self, user: str, heard: bool) -> None:
        deafened = self.ref.presence[user].deafened = not self.ref.presence[user].deafened
        self.note(f"{user} deafened={deafened}" + ("" if heard else " (unheard)"))
        if heard:
            self.voice(user)

    def camera(self, user: str, heard: bool) -> None:
        video = self.ref.presence[user].video = not self.ref.presence[user].video
        self.note(f"{user} video={video}" + ("" if heard else " (unheard)"))
        if heard:
            self.voice(user)

    def advance(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        self.note(f"+{minutes} min")

    def checkin(self, user: str, minutes: int) -> None:
        day = self.ref.today(user, self.now)
        held = self.ref.totals.get((user, day), 0)
        reply = self.run(self.say(user, f"checkin {minutes}"))
        self.note(f"{user} checkin {minutes} (day {day} held {held})")
        if held + minutes > CAP:
            event("checkin refused: the day is full")
            self.check(reply.data.get("error") == "too_many_minutes",
                       f"checkin {minutes} on a day holding {held}: expected too_many_minutes, got {reply.text}")
            return
        self.check(not reply.is_error, f"checkin {minutes} on a day holding {held} refused: {reply.text}")
        self.ref.totals[(user, day)] = held + minutes

    def blip(self, user: str, minutes: int) -> None:
        """In the plain room for a few minutes, and out (sessions either side of the 5-minute minimum)."""
        self.move(user, HALL, heard=True)
        self.sessions_match()  # checks, and learns the new session's id
        self.advance(minutes)
        self.move(user, None, heard=True)

    def slip_away(self, user: str, beat_after: int | None = None) -> None:
        """They leave voice, and the bot misses the event (a gateway hiccup, or the bot was down); with `beat_after`,
        the next heartbeat comes that many minutes later (what ends a missed leave; left to chance, it came too
        rarely for every run to meet it)."""
        if user not in self.ref.open and self.ref.open:  # someone whose leave, missed, matters
            user = sorted(self.ref.open)[0]
        self.move(user, None, heard=False)
        if beat_after is not None:
            self.advance(beat_after)
            self.heartbeat()

    def run_ticking(self, minutes: int) -> None:
        """Time passing with the process up: a tick every 10 minutes (the idle guard's pace in production is a
        minute; ten keep the example fast and still end an unanswered session within the next tick)."""
        for _ in range(minutes // 10):
            self.clock.advance(minutes=10)
            self.tick()

    def heartbeat(self) -> None:
        self.note("heartbeat")
        self.snapshot(start_missing=False)

    def restart(self, downtime: int) -> None:
        assert self.database is not None
        self.run(self.database.dispose())
        self.database = None
        self.clock.advance(minutes=downtime)
        self.run(self.boot())
        self.note(f"restart after {downtime} min down")
        self.snapshot(start_missing=True)

    def tick(self) -> None:
        assert self.database is not None
        self.run(Scheduler(self.database.unit_of_work, self.clock).tick())
        self.ref.idle_guard(self.now)
        self.note("tick")

    def answer(self, user: str) -> None:
        running = self.ref.open.get(user)
        last = running or next((s for s in reversed(self.ref.ended) if s.user == user), None)
        if last is None or last.id is None:
            return
        reply = self.run(self.bot.focus.confirm(PLATFORM, user, last.id))
        self.note(f"{user} answers for session {last.id}")
        if last.gone:  # the session row went with its room: over, whoever asks
            self.check(reply.data.get("confirmed") is False and "error" not in reply.data,
                       f"answer for {last.id}: {reply.data}")
            return
        self.check(reply.data.get("confirmed") is (running is not None), f"answer for {last.id}: {reply.data}")
        if running is not None:
            running.confirmed, running.asked, running.seen = self.now, None, max(running.seen, self.now)

    def toggle_hall(self) -> None:
        if HALL in self.ref.rooms:
            self.run(self.ok("org", f"cohort focusroom remove #{HALL}"))
            self.ref.remove_room(HALL, self.now)
            self.note("hall removed")
        else:
            self.run(self.ok("org", f"cohort focusroom add #{HALL}"))
            self.ref.rooms[HALL] = False
            self.note("hall added back")

    # One rule that picks the step, weighted, with its arguments from a Random seeded by hypothesis (each example
    # is reproducible; derandomized runs are the same every time). Separate rules with hypothesis's own draws went
    # astray in a few dozen examples: each rule gets an equal chance, a random subset of rules is off per example
    # (swarm testing), and draws lean to the first choice, so few sessions ended at all.
    @rule(seed=st.integers(0, 2**32 - 1))
    def step(self, seed: int) -> None:
        self.steps += 1
        rnd = random.Random(f"{seed}:{self.steps}")  # uniform choices (hypothesis's own lean to the first)
        name = rnd.choice(STEPS_WEIGHTED)
        user = rnd.choice(USERS)
        heard = rnd.random() < 0.75
        kwargs: dict[str, Any] = {
            "move": lambda: {"user": user, "channel": rnd.choice(MOVES), "heard": heard, "video": rnd.random() < 0.6},
            "deafen": lambda: {"user": user, "heard": heard},  # toggles
            "camera": lambda: {"user": user, "heard": heard},  # toggles
            "slip_away": lambda: {"user": user, "beat_after": rnd.choice([None, rnd.randint(1, 30)])},
            "advance": lambda: {"minutes": rnd.choice([rnd.randint(1, 300), rnd.randint(1, 8), rnd.randint(1, 8),
                                                        25, 45, 61, 70, 120, 240])},
            "checkin": lambda: {"user": user, "minutes": rnd.choice([300, 450, 600, rnd.randint(1, 120)])},
            "restart": lambda: {"downtime": rnd.randint(0, 120)},
            "run": lambda: {"minutes": rnd.choice([10, 30, 60, 70, 80, 90])},
            "answer": lambda: {"user": user},
            "blip": lambda: {"user": user, "minutes": rnd.randint(1, 6)},
        }.get(name, dict)()
        STEPS_TAKEN[name] += 1
        getattr(self, "run_ticking" if name == "run" else name)(**kwargs)

    # --- invariants ---

    @invariant()
    def sessions_match(self) -> None:
        if self.database is None:
            return
        rows = self.run(self.rows(
            "SELECT s.id, m.user_id, r.channel_id, s.started_at, s.ended_at, s.end_reason, s.minutes "
            "FROM focus_sessions s JOIN members m ON m.id = s.member_id JOIN focus_rooms r ON r.id = s.room_id "
            "WHERE m.platform = :p AND m.workspace = :w"))
        running = [row for row in rows if row["ended_at"] is None]
        users = [row["user_id"] for row in running]
        self.check(len(users) == len(set(users)), f"more than one open session for a member: {running}")
        found = {row["user_id"]: (row["channel_id"], _instant(row["started_at"])) for row in running}
        expected = {user: (s.room, s.started) for user, s in self.ref.open.items()}
        self.check(found == expected, f"open sessions {found}, expected {expected}")
        for row in running:
            session = self.ref.open[row["user_id"]]
            if session.id is None:
                session.id = row["id"]
            self.check(session.id == row["id"], f"open session of {row['user_id']} is {row['id']}, not {session.id}")
        ended = {s.id: s for s in self.ref.ended}
        for row in rows:
            if row["ended_at"] is None:
                continue
            session = ended.get(row["id"])
            self.check(session is not None, f"session {row} ended, the reference did not end it")
            assert session is not None
            got = (_instant(row["ended_at"]), row["end_reason"], row["minutes"])
            self.check(got == (session.ended, session.reason, session.minutes),
                       f"session {row['id']} ended {got}, expected {(session.ended, session.reason, session.minutes)}")

    @invariant()
    def checkins_match(self) -> None:
        if self.database is None:
            return
        rows = self.run(self.rows(
            "SELECT m.user_id, c.local_date, c.minutes, c.idempotency_key, c.source FROM checkins c "
            "JOIN members m ON m.id = c.member_id WHERE m.platform = :p AND m.workspace = :w AND m.user_id <> 'org'"))
        totals: dict[tuple[str, date], int] = {}
        focus_keys: dict[str, tuple[str, date, int]] = {}
        for row in rows:
            day = _day(row["local_date"])
            totals[(row["user_id"], day)] = totals.get((row["user_id"], day), 0) + row["minutes"]
            if row["source"] == "focus":
                focus_keys[row["idempotency_key"]] = (row["user_id"], day, row["minutes"])
        over = {key: minutes for key, minutes in totals.items() if minutes > CAP}
        self.check(not over, f"days over {CAP}: {over}")
        self.check(focus_keys == self.ref.focus_keys,
                   f"focus check-ins {sorted(focus_keys.items())}\nexpected {sorted(self.ref.focus_keys.items())}")
        self.check(totals == self.ref.totals, f"day totals {sorted(totals.items())}\n"
                                              f"expected {sorted(self.ref.totals.items())}")

    @invariant()
    def one_dm_per_recorded_session(self) -> None:
        if self.database is None:
            return
        rows = self.run(self.rows("SELECT key, kind FROM outbox WHERE platform = :p AND workspace = :w "
                                  "AND kind IN ('focus_end', 'focus_check')"))
        ends = sorted(row["key"] for row in rows if row["kind"] == "focus_end")
        expected = sorted(f"focus:{s.id}" for s in self.ref.ended if s.whole >= MIN_MINUTES)
        self.check(ends == expected, f"focus_end DMs {ends}, expected {expected}")
        asks: dict[int, int] = {}
        for row in rows:
            if row["kind"] == "focus_check":
                session_id = int(row["key"].split(":")[1])
                asks[session_id] = asks.get(session_id, 0) + 1
        wanted = {s.id: s.asks for s in [*self.ref.ended, *self.ref.open.values()] if s.asks}
        self.check(asks == wanted, f"focus_check DMs per session {asks}, expected {wanted}")


def _run_machine(url: str, examples: int) -> None:
    loop = asyncio.new_event_loop()
    try:
        machine = type("FocusOn", (FocusMachine,), {"url": url, "loop": loop})
        run_state_machine_as_test(machine, settings=settings(
            max_examples=examples, stateful_step_count=STEPS, deadline=None, derandomize=True, database=None,
            phases=PHASES,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    finally:
        loop.close()


# A missed leave ended by a later heartbeat ("session ended: not_seen") comes about once a run, too rarely to require
# here; tests/unit/test_focus_rooms.py and tests/e2e/discord/test_focus_rooms.py drive it on purpose.
REACHED = ("a session under 5 minutes", "session ended: left", "session ended: deafened",
           "session ended: video_off", "session ended: idle",
           "session ended: room_removed", "a session split at the rollover",
           "a session across a DST change", "a session part held back by the day cap",
           "checkin refused: the day is full")


def test_focus_rooms_follow_the_rules(database_url: str) -> None:
    examples = EXAMPLES if database_url.startswith("sqlite") else max(4, EXAMPLES * 2 // 5)
    SEEN.clear()
    STEPS_TAKEN.clear()
    began = time.monotonic()
    _run_machine(database_url, examples)
    print(f"{examples} examples in {time.monotonic() - began:.1f}s:", dict(sorted(SEEN.items())),
          dict(sorted(STEPS_TAKEN.items())))
    if examples >= EXAMPLES:  # the sequences are derandomized: the full run reaches every rule
        assert not [what for what in REACHED if not SEEN[what]], dict(SEEN)
