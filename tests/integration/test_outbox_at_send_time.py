"""Issue 13, defects 4 and 8 on real databases: what is already in the outbox is checked again when it is sent
(too late, or no longer about anyone, means skipped), and `forget` leaves nothing of the member in it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.clock import SimulatedClock
from bot.commands.context import Invocation
from bot.delivery import Dispatcher
from bot.domain import OutboxStatus
from bot.ports import DeliveryFailed, Destination
from bot.replies import Reply
from bot.scheduler import Scheduler
from bot.service import StudyBot
from storage import Database

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday; the cohort is in UTC with a 04:00 rollover


class Platform:
    """A notifier that records what it sends, and fails while `down`."""

    platform = "test"

    def __init__(self) -> None:
        self.sent: list[tuple[Destination, Reply]] = []
        self.down = False

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        if self.down:
            raise DeliveryFailed("503 from the platform")
        self.sent.append((destination, reply))
        return str(len(self.sent))


class World:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.clock = SimulatedClock(START)
        self.platform = Platform()
        self.bot = StudyBot(database.unit_of_work, self.clock)
        self.scheduler = Scheduler(database.unit_of_work, self.clock)

    def dispatcher(self) -> Dispatcher:
        """A new process's dispatcher (no sleeping: nothing here is rate limited)."""
        async def no_wait(_: float) -> None:
            return None
        return Dispatcher(self.database.unit_of_work, self.clock, {"test": self.platform}, owner="p2",
                          sleep=no_wait)

    async def say(self, user: str, line: str) -> Reply:
        invocation = Invocation("test", "w1", f"U-{user}", user, channel_id="C1")
        return await self.bot.handle_text(invocation, line)

    async def outbox(self) -> list[dict[str, object]]:
        async with self.database.engine.connect() as connection:
            rows = await connection.execute(text("SELECT * FROM outbox ORDER BY id"))
            return [dict(row._mapping) for row in rows]


async def test_a_reminder_queued_before_a_crash_is_not_sent_after_its_day_rolled_over(database: Database) -> None:
    world = World(database)
    assert (await world.say("alice", "cohort create ml-club")).data.get("error") is None
    world.clock.set(START.replace(hour=19))
    report = await world.scheduler.tick()  # 19:00: owed, then the process dies before sending it
    assert report.enqueued == [key for key in report.enqueued if key.startswith("reminder:")] != []
    world.clock.set(START.replace(hour=5) + timedelta(days=1))  # restarted at 05:00: 2 March has ended
    drained = await world.dispatcher().drain()
    assert world.platform.sent == [] and drained.sent == []
    async with database.unit_of_work() as uow:
        assert await uow.outbox.count(OutboxStatus.SKIPPED) == 1
        assert await uow.outbox.count(OutboxStatus.PENDING) == 0


async def test_a_reminder_queued_before_a_crash_still_goes_out_inside_its_window(database: Database) -> None:
    world = World(database)
    await world.say("alice", "cohort create ml-club")
    world.clock.set(START.replace(hour=19))
    await world.scheduler.tick()
    world.clock.set(START.replace(hour=20, minute=30))
    await world.dispatcher().drain()
    assert [reply.data["type"] for _, reply in world.platform.sent] == ["reminder"]


async def test_a_digest_of_a_removed_cohort_is_not_posted(database: Database) -> None:
    world = World(database)
    await world.say("alice", "cohort create ml-club digest:19:00")
    world.clock.set(START.replace(hour=19))
    await world.scheduler.tick()  # the digest (and alice's reminder) are owed
    await world.say("alice", "cohort remove ml-club confirm:ml-club")
    await world.dispatcher().drain()
    assert world.platform.sent == []


async def befriend(world: World) -> None:
    await world.say("alice", "cohort create ml-club digest:19:00")
    await world.say("bobby", "cohort join ml-club")
    await world.say("bobby", "buddy @U-alice")
    await world.say("alice", "buddy accept")
    await world.say("alice", "checkin 30")
    await world.dispatcher().drain()  # alice was sent bobby's buddy request: history that names him


async def assert_no_trace_of_bobby(world: World) -> None:
    for row in await world.outbox():
        assert "bobby" not in json.dumps(row, default=str)  # neither his name nor his user id, U-bobby


async def test_forget_drops_what_is_owed_to_them_and_takes_them_out_of_the_rest(database: Database) -> None:
    world = World(database)
    await befriend(world)
    assert any("bobby" in reply.text for _, reply in world.platform.sent)
    world.platform.down = True
    world.clock.set(START.replace(hour=19))
    await world.scheduler.tick()  # bobby's reminder and the digest naming him are owed; the platform is down
    await world.dispatcher().drain()
    owed = {row["kind"] for row in await world.outbox() if row["status"] == "pending"}
    assert {"reminder", "digest"} <= owed
    assert (await world.say("bobby", "forget confirm:yes")).data.get("error") is None
    world.platform.down = False
    world.platform.sent.clear()
    world.clock.set(START.replace(hour=19, minute=30))
    await world.dispatcher().drain()
    [(destination, digest)] = world.platform.sent  # the digest, and nothing to bobby
    assert destination.target == "C1" and digest.data["type"] == "digest"
    assert "bobby" not in digest.text + json.dumps(digest.data)
    assert (digest.data["done"], digest.data["pending"]) == (["alice"], [])  # written again without him
    assert "Everyone is done" in digest.text
    await assert_no_trace_of_bobby(world)


async def test_forget_drops_a_buddy_notice_about_them(database: Database) -> None:
    world = World(database)
    await befriend(world)
    world.platform.down = True
    world.clock.set(START.replace(hour=4, minute=1) + timedelta(days=1))
    await world.scheduler.tick()  # bobby's day ended undone: alice is owed a notice about him
    await world.dispatcher().drain()
    assert "buddy" in {row["kind"] for row in await world.outbox() if row["status"] == "pending"}
    await world.say("bobby", "forget confirm:yes")
    world.platform.down = False
    world.platform.sent.clear()
    await world.dispatcher().drain()
    assert world.platform.sent == []
    await assert_no_trace_of_bobby(world)


async def test_forget_drops_their_buddy_request_still_to_be_sent(database: Database) -> None:
    world = World(database)
    await world.say("alice", "cohort create ml-club")
    await world.say("bobby", "cohort join ml-club")
    world.platform.down = True
    await world.say("bobby", "buddy @U-alice")
    await world.dispatcher().drain()  # the request to alice waits for the platform
    await world.say("bobby", "forget confirm:yes")
    world.platform.down = False
    world.clock.set(START + timedelta(minutes=5))
    await world.dispatcher().drain()
    assert world.platform.sent == []  # his request goes with him
    await assert_no_trace_of_bobby(world)


async def test_asking_again_after_a_pairing_ended_sends_a_new_request(database: Database) -> None:
    world = World(database)
    await world.say("alice", "cohort create ml-club")
    await world.say("bobby", "cohort join ml-club")
    await world.say("alice", "buddy @U-bobby")
    await world.say("bobby", "buddy accept")
    assert (await world.say("alice", "buddy end")).data.get("error") is None
    assert (await world.say("alice", "buddy @U-bobby")).data.get("error") is None
    await world.dispatcher().drain()
    requests = [reply for destination, reply in world.platform.sent
                if destination.target == "U-bobby" and reply.data["type"] == "buddy_request"]
    assert len(requests) == 2 and all(r.data["cohort"] == "ml-club" for r in requests)


async def test_a_digest_does_not_ping_someone_who_left_after_it_was_written(database: Database) -> None:
    world = World(database)
    await world.say("alice", "cohort create ml-club digest:19:00")
    await world.say("bobby", "cohort join ml-club")
    world.platform.down = True
    world.clock.set(START.replace(hour=19))
    await world.scheduler.tick()
    await world.dispatcher().drain()  # the digest, both pending, waits for the platform
    await world.say("bobby", "cohort leave ml-club")
    world.platform.down = False
    world.clock.set(START.replace(hour=19, minute=5))
    await world.dispatcher().drain()
    [digest] = [reply for _, reply in world.platform.sent if reply.data["type"] == "digest"]
    assert digest.data["pending"] == ["alice", "bobby"]  # what was true when it was written
    assert digest.data["mentions"] == ["U-alice"]  # but no ping to someone no longer in the cohort


class ForgetsMidSend(Platform):
    """A platform on whose watch bobby runs `forget` while a message is on its way; it then answers as told."""

    def __init__(self, world: World, kind: str, fail: bool) -> None:
        super().__init__()
        self.world, self.kind, self.fail = world, kind, fail

    async def send(self, destination: Destination, reply: Reply) -> str | None:
        if self.kind and reply.data.get("type") == self.kind:
            self.kind = ""
            assert (await self.world.say("bobby", "forget confirm:yes")).data.get("error") is None
            if self.fail:
                raise DeliveryFailed("503 from the platform")
        return await super().send(destination, reply)


async def test_a_send_that_fails_while_they_forget_does_not_write_their_name_back(database: Database) -> None:
    world = World(database)
    await befriend(world)
    world.platform = ForgetsMidSend(world, "digest", fail=True)
    world.clock.set(START.replace(hour=19))
    await world.scheduler.tick()
    await world.dispatcher().drain()  # the digest naming bobby fails while he forgets
    await assert_no_trace_of_bobby(world)
    world.platform.sent.clear()
    world.clock.set(START.replace(hour=19, minute=10))
    await world.dispatcher().drain()
    [(_, digest)] = [sent for sent in world.platform.sent if sent[1].data["type"] == "digest"]
    assert "bobby" not in digest.text and digest.data["pending"] == []


async def test_a_message_to_them_removed_while_it_was_sent_does_not_stop_the_queue(database: Database) -> None:
    world = World(database)
    await befriend(world)
    world.platform = ForgetsMidSend(world, "reminder", fail=False)
    world.clock.set(START.replace(hour=19))
    await world.scheduler.tick()
    report = await world.dispatcher().drain()  # bobby's reminder goes out as he forgets: its row is gone meanwhile
    assert report.sent == [key for key in report.sent if key.startswith("reminder:")] != []
    await world.dispatcher().drain()  # the digest, written again without him (which took the old text's claim)
    assert [reply.data["type"] for _, reply in world.platform.sent] == ["reminder", "digest"]
    await assert_no_trace_of_bobby(world)


async def test_forget_drops_their_nudge_still_to_be_sent(database: Database) -> None:
    world = World(database)
    await world.say("alice", "cohort create ml-club")
    await world.say("bobby", "cohort join ml-club")
    world.platform.down = True
    assert (await world.say("bobby", "nudge @U-alice")).data.get("error") is None
    await world.dispatcher().drain()
    await world.say("bobby", "forget confirm:yes")
    world.platform.down = False
    world.clock.set(START + timedelta(minutes=5))
    await world.dispatcher().drain()
    assert world.platform.sent == []
    await assert_no_trace_of_bobby(world)


async def test_a_name_that_is_an_ordinary_word_does_not_rewrite_other_messages(database: Database) -> None:
    world = World(database)
    await world.say("alice", "cohort create ml-club digest:19:00")
    await world.say("sprint", "cohort join ml-club")
    await world.say("carol", "cohort join ml-club")
    await world.say("carol", "checkin 30")
    world.platform.down = True
    world.clock.set(START.replace(hour=19))
    await world.scheduler.tick()
    await world.dispatcher().drain()
    await world.say("sprint", "forget confirm:yes")
    world.platform.down = False
    world.platform.sent.clear()
    world.clock.set(START.replace(hour=19, minute=5))
    await world.dispatcher().drain()
    [(_, digest)] = [sent for sent in world.platform.sent if sent[1].data["type"] == "digest"]
    assert digest.data["pending"] == ["alice"] and digest.data["done"] == ["carol"]
    assert digest.text.endswith("There's time for one sprint!")  # the word stays a word
    reminders = [reply.text for _, reply in world.platform.sent if reply.data["type"] == "reminder"]
    assert reminders and all("sprint start" in text for text in reminders)  # alice's own reminder, untouched
