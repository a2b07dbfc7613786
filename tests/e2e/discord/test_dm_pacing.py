"""A DM to a member the bot has not messaged before is two Discord requests (POST /users/@me/channels to open
the DM channel, then the message), and the dispatcher must pace both: one dispatcher with the real discord.py
notifier drains reminders due at once for members never DMed, through the fake Discord that allows 50
requests/s for the whole bot (opening DMs included, as on Discord) over a sliding one-second window. No 429,
and done within 1.2 x the ideal time of all its requests at the dispatcher's 48/s.

A throughput test: it takes real wall time (about 12.5 s), and no sleeps beyond the pacing itself."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

from bot.clock import SystemClock
from bot.delivery import RATE_POLICIES, Dispatcher
from bot.domain import Cohort, Member, Membership, OutboxMessage, OutboxStatus
from bot.ports import Destination
from bot.replies import Reply
from storage import Database
from tests.e2e.discord.conftest import Discord
from tests.e2e.discord.fake_discord import CHANNEL_ID, GUILD_ID

MEMBERS = 300
REQUESTS = 2 * MEMBERS  # each DM opens its channel first
IDEAL_S = REQUESTS / RATE_POLICIES["discord"].per_second  # 12.5 s


async def _due_reminders(database: Database, clock: SystemClock) -> list[str]:
    """A cohort of MEMBERS members none of whom the bot has DMed, each owed today's reminder now."""
    now = clock.now()
    day = now.date().isoformat()
    users = [str(1500000000000100000 + number) for number in range(MEMBERS)]
    async with database.unit_of_work() as uow:
        owner = await uow.members.add(Member("discord", GUILD_ID, "1500000000000000001", "ann"))
        assert owner.id is not None
        cohort = await uow.cohorts.add(Cohort("discord", GUILD_ID, "pacing", CHANNEL_ID, created_by=owner.id))
        assert cohort.id is not None
        messages = []
        for number, user_id in enumerate(users):
            member = await uow.members.add(Member("discord", GUILD_ID, user_id, f"member{number}"))
            assert member.id is not None
            membership = await uow.memberships.add(Membership(cohort.id, member.id, joined_at=now - timedelta(days=3)))
            messages.append(OutboxMessage(
                key=f"reminder:{membership.id}:{day}", kind="reminder", platform="discord", workspace=GUILD_ID,
                destination_kind="dm", target=user_id, text="Your day isn't done yet", title="Sprint reminder",
                data={"type": "reminder"}, due_at=now, created_at=now, next_attempt_at=now))
        await uow.outbox.add_many(messages)
        await uow.commit()
    return users


async def test_dms_to_members_never_messaged_keep_the_global_limit(discord_world: Discord, tmp_path: Path) -> None:
    # The dispatcher's outbox and send budget in SQLite, as `studybot run` keeps them with one process (the
    # in-memory store copies every table per unit of work: too slow for 48 sends a second).
    database = await Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'studybot.db'}")
    try:
        clock = SystemClock()
        users = await _due_reminders(database, clock)
        dispatcher = Dispatcher(database.unit_of_work, clock, {"discord": discord_world.client.notifier},
                                owner="process-1")  # the limiter it builds itself: the shared budget, as in `run`
        before = len(discord_world.fake.requests)
        started = time.perf_counter()
        report = await asyncio.wait_for(dispatcher.drain(), timeout=6 * IDEAL_S)
        elapsed = time.perf_counter() - started
        async with database.unit_of_work() as uow:
            sent = await uow.outbox.count(OutboxStatus.SENT)
    finally:
        await database.dispose()
    fake = discord_world.fake
    opened = [str(r.body["recipient_id"]) for r in fake.named("POST", "/users/@me/channels")]  # type: ignore[index]
    posted = [r.path for r in fake.named("POST", "/messages") if r.path.startswith("/channels/16")]
    print(f"\n{MEMBERS} DMs to new members ({len(fake.requests) - before} requests): {elapsed:.2f} s "
          f"({elapsed / IDEAL_S:.3f} x ideal {IDEAL_S:.1f} s), {fake.rate_limited} answered 429")
    assert fake.rate_limited == 0, f"{fake.rate_limited} requests met the global 429"
    assert sent == MEMBERS and len(report.sent) == MEMBERS
    assert sorted(opened) == sorted(users)  # each DM channel opened once
    assert sorted(posted) == sorted(f"/channels/16{user_id[2:]}/messages" for user_id in users)
    assert elapsed <= 1.2 * IDEAL_S, f"{elapsed:.2f} s is over 1.2 x the ideal {IDEAL_S:.1f} s"


async def test_the_notifier_counts_two_requests_until_it_has_opened_the_dm(discord_world: Discord) -> None:
    notifier = discord_world.client.notifier
    member = Destination("discord", GUILD_ID, "dm", "1500000000000000888")
    assert notifier.requests_for(member) == 2
    await notifier.send(member, Reply(text="first"))
    assert notifier.requests_for(member) == 1
    await notifier.send(member, Reply(text="second"))
    assert len(discord_world.fake.named("POST", "/users/@me/channels")) == 1  # its own cache, not discord.py's
    assert len(discord_world.fake.named("POST", "/channels/16" + member.target[2:] + "/messages")) == 2
    assert notifier.requests_for(Destination("discord", GUILD_ID, "channel", CHANNEL_ID)) == 1
