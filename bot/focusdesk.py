"""The core's front door for focus rooms: what a platform adapter reports about voice, each in a transaction of its
own (rules in bot/focus.py), and the live "studying now" messages it keeps up to date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot import focus
from bot.clock import Clock
from bot.commands.focus import status_text
from bot.domain import Cohort, FocusStatusBoard, VoicePresence
from bot.ports import UnitOfWorkFactory
from bot.replies import Reply


@dataclass(frozen=True)
class LiveStatus:
    """A cohort's live message as it should read now; `board.message_id` None: not posted yet."""

    cohort: Cohort
    board: FocusStatusBoard
    text: str

    @property
    def changed(self) -> bool:
        return self.board.message_id is None or self.board.shown != self.text


class FocusDesk:
    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    async def watched_channels(self, platform: str, workspace: str) -> set[str]:
        """The workspace's focus rooms: the voice channels whose presences the adapter reports."""
        async with self._unit_of_work() as uow:
            return {room.channel_id for room in await uow.focus.rooms_in(platform, workspace)}

    async def voice_changed(self, platform: str, workspace: str, presence: VoicePresence) -> None:
        async with self._unit_of_work() as uow:
            await focus.voice_changed(uow, self._clock.now(), platform, workspace, presence)
            await uow.commit()

    async def voice_snapshot(self, platform: str, workspace: str, presences: Sequence[VoicePresence], *,
                             start_missing: bool) -> None:
        """Every presence in the workspace's focus rooms: at start-up (`start_missing`) and each heartbeat."""
        now = self._clock.now()  # the snapshot's instant, before waiting for the database
        async with self._unit_of_work() as uow:
            await focus.reconcile(uow, now, platform, workspace, presences, start_missing=start_missing)
            await uow.commit()

    async def confirm(self, platform: str, user_id: str, session_id: int) -> Reply:
        async with self._unit_of_work() as uow:
            reply = await focus.confirm(uow, self._clock.now(), platform, user_id, session_id)
            await uow.commit()
            return reply

    async def live_statuses(self, platform: str, workspace: str) -> list[LiveStatus]:
        """The workspace's cohorts with `cohort focusroom status:on`, each with its message's text as of now."""
        now = self._clock.now()
        async with self._unit_of_work() as uow:
            cohorts = {c.id: c for c in await uow.cohorts.list_in_workspace(platform, workspace) if c.id is not None}
            boards = await uow.focus.status_boards(sorted(cohorts))
            found = []
            for cohort_id, board in sorted(boards.items()):
                cohort = cohorts[cohort_id]
                text = status_text(cohort, await focus.studying_now(uow, cohort_id), now)
                found.append(LiveStatus(cohort, board, text))
            return found

    async def status_posted(self, status: LiveStatus, message_id: str) -> None:
        """The adapter posted or edited the live message: remember which one, and what it says."""
        async with self._unit_of_work() as uow:
            assert status.cohort.id is not None
            if status.cohort.id not in await uow.focus.status_boards([status.cohort.id]):
                return  # turned off meanwhile
            await uow.focus.save_status_board(FocusStatusBoard(status.cohort.id, message_id, status.text,
                                                               self._clock.now()))
            await uow.commit()
