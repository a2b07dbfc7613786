"""focus_rooms: many members in focus rooms at once. What they cost each minute -- the heartbeat that reconciles
their presences with the running sessions, and the tick's idle guard when nobody is due to be asked -- and the tick
in which the idle guard asks all of them "Still studying?" at once, and the one that ends them all unanswered."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import insert

from adapters.bench import seed
from adapters.bench.common import Result, Scale, median, ms, repeat
from adapters.bench.tick import idle_tick_s
from bot import focus
from bot.clock import SimulatedClock
from bot.domain import VoicePresence
from bot.focusdesk import FocusDesk
from bot.scheduler import Scheduler
from storage import Database
from storage.models import FocusRoomRow, FocusSessionRow, OutboxRow

TARGET = "1,000 in focus rooms add <= 50 ms a minute (heartbeat + idle guard)"
ROOMS = 4
STARTED = seed.NOW - timedelta(minutes=20)


async def focus_rooms(database: Database, scale: Scale) -> Result:
    members = scale.pick(1000, 200)
    cohort, memberships = await seed.cohort_with_members(database, members, name="focus")
    async with database.engine.begin() as connection:
        rooms = [(await connection.execute(insert(FocusRoomRow).values(
            cohort_id=cohort, platform="bench", workspace="w", channel_id=f"room{number}", video_required=False,
        ).returning(FocusRoomRow.id))).scalar_one() for number in range(ROOMS)]
        await seed.insert_rows(connection, FocusSessionRow, (
            {"member_id": member_id, "membership_id": membership_id, "room_id": rooms[index % ROOMS],
             "started_at": STARTED, "seen_at": STARTED, "confirmed_at": STARTED,
             "due_at": STARTED + focus.IDLE_AFTER}
            for index, (membership_id, member_id) in enumerate(memberships.items())))
    presences = [VoicePresence(f"focus-u{index}", f"room{index % ROOMS}") for index in range(members)]
    clock = SimulatedClock(seed.NOW)
    desk, scheduler = FocusDesk(database.unit_of_work, clock), Scheduler(database.unit_of_work, clock)

    async def heartbeat(_: int) -> float:
        clock.advance(minutes=1)
        started = time.perf_counter()
        await desk.voice_snapshot("bench", "w", presences, start_missing=False)
        return time.perf_counter() - started

    beats = await repeat(heartbeat, least=5, most=21, budget_s=10)
    ticks = await repeat(lambda _: idle_tick_s(scheduler), least=5, most=21, budget_s=5)
    clock.set(STARTED + focus.IDLE_AFTER)
    started = time.perf_counter()
    await scheduler.tick()
    ask_all_s = time.perf_counter() - started
    asked = await seed.count(database, OutboxRow)
    if asked != members:
        raise RuntimeError(f"{members} in focus rooms for an hour, {asked} asked")
    clock.advance(focus.ANSWER_WITHIN)
    started = time.perf_counter()
    await scheduler.tick()  # nobody answered: every session ends at its last confirmation
    end_all_s = time.perf_counter() - started
    cost = median(beats) + median(ticks)
    return Result("focus_rooms", {"members": members, "heartbeat_ms": ms(median(beats)),
                                  "quiet_tick_ms": ms(median(ticks)), "minute_cost_ms": ms(cost),
                                  "ask_all_tick_s": round(ask_all_s, 3), "end_all_tick_s": round(end_all_s, 3)},
                  TARGET, cost <= 0.050)
