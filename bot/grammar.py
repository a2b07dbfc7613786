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
                   "digest_thread", "roadmap", "start", "weekly_goal", "days", "team_goal", "leagues")

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
          "[roadmap:ID|off] [start:YYYY-MM-DD] [weekly_goal:MINUTES|off] [days:mon-fri|all] "
          "[team_goal:MINUTES|off] [leagues:on|off]",
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
    _spec("focus", "focus", "Who is studying now: members in focus rooms and in sprints, and for how long."),
    _spec("cohort focusroom", "cohort focusroom [add #voice-channel [video:on] | remove #voice-channel] "
          "[status:on|off]",
          "Organizers: voice channels whose study time counts as check-ins, and a live \"studying now\" message.",
          "action", "channel", options=("video", "status")),
    _spec("streak", "streak", "Your current and longest streak, freezes and today's progress.",
          options=("share",)),
    _spec("leaderboard", "leaderboard [streak|week|month|all] [card:true]",
          "The cohort's leaderboard (card:true: as a picture too).", "board", options=("card",)),
    _spec("remind set", "remind set HH:MM [via:discord|slack|console]", "Your daily reminder time, in your local time.",
          "time", options=("via",)),
    _spec("remind off", "remind off", "No more daily reminders in this cohort."),
    _spec("remind lastcall", "remind lastcall 2h|90m|off",
          "A last-call DM this long before your day ends, when your streak is at risk.", "length"),
    _spec("remind show", "remind [via:discord|slack|console|last]",
          "When your daily reminder comes; `via:` where your reminders and DMs come, once you have linked accounts.",
          options=("via",)),
    _spec("roadmap show", "roadmap [show] [share:true]",
          "The cohort's roadmap step: topics, project, what comes next, your progress.", options=("share",)),
    _spec("roadmap done", "roadmap done [STEP]", "Mark a roadmap step done (default: the current one).", "step"),
    _spec("roadmap load", "roadmap load FILE.yaml", "Organizers: load your own roadmap from YAML.", "source",
          rest="definition"),
    _spec("stats", "stats [@member] [year] [theme:light|dark] [share:true]",
          "Your stats card (the last 12 weeks, or a year): minutes per day, streaks, this week, best weekday.",
          "member", "span", options=("share", "theme", "span")),
    _spec("league", "league", "Your league division this week: tier, rank, points, who moves up and down."),
    _spec("team", "team", "The cohort's minutes this week against its team goal, and who added most."),
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
    _spec("cohort web", "cohort web [on|off|rotate]",
          "Organizers: the cohort's web page (off until turned on; only its link opens it).", "action"),
    _spec("stats web", "stats web [rotate]",
          "Your private web page and calendar feed: the link, privately (rotate: a new one).", "action"),
    _spec("privacy", "privacy [mentions:on|off] [boards:show|hide] [web:show|hide] [leagues:on|off]",
          "Whether the digest may @mention you, whether you appear on leaderboards, and whether you play leagues.",
          options=("mentions", "boards", "web", "leagues")),
    _spec("timezone set", "timezone set Zone", "Your time zone, e.g. Europe/Berlin.", "zone"),
    _spec("timezone show", "timezone", "Your time zone and local study day."),
    _spec("pause", "pause DAYS|until:YYYY-MM-DD|off",
          "Pause your streak and reminders for a while (max 60 days).", "length", options=("until",)),
    _spec("rest", "rest [sat,sun|off]",
          "Your weekly rest days (at most 3): no reminders, and your streak waits on them, in every cohort.",
          rest="days"),
    _spec("link", "link [CODE [confirm:yes] | status]",
          "Link your accounts on Discord, Slack or another workspace: one person, one streak.", "code",
          options=("confirm",)),
    _spec("unlink", "unlink PLATFORM [workspace:ID]", "Split a linked account off again (it keeps what it recorded).",
          "platform", options=("workspace",)),
    _spec("cohort bridge", "cohort bridge [CODE]",
          "Organizers: a code to bring the cohort into a channel on another platform; redeem it there.", "code"),
    _spec("cohort unbridge", "cohort unbridge [PLATFORM]", "Organizers: the cohort leaves a bridged channel.",
          "platform"),
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
    "stats": ("stats", "stats"),  # `stats web` is a command of its own; `stats @ann`, `stats year` are `stats`
}

PUBLIC_COMMANDS = frozenset({"checkin", "sprint start", "leaderboard", "cohort create", "cohort join", "team"})
# The commands a reply's `confirm` ({command, args, label}) may name: the adapters show it as a button, and a press
# runs the command as the presser, as if typed. A pressed button naming any other command runs nothing.
CONFIRM_COMMANDS = frozenset({"link"})

# The words a command starts with: renderers use them to spell commands the platform's way.
COMMAND_WORDS = tuple(sorted({spec.words[0] for spec in COMMANDS}))

# --- help: what people want to do, and examples ------------------------------------------------------------
# `help` lists the commands by what people want to do, one example each; `help COMMAND` (or a section's word,
# `help log`) shows every example. Each example is (what to type, what it does); the first is the one `help` shows.
HELP_SECTIONS: tuple[tuple[str, str], ...] = (
    ("log", "Log your study"),
    ("progress", "See your progress"),
    ("group", "Your study group, and organizing it"),
    ("settings", "Your settings"),
    ("privacy", "Privacy and your data"),
)

Example = tuple[str, str]

HELP: dict[str, tuple[str, tuple[Example, ...]]] = {
    "help": ("help", (("help checkin", "how to use one command, with examples"),
                      ("help log", "the commands for one thing you want to do"))),
    "checkin": ("log", (("checkin 45 read the LoRA paper", "45 minutes today, with what you did"),
                        ("checkin", "one sprint's minutes (the cohort's default)"),
                        ("checkin 30 link:https://github.com/you/repo", "with a link to what you made"),
                        ("checkin 30 topic:3", "minutes on roadmap step 3"),
                        ("checkin 30 yesterday:true", "for yesterday, if you forgot"))),
    "note": ("log", (("note read the LoRA paper", "what you did, on your latest check-in today"),
                     ("note link:https://github.com/you/repo", "a link on it"))),
    "sprint start": ("log", (("sprint start attention paper", "a focus timer; its minutes are logged when it ends"),
                             ("sprint start group:true", "a group sprint others in the channel can join"))),
    "sprint stop": ("log", (("sprint stop", "stop early and log the whole minutes so far"),)),
    "sprint status": ("log", (("sprint status", "how long your sprint has left"),)),
    "focus": ("group", (("focus", "who is studying now: in focus rooms and sprints, and for how long"),)),
    "cohort focusroom": ("group", (("cohort focusroom add #study-hall", "organizers: time in that voice channel "
                                                                      "counts as check-ins"),
                                   ("cohort focusroom add #cam-room video:on", "only camera or screen-share time"),
                                   ("cohort focusroom status:on", "a live \"studying now\" message, pinned"),
                                   ("cohort focusroom remove #study-hall", "stop counting that channel"),
                                   ("cohort focusroom", "the cohort's focus rooms"))),
    "undo": ("log", (("undo", "take back your latest check-in (within 24 hours)"),)),
    "streak": ("progress", (("streak", "your streak, freezes and today's progress"),
                            ("streak share:true", "the same, shown to the channel"))),
    "stats": ("progress", (("stats", "your card: the last 12 weeks, minutes, streaks"),
                           ("stats @ann", "a cohort mate's card"),
                           ("stats share:true", "post yours in the channel"))),
    "stats web": ("progress", (("stats web", "your private page and calendar feed (link sent privately)"),
                               ("stats web rotate", "new links; the old ones stop working"))),
    "leaderboard": ("progress", (("leaderboard week", "minutes this week"),
                                 ("leaderboard", "current streaks"),
                                 ("leaderboard all", "minutes of all time"))),
    "roadmap show": ("progress", (("roadmap", "this week's step, what comes next, your progress"),)),
    "league": ("progress", (("league", "your league division this week and who moves up or down"),)),
    "team": ("progress", (("team", "the cohort's minutes this week against its team goal"),)),
    "roadmap done": ("progress", (("roadmap done", "mark the current step done"),
                                  ("roadmap done 2", "mark step 2 done"))),
    "cohort join": ("group", (("cohort join", "join this channel's cohort"),
                              ("cohort join ml-club", "join the cohort named"))),
    "cohort info": ("group", (("cohort info", "members, organizers and settings"),)),
    "sprint join": ("group", (("sprint join", "join the group sprint running here"),)),
    "buddy request": ("group", (("buddy @ann", "ask ann to be your accountability buddy"),)),
    "buddy accept": ("group", (("buddy accept", "say yes to a buddy request"),)),
    "buddy show": ("group", (("buddy", "your buddies and open requests"),)),
    "buddy end": ("group", (("buddy end @ann", "end the pairing with ann"),)),
    "nudge": ("group", (("nudge @ann", "a friendly DM to ann, once a day"),)),
    "cohort leave": ("group", (("cohort leave", "leave; your history is kept if you come back"),)),
    "cohort create": ("group", (("cohort create ml-club timezone:Europe/Berlin",
                                 "a cohort in this channel, in Berlin time; you organize it"),
                                ("cohort create ml-club sprint:25 goal:2", "two 25-minute sprints a day"))),
    "cohort settings": ("group", (("cohort settings digest:20:30", "organizers: when the daily digest is posted"),
                                  ("cohort settings", "show the settings"),
                                  ("cohort settings days:mon-fri weekly_goal:150", "study days and a weekly goal"),
                                  ("cohort settings roadmap:off", "no roadmap"),
                                  ("cohort settings team_goal:600", "600 minutes a week, all together"))),
    "cohort holiday": ("group", (("cohort holiday add 2026-12-24 to:2026-12-26 winter break",
                                  "organizers: days off for everyone"),
                                 ("cohort holiday", "the study days and coming holidays"),
                                 ("cohort holiday remove 2026-12-24", "take a holiday back"))),
    "roadmap load": ("group", (("roadmap load my-roadmap.yaml", "organizers: your own roadmap (attach the file)"),)),
    "cohort pair": ("group", (("cohort pair", "organizers: pair everyone without a buddy"),)),
    "cohort export": ("group", (("cohort export", "organizers: every check-in as a CSV file"),)),
    "cohort web": ("group", (("cohort web on", "organizers: a web page for the cohort, by private link"),
                             ("cohort web rotate", "a new link; the old one stops working"),
                             ("cohort web off", "take the page down"))),
    "cohort remove": ("group", (("cohort remove ml-club confirm:ml-club", "organizers: delete the cohort"),)),
    "remind set": ("settings", (("remind set 21:30", "your daily reminder at 21:30, your time"),
                                ("remind via:slack", "reminders and DMs on Slack (linked accounts)"))),
    "remind show": ("settings", (("remind", "when your reminder comes"),)),
    "remind off": ("settings", (("remind off", "no more daily reminders"),)),
    "remind lastcall": ("settings", (("remind lastcall 2h", "a last call 2 hours before your day ends"),
                                     ("remind lastcall off", "no last call"))),
    "timezone set": ("settings", (("timezone set Europe/Berlin", "your own time zone"),)),
    "timezone show": ("settings", (("timezone", "your time zone and today's date there"),)),
    "pause": ("settings", (("pause 3", "pause streak and reminders for 3 days"),
                           ("pause until:2026-04-01", "until a date"),
                           ("pause off", "back to studying"))),
    "rest": ("settings", (("rest sat,sun", "weekends off: your streak waits"),
                          ("rest off", "no rest days"),
                          ("rest", "your rest days"))),
    "privacy": ("privacy", (("privacy boards:hide", "leave the leaderboards"),
                            ("privacy mentions:off", "no @mention in the digest"),
                            ("privacy web:show", "your name, not \"Member N\", on the cohort's web page"),
                            ("privacy", "your choices"))),
    "export": ("privacy", (("export", "your check-ins and day-by-day record as CSV"),)),
    "link": ("settings", (("link", "a one-time code to link your account on another platform: one streak"),
                          ("link ABCDE-FGH23", "on the other account: link with the account that made the code"),
                          ("link status", "your linked accounts"))),
    "unlink": ("settings", (("unlink slack", "split your Slack account off again"),)),
    "cohort bridge": ("group", (("cohort bridge", "organizers: a code to bring this cohort to a Slack or Discord "
                                                  "channel"),
                                ("cohort bridge ABCDE-FGH23", "in that channel: it becomes a home of the cohort"))),
    "cohort unbridge": ("group", (("cohort unbridge", "organizers, in a bridged channel: the cohort leaves it"),)),
    "forget": ("privacy", (("forget confirm:yes", "delete everything studybot keeps about you here"),)),
}
