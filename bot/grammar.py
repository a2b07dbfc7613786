"""The command grammar every adapter shares: names, arguments, options and help text."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    summary: str
    positionals: tuple[str, ...] = ()
    rest: str | None = None  # name of the argument that takes the remaining free text
    options: frozenset[str] = field(default_factory=frozenset)
    numeric_first: bool = False  # the first positional is taken only when it looks like a number

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.name.split())


def _spec(name: str, usage: str, summary: str, *positionals: str, rest: str | None = None,
          options: tuple[str, ...] = (), numeric_first: bool = False) -> CommandSpec:
    return CommandSpec(name, usage, summary, positionals, rest, frozenset(options) | {"cohort"},
                       numeric_first)


COHORT_SETTINGS = ("timezone", "sprint", "goal", "rollover", "digest", "recap", "channel", "digest_mentions",
                   "digest_thread", "roadmap", "start", "weekly_goal", "days")

COMMANDS: tuple[CommandSpec, ...] = (
    _spec("help", "help [command]", "What studybot can do, or how to use one command.", rest="topic"),
    _spec("cohort create", "cohort create NAME [timezone:Zone] [sprint:30] [goal:1] [rollover:4]",
          "Start a study cohort in this channel; you become its organizer.", "name",
          options=COHORT_SETTINGS),
    _spec("cohort join", "cohort join [NAME]", "Join this channel's cohort, or the one named.", "name"),
    _spec("cohort leave", "cohort leave [NAME]", "Leave a cohort (your history is kept if you come back).",
          "name"),
    _spec("cohort info", "cohort info [NAME]", "The cohort's settings, members and organizers.", "name"),
    _spec("cohort settings", "cohort settings [NAME] [timezone:Zone] [sprint:MIN] [goal:N] [rollover:H] "
          "[digest:HH:MM] [recap:DAY@HH:MM] [channel:here] [digest_mentions:on|off] [digest_thread:on|off] "
          "[roadmap:ID|off] [start:YYYY-MM-DD] [weekly_goal:MINUTES|off] [days:mon-fri|all]",
          "Show or change the cohort's settings (organizers).", "name", options=COHORT_SETTINGS),
    _spec("cohort holiday", "cohort holiday [list|add YYYY-MM-DD [to:YYYY-MM-DD] [name]|remove YYYY-MM-DD]",
          "The cohort's holidays: days off for everyone, no reminders or digest (organizers add and remove).",
          "action", "date", rest="label", options=("to",)),
    _spec("cohort remove", "cohort remove NAME confirm:NAME",
          "Delete a cohort and all its check-ins (organizers).", "name", options=("confirm",)),
    _spec("checkin", "checkin [MINUTES] [what you did] [link:URL] [topic:STEP|words] [yesterday:true]",
          "Record study minutes for today (default: one sprint).", "minutes", rest="note",
          options=("link", "yesterday", "topic"), numeric_first=True),
    _spec("note", "note WHAT YOU DID [link:URL]",
          "Add what you did (and a link) to your latest check-in today, e.g. after a sprint.", rest="note",
          options=("link",)),
    _spec("sprint start", "sprint start [goal] [group:true]",
          "Start a focus sprint timer, alone or (group:true, in the cohort's channel) one others can join.",
          rest="goal", options=("group",)),
    _spec("sprint join", "sprint join", "Join the group sprint running in this cohort."),
    _spec("sprint stop", "sprint stop", "Stop your sprint and record the whole minutes so far."),
    _spec("sprint status", "sprint status", "How long your running sprint has left."),
    _spec("streak", "streak", "Your current and longest streak, freezes and today's progress.",
          options=("share",)),
    _spec("leaderboard", "leaderboard [streak|week|month|all]", "The cohort's leaderboard.", "board"),
    _spec("remind set", "remind set HH:MM", "Your daily reminder time, in your local time.", "time"),
    _spec("remind off", "remind off", "No more daily reminders in this cohort."),
    _spec("remind lastcall", "remind lastcall 2h|90m|off",
          "A last-call DM this long before your day ends, when your streak is at risk.", "length"),
    _spec("remind show", "remind", "When your daily reminder comes."),
    _spec("roadmap show", "roadmap [show] [share:true]",
          "The cohort's roadmap step: topics, project, what comes next, your progress.", options=("share",)),
    _spec("roadmap done", "roadmap done [STEP]", "Mark a roadmap step done (default: the current one).", "step"),
    _spec("roadmap load", "roadmap load FILE.yaml", "Organizers: load your own roadmap from YAML.", "source",
          rest="definition"),
    _spec("stats", "stats [@member] [year] [theme:light|dark] [share:true]",
          "Your stats card (the last 12 weeks, or a year): minutes per day, streaks, this week, best weekday.",
          "member", "span", options=("share", "theme", "span")),
    _spec("cohort export", "cohort export [NAME]", "Organizers: the cohort's check-ins as a CSV file.", "name"),
    _spec("export", "export", "Your own check-ins and day-by-day record as CSV files."),
    _spec("forget", "forget confirm:yes", "Delete everything studybot keeps about you in this workspace.",
          options=("confirm",)),
    _spec("buddy request", "buddy @member", "Ask a cohort mate to be your accountability buddy.", "member"),
    _spec("buddy accept", "buddy accept [@member]", "Say yes to a buddy request.", "member"),
    _spec("buddy end", "buddy end [@member]", "End a buddy pairing.", "member"),
    _spec("buddy show", "buddy", "Your buddies and open requests."),
    _spec("cohort pair", "cohort pair", "Organizers: pair everyone without a buddy (an odd one makes a trio).",
          "name"),
    _spec("nudge", "nudge @member", "A friendly DM to a cohort mate (once a day per person).", "member"),
    _spec("privacy", "privacy [mentions:on|off] [boards:show|hide]",
          "Whether the digest may @mention you, and whether you appear on leaderboards.",
          options=("mentions", "boards")),
    _spec("timezone set", "timezone set Zone", "Your time zone, e.g. Europe/Berlin.", "zone"),
    _spec("timezone show", "timezone", "Your time zone and local study day."),
    _spec("pause", "pause DAYS|until:YYYY-MM-DD|off",
          "Pause your streak and reminders for a while (max 60 days).", "length", options=("until",)),
    _spec("rest", "rest [sat,sun|off]",
          "Your weekly rest days (at most 3): no reminders, and your streak waits on them, in every cohort.",
          rest="days"),
    _spec("undo", "undo", "Take back your latest check-in, if you recorded it in the last 24 hours.",
          options=("checkin",)),  # checkin:KEY, a button's: that check-in rather than the latest
)

BY_NAME: dict[str, CommandSpec] = {spec.name: spec for spec in COMMANDS}

GROUPS: dict[str, tuple[str, str]] = {
    # group word -> (command when other words follow, command when the word stands alone)
    "cohort": ("cohort info", "cohort info"),
    "roadmap": ("roadmap show", "roadmap show"),
    "sprint": ("sprint status", "sprint status"),
    "remind": ("remind set", "remind show"),  # `remind 21:30` means `remind set 21:30`
    "timezone": ("timezone set", "timezone show"),
    "buddy": ("buddy request", "buddy show"),  # `buddy @ann` asks ann
}

PUBLIC_COMMANDS = frozenset({"checkin", "sprint start", "leaderboard", "cohort create", "cohort join"})

# The words a command starts with: renderers use them to spell commands the platform's way.
COMMAND_WORDS = tuple(sorted({spec.words[0] for spec in COMMANDS}))
