"""Time travel over the scheduler and the dispatcher with the in-memory store and a simulated clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.console.timetravel import run_due_work
from bot.delivery import Dispatcher, RateLimiter, RatePolicy
from bot.domain import OutboxMessage, OutboxStatus
from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply
from bot.scheduler import Scheduler
from tests.unit.conftest import Harness


class RecordingNotifier:
    platform = "test"

    def __init__(self) -> None:
        self.sent: list[tuple[datetime, Destination, Reply]] = []
        self.failures: list[DeliveryFailed] = []
        self.clock = None

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        if self.failures:
            raise self.failures.pop(0)
        assert self.clock is not None
        self.sent.append((self.clock.now(), destination, reply))
        return str(len(self.sent))

    def of_type(self, kind: str) -> list[tuple[datetime, Destination, Reply]]:
        return [item for item in self.sent if item[2].data.get("type") == kind]


class World:
    def __init__(self, h: Harness) -> None:
        self.h = h
        self.notifier = RecordingNotifier()
        self.notifier.clock = h.clock
        self.scheduler = Scheduler(h.store.unit_of_work, h.clock)
        self.dispatcher = Dispatcher(h.store.unit_of_work, h.clock, {"test": self.notifier}, owner="test")

    async def advance(self, **delta: float) -> None:
        start = self.h.clock.now()
        end = start + timedelta(**delta)
        await run_due_work(self.scheduler, self.dispatcher, self.h.clock, start, end)  # type: ignore[arg-type]
        self.h.clock.set(end)

    async def outbox(self, key: str):
        async with self.h.store.unit_of_work() as uow:
            return await uow.outbox.get_by_key(key)


@pytest.fixture
def world(h: Harness) -> World:
    return World(h)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def test_reminders_come_once_a_day_at_local_time_and_only_for_undone_days(h: Harness, world: World) -> None:
    h.clock.set(utc(2026, 3, 2, 12))  # a Monday, 07:00 in New York
    await h.ok("ann", "cohort create ml-club timezone:America/New_York", channel="ml")
    await h.ok("raj", "cohort join ml-club", channel="ml")
    await h.ok("raj", "timezone set Asia/Kolkata")
    await h.ok("ann", "checkin 30", channel="ml")  # Monday done for ann
    await world.advance(days=7)
    reminders = world.notifier.of_type("reminder")
    ann = [(at, r.data["local_date"]) for at, d, r in reminders if d.target == "ann"]
    raj = [(at, r.data["local_date"]) for at, d, r in reminders if d.target == "raj"]
    # ann: 19:00 New York every day but the Monday she finished: 00:00 UTC under EST, 23:00 UTC once
    # daylight saving starts on Sunday the 8th.
    assert ann == [(utc(2026, 3, d + 1, 0), f"2026-03-{d:02d}") for d in range(3, 8)] + [
        (utc(2026, 3, 8, 23), "2026-03-08")]
    # raj: 19:00 in Kolkata is 13:30 UTC, every day from the one he joined (at 17:30 his time).
    assert raj == [(utc(2026, 3, d, 13, 30), f"2026-03-{d:02d}") for d in range(2, 9)]
    assert all(d.kind == "dm" for _, d, _ in reminders)


async def test_a_skipped_wall_time_fires_at_the_jump(h: Harness, world: World) -> None:
    h.clock.set(utc(2026, 3, 7, 12))
    await h.ok("ann", "cohort create ml-club timezone:America/New_York rollover:0")
    await h.ok("ann", "remind set 02:30")
    await world.advance(days=2)
    # 02:30 does not exist on 8 March in New York: it fires at 03:00 EDT, then 02:30 EDT the next day.
    assert [at for at, _, _ in world.notifier.of_type("reminder")] == [utc(2026, 3, 8, 7), utc(2026, 3, 9, 6, 30)]


async def test_a_repeated_wall_time_fires_once(h: Harness, world: World) -> None:
    h.clock.set(utc(2026, 10, 31, 12))
    await h.ok("ann", "cohort create ml-club timezone:America/New_York rollover:0")
    await h.ok("ann", "remind set 01:30")
    await world.advance(days=1)
    # 01:30 happens twice on 1 November; the first (EDT, UTC-4) is the one.
    assert [at for at, _, _ in world.notifier.of_type("reminder")] == [utc(2026, 11, 1, 5, 30)]


async def test_no_reminder_while_paused(h: Harness, world: World) -> None:
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ann", "pause 2d")
    await world.advance(days=2)
    assert world.notifier.of_type("reminder") == []
    await world.advance(days=1)
    assert len(world.notifier.of_type("reminder")) == 1


async def test_after_downtime_late_reminders_are_sent_and_stale_ones_skipped(h: Harness, world: World) -> None:
    await h.ok("ann", "cohort create ml-club")  # 14:00 UTC; reminder at 19:00 UTC
    h.clock.set(utc(2026, 3, 6, 20, 30))  # the bot was down at 19:00: 90 minutes late is still worth it
    await world.scheduler.tick()
    await world.dispatcher.drain()
    assert [r.data["local_date"] for _, _, r in world.notifier.of_type("reminder")] == ["2026-03-06"]
    h.clock.set(utc(2026, 3, 7, 21, 30))  # down again: 2 h 30 late is too late
    await world.scheduler.tick()
    await world.dispatcher.drain()
    assert len(world.notifier.of_type("reminder")) == 1
    skipped = await world.outbox("reminder:1:2026-03-07")
    assert skipped is not None and skipped.status is OutboxStatus.SKIPPED


async def test_a_new_scheduler_on_the_same_database_sends_nothing_twice(h: Harness, world: World) -> None:
    await h.ok("ann", "cohort create ml-club")
    await world.advance(hours=6)
    sent = len(world.notifier.sent)
    assert sent >= 1
    restarted = Scheduler(h.store.unit_of_work, h.clock)
    await restarted.tick()
    await world.dispatcher.drain()
    assert len(world.notifier.sent) == sent


async def test_failures_and_429s_are_retried_until_delivered_once(h: Harness, world: World) -> None:
    await h.ok("ann", "cohort create ml-club")
    world.notifier.failures = [DeliveryFailed("HTTP 503"), DeliveryFailed("429", retry_after=120),
                               DeliveryFailed("timeout")]
    await world.advance(hours=6)
    assert [r.data["type"] for _, _, r in world.notifier.sent].count("reminder") == 1
    message = await world.outbox("reminder:1:2026-03-06")
    assert message.status is OutboxStatus.SENT and message.attempts == 4
    first_retry_gap = message.sent_at - utc(2026, 3, 6, 19)
    assert first_retry_gap >= timedelta(seconds=10 + 120 + 40)


async def test_permanent_failures_are_not_retried(h: Harness, world: World) -> None:
    await h.ok("ann", "cohort create ml-club")
    world.notifier.failures = [DeliveryFailed("user blocked the bot", permanent=True)]
    await world.advance(days=1)
    message = await world.outbox("reminder:1:2026-03-06")
    assert message.status is OutboxStatus.FAILED and message.attempts == 1
    assert message.last_error == "user blocked the bot"


async def test_digest_lists_done_and_pending_and_mentions_only_who_allows_it(h: Harness, world: World) -> None:
    await h.ok("ann", "cohort create ml-club digest:21:00")
    await h.ok("ben", "cohort join")
    await h.ok("cat", "cohort join")
    await h.ok("ben", "checkin 30")
    await h.ok("cat", "pause 1d")
    await world.advance(hours=8)
    digests = world.notifier.of_type("digest")
    assert len(digests) == 1
    at, destination, reply = digests[0]
    assert at == utc(2026, 3, 6, 21) and destination.kind == "channel" and destination.target == "general"
    assert (reply.data["done"], reply.data["pending"], reply.data["mentions"]) == (["ben"], ["ann"], ["ann"])


async def test_weekly_recap_once_with_perfect_weeks(h: Harness, world: World) -> None:
    h.clock.set(utc(2026, 3, 2, 12))  # Monday
    await h.ok("ann", "cohort create ml-club")
    for _ in range(7):
        await h.ok("ann", "checkin 30")
        await world.advance(days=1)
    recaps = world.notifier.of_type("recap")
    assert len(recaps) == 1
    at, _, reply = recaps[0]
    assert at == utc(2026, 3, 8, 18)
    assert reply.data["week"] == "2026-03-02"
    assert reply.data["perfect_weeks"] == ["ann"]
    assert reply.data["milestones"] == [{"name": "ann", "days": 7}]
    assert reply.data["members"] == [{"name": "ann", "days_done": 7, "minutes": 210, "streak": 7, "study_days": 7}]


async def test_a_perfect_week_asks_only_for_the_days_that_are_not_off(h: Harness, world: World) -> None:
    h.clock.set(utc(2026, 3, 2, 12))  # Monday
    await h.ok("ann", "cohort create ml-club days:sat-thu")  # Fridays off for everyone
    await h.ok("ben", "cohort join")
    await h.ok("ben", "rest sun")
    for day in range(7):
        if day != 4:  # nobody studies on Friday
            await h.ok("ann", "checkin 30")
            if day != 6:  # ben rests on Sunday
                await h.ok("ben", "checkin 30")
        await world.advance(days=1)
    ((_, _, reply),) = world.notifier.of_type("recap")
    rows = {row["name"]: (row["days_done"], row["study_days"]) for row in reply.data["members"]}
    assert rows == {"ann": (6, 6), "ben": (5, 5)}
    assert reply.data["perfect_weeks"] == ["ann", "ben"]
    assert "ann: 6/6 days" in reply.text


async def test_sprint_end_is_a_direct_message(h: Harness, world: World) -> None:
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ann", "sprint start")
    await world.advance(minutes=45)
    ends = world.notifier.of_type("sprint_end")
    assert [(at, d.kind, d.target, r.data["minutes_today"]) for at, d, r in ends] == [
        (utc(2026, 3, 6, 14, 30), "dm", "ann", 30)]


def test_token_bucket_paces_to_the_policy() -> None:
    now = [0.0]
    limiter = RateLimiter({"p": RatePolicy(per_second=50, burst=50, per_target=False),
                           "s": RatePolicy(per_second=1, burst=1, per_target=True)}, monotonic=lambda: now[0])
    waits = [limiter.reserve("p", "x") for _ in range(60)]
    assert waits[:50] == [0.0] * 50
    assert waits[50] == pytest.approx(0.02)
    assert waits[59] == pytest.approx(0.2)
    assert limiter.reserve("s", "c1") == 0.0
    assert limiter.reserve("s", "c2") == 0.0
    assert limiter.reserve("s", "c1") == pytest.approx(1.0)
    now[0] = 10.0
    assert limiter.reserve("s", "c1") == 0.0
    assert limiter.reserve("unknown", "x") == 0.0


async def test_last_call_only_when_a_streak_is_at_risk_and_once_a_day(h: Harness, world: World) -> None:
    await h.ok("ann", "cohort create ml-club timezone:Europe/Berlin")  # the day rolls over at 04:00 Berlin
    await h.ok("ann", "remind off")
    await h.refused("ann", "remind lastcall 5m", "bad_lastcall")
    await h.ok("ann", "remind lastcall 2h")
    await world.advance(days=1)  # no streak yet on the 6th: nothing to lose
    assert world.notifier.of_type("lastcall") == []
    await h.ok("ann", "checkin 30")  # the 7th is done: streak 1, no last call that night
    await world.advance(hours=36)  # through the 8th, undone with a streak at stake, into the 9th
    calls = world.notifier.of_type("lastcall")
    assert [(at, r.data["local_date"], r.data["streak"]) for at, _, r in calls] == [
        (utc(2026, 3, 9, 1), "2026-03-08", 1)]  # 02:00 Berlin (UTC+1) on the 9th, two hours before 04:00


async def test_digest_etiquette_threads_and_no_mentions(h: Harness, world: World) -> None:
    h.clock.set(utc(2026, 3, 2, 12))  # Monday
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ann", "cohort settings digest_mentions:off digest_thread:on")
    await h.ok("ben", "cohort join")
    await h.ok("ben", "privacy mentions:off")
    await world.advance(days=2)
    monday, tuesday = world.notifier.of_type("digest")
    assert monday[1].thread is None and monday[2].data["mentions"] == []
    assert "thread_key" not in monday[2].data
    assert tuesday[2].data["thread_key"] == "digest:1:2026-03-02"
    monday_message_id = str(world.notifier.sent.index(monday) + 1)  # the id the notifier returned for it
    assert tuesday[1].thread == monday_message_id


async def test_privacy_hides_from_boards(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    await h.ok("ben", "cohort join")
    await h.ok("ann", "checkin 30")
    await h.ok("ben", "checkin 45")
    assert (await h.ok("ben", "privacy boards:hide")).data == {"mentions": True, "boards": "hide", "web": "hide",
                                                               "leagues": "on"}
    board = await h.ok("ann", "leaderboard week")
    assert [row["name"] for row in board.data["rows"]] == ["ann"]
    await h.refused("ben", "privacy boards:maybe", "bad_arguments")


async def test_a_reminder_held_back_by_retries_is_dropped_once_the_day_is_done(h: Harness, world: World) -> None:
    await h.ok("ann", "cohort create ml-club")
    world.notifier.failures = [DeliveryFailed("HTTP 502")]
    await world.advance(hours=5, seconds=30)  # 19:00:30: the reminder failed once and waits for its retry
    assert world.notifier.of_type("reminder") == []
    await h.ok("ann", "checkin 30")
    await world.advance(hours=1)
    assert world.notifier.of_type("reminder") == []
    message = await world.outbox("reminder:1:2026-03-06")
    assert message.status is OutboxStatus.SKIPPED and message.attempts == 1


async def test_a_dispatcher_that_dies_after_claiming_loses_its_claim_after_the_lease(h: Harness, world: World) -> None:
    await h.ok("ann", "cohort create ml-club")
    h.clock.set(utc(2026, 3, 6, 19, 0))
    await world.scheduler.tick()
    async with h.store.unit_of_work() as uow:  # process A claims the reminder, then is killed before sending
        claimed = await uow.outbox.claim(h.clock.now(), 10, h.clock.now() + timedelta(minutes=2), "process-a")
        await uow.commit()
    assert [m.kind for m in claimed] == ["reminder"]
    await world.dispatcher.drain()  # process B: the lease is still live
    assert world.notifier.of_type("reminder") == []
    h.clock.advance(minutes=2)
    await world.dispatcher.drain()
    assert len(world.notifier.of_type("reminder")) == 1


async def test_a_kill_between_send_and_record_sends_at_most_one_duplicate(h: Harness, world: World) -> None:
    await h.ok("ann", "cohort create ml-club")
    h.clock.set(utc(2026, 3, 6, 19, 0))
    await world.scheduler.tick()
    async with h.store.unit_of_work() as uow:
        (claimed,) = await uow.outbox.claim(h.clock.now(), 10, h.clock.now() + timedelta(minutes=2), "process-a")
        await uow.commit()
    await world.notifier.send(Destination("test", "local", "dm", claimed.target), Reply(text=claimed.text,
                                                                                      data=claimed.data))
    # process A dies here, before it records "sent": the documented window for one duplicate
    h.clock.advance(minutes=3)
    await world.dispatcher.drain()
    await world.advance(hours=2)
    assert len(world.notifier.of_type("reminder")) == 2
    message = await world.outbox("reminder:1:2026-03-06")
    assert message.status is OutboxStatus.SENT


async def test_an_odd_outbox_key_does_not_stop_the_queue(h: Harness, world: World) -> None:
    async with h.store.unit_of_work() as uow:  # e.g. written by an older or newer studybot
        await uow.outbox.add(OutboxMessage(key="reminder:legacy", kind="reminder", platform="test", workspace="w",
                                           destination_kind="dm", target="ann", text="hi", data={},
                                           due_at=h.clock.now(), created_at=h.clock.now()))
        await uow.commit()
    report = await world.dispatcher.drain()
    assert report.sent == ["reminder:legacy"]


def test_the_discord_pace_never_puts_more_than_50_sends_in_any_second() -> None:
    from bot.delivery import RATE_POLICIES

    now = [0.0]
    limiter = RateLimiter(RATE_POLICIES, monotonic=lambda: now[0])
    sent_at = []
    for _ in range(300):
        now[0] += limiter.reserve("discord", "any")  # the dispatcher sleeps this long, then sends
        sent_at.append(now[0])
    assert max(sum(1 for t in sent_at if start <= t < start + 1.0) for start in sent_at) <= 50
    assert 299 / sent_at[-1] >= 45  # and it keeps close to the full pace


async def test_an_idle_tick_is_one_look_at_the_database(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")  # 14:00 UTC: her reminder is at 19:00, the digest at 20:00
    opened: list[object] = []

    def counting_unit_of_work():  # type: ignore[no-untyped-def]
        opened.append(h.clock.now())
        return h.store.unit_of_work()

    scheduler = Scheduler(counting_unit_of_work, h.clock)
    report = await scheduler.tick()
    assert (report.enqueued, report.skipped, len(opened)) == ([], [], 1)
    h.clock.set(utc(2026, 3, 6, 19))
    assert len((await scheduler.tick()).enqueued) == 1 and len(opened) > 2  # the look, then the reminders


async def test_reminders_due_together_are_handled_batch_by_batch_each_once(h: Harness) -> None:
    await h.ok("ann", "cohort create ml-club")
    members = ["ann", *(f"m{n}" for n in range(6))]
    for user in members[1:]:
        await h.ok(user, "cohort join ml-club")
    await h.ok("m0", "checkin 30")  # done for the day: no reminder
    await h.ok("m1", "pause 1d")  # on a break: no reminder
    await h.ok("m2", "remind off")
    h.clock.set(utc(2026, 3, 6, 19, 1))
    report = await Scheduler(h.store.unit_of_work, h.clock, batch=2).tick()
    async with h.store.unit_of_work() as uow:
        messages = [await uow.outbox.get_by_key(key) for key in report.enqueued]
        due_left = await uow.schedule.due_kinds(h.clock.now())
    assert sorted(m.target for m in messages if m is not None) == ["ann", "m3", "m4", "m5"]
    assert len(set(report.enqueued)) == 4 and "reminders" not in due_left
    assert (await Scheduler(h.store.unit_of_work, h.clock, batch=2).tick()).enqueued == []
