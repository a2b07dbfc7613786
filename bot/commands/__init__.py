"""One module per use case; this table maps each command of the grammar to its handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.commands import (
    bridge,
    buddy,
    checkin,
    cohort,
    data,
    focus,
    help,
    holidays,
    leaderboard,
    league,
    link,
    rest,
    roadmap,
    settings,
    sprint,
    stats,
    streak,
    team,
    undo,
    web,
)
from bot.commands.context import Args, Context, Invocation
from bot.grammar import BY_NAME
from bot.ports import UnitOfWorkFactory
from bot.replies import Reply

Handler = Callable[[Context, Args], Awaitable[Reply]]

HANDLERS: dict[str, Handler] = {
    "help": help.run,
    "cohort create": cohort.create,
    "cohort join": cohort.join,
    "cohort leave": cohort.leave,
    "cohort info": cohort.info,
    "cohort settings": cohort.settings,
    "cohort remove": cohort.remove,
    "checkin": checkin.run,
    "note": checkin.add_note,
    "sprint start": sprint.start,
    "sprint stop": sprint.stop,
    "sprint status": sprint.status,
    "streak": streak.run,
    "leaderboard": leaderboard.run,
    "remind set": settings.remind_set,
    "remind off": settings.remind_off,
    "remind show": settings.remind_show,
    "remind lastcall": settings.remind_lastcall,
    "privacy": settings.privacy,
    "buddy request": buddy.request,
    "buddy accept": buddy.accept,
    "buddy end": buddy.end,
    "buddy show": buddy.show,
    "cohort pair": buddy.pair_everyone,
    "nudge": buddy.nudge,
    "sprint join": sprint.join,
    "focus": focus.studying,
    "cohort focusroom": focus.rooms,
    "stats": stats.run,
    "cohort export": data.cohort_export,
    "export": data.my_export,
    "forget": data.forget,
    "roadmap show": roadmap.show,
    "roadmap done": roadmap.done,
    "roadmap load": roadmap.load,
    "timezone set": settings.timezone_set,
    "timezone show": settings.timezone_show,
    "pause": settings.pause,
    "cohort holiday": holidays.run,
    "rest": rest.run,
    "undo": undo.run,
    "cohort web": web.cohort_web,
    "stats web": web.stats_web,
    "team": team.run,
    "league": league.run,
    "link": link.run,
    "unlink": link.unlink,
    "cohort bridge": bridge.bridge,
    "cohort unbridge": bridge.unbridge,
}

assert set(HANDLERS) == set(BY_NAME), "every command in the grammar needs a handler"

# Work a command may do before its own unit of work, in short units of work of its own (so that others take
# turns with it): the first streak board after a changed daily target works out the whole cohort's streaks.
Prelude = Callable[[UnitOfWorkFactory, Invocation, Args, datetime], Awaitable[None]]
PRELUDES: dict[str, Prelude] = {"leaderboard": leaderboard.work_out_first}
