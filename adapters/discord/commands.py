"""Every command of the grammar as a Discord slash command, with typed options and autocomplete."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Literal, TypeVar

import discord
from discord import app_commands

from adapters.discord.interactions import PLATFORM, Runner, invocation
from bot.offdays import Holiday
from bot.zones import suggest_zones

T = TypeVar("T")

MAX_ROADMAP_BYTES = 64 * 1024
MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices
Board = Literal["streak", "week", "month", "all"]
COHORT_HELP = "Which cohort, if you are in several, e.g. ml-club"
DATE_CHOICES = 14  # days offered from today on
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Suggestions only: whatever is typed goes to the core, which reads and checks it.
STUDY_DAYS = (("mon-fri", "Monday to Friday"), ("all", "every day"), ("sun-thu", "Sunday to Thursday"),
              ("sat-thu", "Saturday to Thursday"), ("mon-sat", "Monday to Saturday"),
              ("mon,wed,fri", "Monday, Wednesday and Friday"), ("tue,thu", "Tuesday and Thursday"),
              ("sat,sun", "weekends only"))
DAYS_HELP = "The cohort's study days, e.g. mon-fri; all for every day"
REST_DAYS = (("sat,sun", "Saturday and Sunday"), ("sun", "Sunday"), ("sat", "Saturday"),
             ("fri,sat", "Friday and Saturday"), ("fri", "Friday"), ("off", "no rest days"))
# What Discord's picker shows for each option (at most 100 characters): what to type, with an example.
ZONE_HELP = "A city or IANA zone, e.g. Berlin, Bangalore or Europe/Berlin"
COHORT_NAME_HELP = "The cohort's name, e.g. ml-club (default: this channel's cohort)"
ROADMAP_HELP = "A learning roadmap to follow, e.g. beginner-to-pro; off for none"
START_HELP = "The roadmap's first day, YYYY-MM-DD, e.g. 2026-03-02 (default: today)"
SPRINT_HELP = "Minutes in one sprint, 5-180, e.g. 25 (default 30)"
GOAL_HELP = "Sprints a day that make the day done, 1-10 (default 1)"
NOTE_HELP = "What you did, e.g. read chapter 3 of the book"
LINK_HELP = "A link to your work, http(s), e.g. https://github.com/you/project"


def _choices(*pairs: tuple[str, str]) -> list[app_commands.Choice[str]]:
    """Choices that read as what they do in the picker; the value is what the core is given."""
    return [app_commands.Choice(name=label, value=value) for value, label in pairs]


BOARD_CHOICES = _choices(("streak", "Streak: days in a row"), ("week", "This week's minutes (Monday to Sunday)"),
                         ("month", "This month's minutes"), ("all", "All-time minutes"))
LASTCALL_CHOICES = _choices(("1h", "1 hour before my day ends"), ("2h", "2 hours before my day ends"),
                            ("3h", "3 hours before my day ends"), ("off", "Off: no last call"))
MENTIONS_CHOICES = _choices(("on", "On: digests may @mention me"), ("off", "Off: name me without a ping"))
BOARDS_CHOICES = _choices(("show", "Show me on leaderboards"), ("hide", "Hide me from leaderboards"))
WEB_NAME_CHOICES = _choices(("show", "Show my name on the cohort's web page"),
                            ("hide", "Show me as \"Member N\" on the web page"))
COHORT_WEB_CHOICES = _choices(("on", "On: make the page (its link comes to you privately)"),
                              ("rotate", "Rotate: a new link; the old one stops working"),
                              ("off", "Off: take the page down"))
FORGET_CHOICES = _choices(("yes", "Yes, delete everything about me in this server"),)
LINK_CHOICES = _choices(("yes", "Yes, link these accounts"),)
PLATFORM_CHOICES = _choices(("discord", "Discord"), ("slack", "Slack"), ("console", "Console"))
VIA_CHOICES = _choices(("discord", "Discord"), ("slack", "Slack"), ("console", "Console"),
                       ("last", "Where I checked in last"))
DIGEST_MENTIONS_CHOICES = _choices(("on", "On: @mention members not done yet"),
                                   ("off", "Off: name them without a ping"))
DIGEST_THREAD_CHOICES = _choices(("on", "On: one thread a week, under Monday's digest"),
                                 ("off", "Off: a new message every day"))
LEAGUES_CHOICES = _choices(("on", "On: weekly divisions of up to 30, promotion and demotion"),
                           ("off", "Off: no leagues (a week under way still ends)"))
VIDEO_CHOICES = _choices(("off", "Off: all time in the channel counts"),
                        ("on", "On: only time with camera or screen share counts"))
LIVE_STATUS_CHOICES = _choices(("on", "On: pin a live \"studying now\" message in the cohort's channel"),
                               ("off", "Off: stop updating it"))
PLAY_LEAGUES_CHOICES = _choices(("on", "On: place me in a division each Monday"),
                                ("off", "Off: leave me out of leagues from next Monday"))


def zone_choices(current: str) -> list[str]:
    """The core's zone suggestions for what was typed (`berln`, `new york`, `Bangalore`), the same ranking
    `timezone set` answers with, so the first choice is the zone the core would take or suggest first."""
    return suggest_zones(current, limit=MAX_CHOICES)


def day_choices(options: Iterable[tuple[str, str]], current: str) -> list[app_commands.Choice[str]]:
    """Weekday sets (`mon-fri`, `sat,sun`, ...) matching what was typed, by value or by their words."""
    wanted = current.strip().lower()
    return [app_commands.Choice(name=f"{value} — {words}", value=value) for value, words in options
            if wanted in value or wanted in words.lower()][:MAX_CHOICES]


def date_choices(first: date, current: str, holidays: Iterable[Holiday] = (),
                 days: int = DATE_CHOICES) -> list[app_commands.Choice[str]]:
    """`first` and the days after it as `2026-03-09 Monday`, each marked with a holiday it is already in;
    what was typed filters them (`03-1`, `fri`)."""
    wanted = current.strip().lower()
    holidays = tuple(holidays)
    found = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        label = f"{day.isoformat()} {WEEKDAY_NAMES[day.weekday()]}"
        holiday = next((h for h in holidays if h.covers(day)), None)
        if holiday is not None:
            label += f" (holiday{' ' + holiday.name if holiday.name else ''})"
        if wanted in label.lower():
            found.append(app_commands.Choice(name=label[:100], value=day.isoformat()))
    return found[:MAX_CHOICES]


def holiday_choices(holidays: Iterable[Holiday], current: str) -> list[app_commands.Choice[str]]:
    """Holidays not over yet, by their first day (the day `remove` names)."""
    wanted = current.strip().lower()
    return [app_commands.Choice(name=f"{WEEKDAY_NAMES[h.start.weekday()][:3]} {h.describe()}"[:100],
                                value=h.start.isoformat())
            for h in holidays if wanted in h.describe().lower()][:MAX_CHOICES]


def _iso_date(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return None


def _with_cohort(complete: object) -> Callable[[T], T]:
    """The `cohort` option every cohort-scoped command takes, so `Add cohort:NAME` (the core's answer
    to a member of several cohorts outside their channels) can be followed on Discord too."""
    def decorate(callback: T) -> T:
        callback = app_commands.describe(cohort=COHORT_HELP)(callback)
        return app_commands.autocomplete(cohort=complete)(callback)  # type: ignore[arg-type]
    return decorate


def register(tree: app_commands.CommandTree, runner: Runner) -> None:
    bot = runner.bot

    async def zones(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in zone_choices(current)]

    async def cohorts(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = await bot.cohort_names(PLATFORM, str(interaction.guild_id))
        return [app_commands.Choice(name=n, value=n) for n in names if current.lower() in n.lower()][:MAX_CHOICES]

    async def roadmaps(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        ids = [*sorted(bot.tools.roadmaps), "off"]
        return [app_commands.Choice(name=r, value=r) for r in ids if current.lower() in r][:MAX_CHOICES]

    async def study_days(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return day_choices(STUDY_DAYS, current)

    async def rest_days(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return day_choices(REST_DAYS, current)

    async def holiday_calendar(interaction: discord.Interaction) -> tuple[date, tuple[Holiday, ...]]:
        """The cohort's today and its holidays to come (the `cohort` option's cohort, else the caller's);
        today in UTC and none when no cohort applies yet."""
        found = await bot.calendar(invocation(interaction), getattr(interaction.namespace, "cohort", None), days=0)
        if found is None:
            return bot.clock.now().date(), ()
        return found.cohort_today, found.holidays

    async def holiday_start(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        today, holidays = await holiday_calendar(interaction)
        return date_choices(today, current, holidays)

    async def holiday_end(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        today, holidays = await holiday_calendar(interaction)
        start = _iso_date(getattr(interaction.namespace, "date", None))
        return date_choices(start if start is not None and start >= today else today, current, holidays)

    async def holidays_to_remove(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        _, holidays = await holiday_calendar(interaction)
        return holiday_choices(holidays, current)

    cohort_option = _with_cohort(cohorts)

    @tree.command(name="help", description="What studybot can do, or how to use one command")
    @app_commands.describe(command="A command to explain, e.g. checkin or cohort settings")
    async def help_(interaction: discord.Interaction, command: str | None = None) -> None:
        await runner.run(interaction, "help", {"topic": command})

    @tree.command(name="checkin", description="Record study minutes for today (default: one sprint)")
    @app_commands.describe(minutes="Minutes studied, 1-600, e.g. 45 (default: one sprint)", note=NOTE_HELP,
                           link=LINK_HELP, topic="A roadmap step number or words, e.g. 3 or backprop",
                           yesterday="True logs it for yesterday (no further back)", cohort=COHORT_HELP)
    @app_commands.autocomplete(cohort=cohorts)
    async def checkin(interaction: discord.Interaction, minutes: app_commands.Range[int, 1, 600] | None = None,
                      note: app_commands.Range[str, 1, 500] | None = None, link: str | None = None,
                      topic: str | None = None, yesterday: bool = False, cohort: str | None = None) -> None:
        await runner.run(interaction, "checkin", {"minutes": minutes, "note": note, "link": link, "topic": topic,
                                                  "yesterday": yesterday, "cohort": cohort})

    @tree.command(name="note", description="Add what you did (and a link) to your latest check-in today")
    @app_commands.describe(note=NOTE_HELP, link=LINK_HELP)
    @cohort_option
    async def note(interaction: discord.Interaction, note: app_commands.Range[str, 1, 500] | None = None,
                   link: str | None = None, cohort: str | None = None) -> None:
        await runner.run(interaction, "note", {"note": note, "link": link, "cohort": cohort})

    @tree.command(name="streak", description="Your current and longest streak, freezes and today's progress")
    @app_commands.describe(share="True shows it to the channel; otherwise only you see it")
    @cohort_option
    async def streak(interaction: discord.Interaction, share: bool = False, cohort: str | None = None) -> None:
        await runner.run(interaction, "streak", {"share": share, "cohort": cohort})

    @tree.command(name="leaderboard", description="The cohort's leaderboard")
    @app_commands.describe(board="What to rank by: streak (default), or minutes this week, month or all time",
                           card="True attaches the board as a picture too, as the cohort's web page shows it")
    @app_commands.choices(board=BOARD_CHOICES)
    @cohort_option
    async def leaderboard(interaction: discord.Interaction, board: Board = "streak", card: bool = False,
                          cohort: str | None = None) -> None:
        await runner.run(interaction, "leaderboard", {"board": board, "card": card, "cohort": cohort})

    @tree.command(name="focus", description="Who is studying now: in focus rooms and sprints, and for how long")
    @cohort_option
    async def focus(interaction: discord.Interaction, cohort: str | None = None) -> None:
        await runner.run(interaction, "focus", {"cohort": cohort})

    @tree.command(name="team", description="The cohort's minutes this week against its team goal")
    @cohort_option
    async def team(interaction: discord.Interaction, cohort: str | None = None) -> None:
        await runner.run(interaction, "team", {"cohort": cohort})

    @tree.command(name="league", description="Your league division this week: tier, rank, who moves up or down")
    @cohort_option
    async def league(interaction: discord.Interaction, cohort: str | None = None) -> None:
        await runner.run(interaction, "league", {"cohort": cohort})

    @tree.command(name="pause", description="Pause your streak and reminders (max 60 days)")
    @app_commands.describe(days="How many days from today, 1-60, e.g. 7", until="Last paused day, e.g. 2026-03-20",
                           off="True ends your pause now")
    @cohort_option
    async def pause(interaction: discord.Interaction, days: app_commands.Range[int, 1, 60] | None = None,
                    until: str | None = None, off: bool = False, cohort: str | None = None) -> None:
        length = "off" if off else (f"{days}d" if days else None)
        await runner.run(interaction, "pause", {"length": length, "until": until, "cohort": cohort})

    @tree.command(name="stats", description="Your stats card (12 weeks or a year), and the numbers behind it")
    @app_commands.describe(span="weeks: the last 12 weeks (default); year: the last 12 months",
                           theme="light (default) or dark, to match your Discord theme")
    @cohort_option
    @app_commands.describe(member="Whose stats, e.g. @ann (default: yours)",
                           share="True shows it to the channel; otherwise only you see it")
    async def stats(interaction: discord.Interaction, member: discord.Member | None = None,
                    span: Literal["weeks", "year"] | None = None, theme: Literal["light", "dark"] | None = None,
                    share: bool = False, cohort: str | None = None) -> None:
        await runner.run(interaction, "stats", {"member": member, "span": span, "theme": theme, "share": share,
                                                "cohort": cohort})

    @tree.command(name="nudge", description="A friendly DM to a cohort mate (once a day)")
    @app_commands.describe(member="Who to nudge, e.g. @ann (someone in your cohort)")
    @cohort_option
    async def nudge(interaction: discord.Interaction, member: discord.Member, cohort: str | None = None) -> None:
        await runner.run(interaction, "nudge", {"member": member, "cohort": cohort})

    @tree.command(name="privacy", description="Whether digests may @mention you; whether boards and leagues show you")
    @app_commands.describe(mentions="Whether the daily digest may @mention you: on or off",
                           boards="Whether leaderboards list you: show or hide",
                           web="Your name on the cohort's web page (show), or \"Member N\" (hide, the default)",
                           leagues="Whether you play in weekly leagues: on (the default) or off, from next Monday")
    @app_commands.choices(mentions=MENTIONS_CHOICES, boards=BOARDS_CHOICES, web=WEB_NAME_CHOICES,
                          leagues=PLAY_LEAGUES_CHOICES)
    async def privacy(interaction: discord.Interaction, mentions: Literal["on", "off"] | None = None,
                      boards: Literal["show", "hide"] | None = None, web: Literal["show", "hide"] | None = None,
                      leagues: Literal["on", "off"] | None = None) -> None:
        await runner.run(interaction, "privacy", {"mentions": mentions, "boards": boards, "web": web,
                                                  "leagues": leagues})

    @tree.command(name="webpage", description="Your private web page and calendar feed: the link, only for you")
    @app_commands.describe(rotate="True gives new links; the old ones stop working at once")
    @cohort_option
    async def webpage(interaction: discord.Interaction, rotate: bool = False, cohort: str | None = None) -> None:
        await runner.run(interaction, "stats web", {"action": "rotate" if rotate else None, "cohort": cohort})

    @tree.command(name="export", description="Your own check-ins and day-by-day record as CSV")
    @cohort_option
    async def export(interaction: discord.Interaction, cohort: str | None = None) -> None:
        await runner.run(interaction, "export", {"cohort": cohort})

    @tree.command(name="forget", description="Delete everything studybot keeps about you in this server")
    @app_commands.describe(confirm="Leave empty to see what would go; pick yes to delete it for good")
    @app_commands.choices(confirm=FORGET_CHOICES)
    async def forget(interaction: discord.Interaction, confirm: Literal["yes"] | None = None) -> None:
        await runner.run(interaction, "forget", {"confirm": confirm})

    @tree.command(name="link", description="Link your account on another platform or server: one person, one streak")
    @app_commands.describe(code="Empty: get a code here. On the other account: the code you got, e.g. ABCDE-FGH23",
                           confirm="Pick yes to link, after reading which accounts the code links")
    @app_commands.choices(confirm=LINK_CHOICES)
    async def link(interaction: discord.Interaction, code: app_commands.Range[str, 1, 40] | None = None,
                   confirm: Literal["yes"] | None = None) -> None:
        await runner.run(interaction, "link", {"code": code, "confirm": confirm})

    @tree.command(name="accounts", description="Your linked accounts, and where your reminders come")
    async def accounts(interaction: discord.Interaction) -> None:
        await runner.run(interaction, "link", {"code": "status"})

    @tree.command(name="unlink", description="Split a linked account off again; it keeps what it recorded")
    @app_commands.describe(platform="The account to split off", workspace="Its workspace or server id, when you "
                                                                          "have two on that platform")
    @app_commands.choices(platform=PLATFORM_CHOICES)
    async def unlink(interaction: discord.Interaction, platform: Literal["discord", "slack", "console"],
                     workspace: str | None = None) -> None:
        await runner.run(interaction, "unlink", {"platform": platform, "workspace": workspace})

    @tree.command(name="rest", description="Your weekly rest days: no reminders, and your streak waits on them")
    @app_commands.describe(days="Up to 3 weekdays, e.g. sat,sun; off for none; empty to see yours")
    @app_commands.autocomplete(days=rest_days)
    async def rest(interaction: discord.Interaction, days: app_commands.Range[str, 1, 60] | None = None) -> None:
        await runner.run(interaction, "rest", {"days": days})

    @tree.command(name="undo", description="Take back your latest check-in from the last 24 hours")
    async def undo(interaction: discord.Interaction) -> None:
        await runner.run(interaction, "undo", {})

    cohort = app_commands.Group(name="cohort", description="Study cohorts")

    @cohort.command(name="create", description="Start a cohort in this channel; you organize it")
    @app_commands.describe(name="2-40 letters, digits, - or _, e.g. ml-club",
                           timezone="The cohort's time zone: a city or IANA zone, e.g. Berlin (default UTC)",
                           sprint=SPRINT_HELP, goal=GOAL_HELP, roadmap=ROADMAP_HELP, start=START_HELP,
                           days=DAYS_HELP)
    @app_commands.autocomplete(timezone=zones, roadmap=roadmaps, days=study_days)
    async def cohort_create(interaction: discord.Interaction, name: str, timezone: str | None = None,
                            sprint: app_commands.Range[int, 5, 180] | None = None,
                            goal: app_commands.Range[int, 1, 10] | None = None, roadmap: str | None = None,
                            start: str | None = None, days: str | None = None) -> None:
        await runner.run(interaction, "cohort create", {"name": name, "timezone": timezone, "sprint": sprint,
                                                        "goal": goal, "roadmap": roadmap, "start": start,
                                                        "days": days})

    for verb, description in (("join", "Join this channel's cohort, or the one named"),
                              ("leave", "Leave a cohort (your history is kept)"),
                              ("info", "The cohort's settings, members and organizers"),
                              ("export", "Organizers: the cohort's check-ins as CSV"),
                              ("pair", "Organizers: pair everyone without a buddy")):
        cohort.add_command(_named_cohort_command(runner, verb, description, cohorts, COHORT_NAME_HELP))

    @cohort.command(name="settings", description="Show or (organizers) change the cohort's settings")
    @app_commands.describe(name=COHORT_NAME_HELP,
                           timezone="The cohort's time zone: a city or IANA zone, e.g. Berlin or America/New_York",
                           sprint=SPRINT_HELP, goal=GOAL_HELP,
                           rollover="Hour the study day ends, 0-12, e.g. 4: 03:00 still counts for the day before",
                           digest="Time of the daily digest, HH:MM in the cohort's zone, e.g. 20:00",
                           recap="Day and time of the weekly recap, e.g. sun@18:00",
                           digest_mentions="Whether the digest @mentions members not done yet: on or off",
                           digest_thread="Whether a week's digests share one thread, under Monday's: on or off",
                           roadmap=ROADMAP_HELP, start=START_HELP,
                           weekly_goal="Minutes a week each member aims for, e.g. 300; off for none",
                           team_goal="Minutes a week the whole cohort aims for together, e.g. 600; off for none",
                           leagues="Weekly leagues for big cohorts (30+ active members): on or off",
                           days=DAYS_HELP)
    @app_commands.choices(digest_mentions=DIGEST_MENTIONS_CHOICES, digest_thread=DIGEST_THREAD_CHOICES,
                          leagues=LEAGUES_CHOICES)
    @app_commands.autocomplete(name=cohorts, timezone=zones, roadmap=roadmaps, days=study_days)
    async def cohort_settings(interaction: discord.Interaction, name: str | None = None,
                              timezone: str | None = None, sprint: app_commands.Range[int, 5, 180] | None = None,
                              goal: app_commands.Range[int, 1, 10] | None = None,
                              rollover: app_commands.Range[int, 0, 12] | None = None, digest: str | None = None,
                              recap: str | None = None, digest_mentions: Literal["on", "off"] | None = None,
                              digest_thread: Literal["on", "off"] | None = None, roadmap: str | None = None,
                              start: str | None = None, weekly_goal: str | None = None,
                              days: str | None = None, team_goal: str | None = None,
                              leagues: Literal["on", "off"] | None = None) -> None:
        await runner.run(interaction, "cohort settings", {"team_goal": team_goal, "leagues": leagues,
            "name": name, "timezone": timezone, "sprint": sprint, "goal": goal, "rollover": rollover,
            "digest": digest, "recap": recap, "digest_mentions": digest_mentions, "digest_thread": digest_thread,
            "roadmap": roadmap, "start": start, "weekly_goal": weekly_goal, "days": days})

    holiday = app_commands.Group(name="holiday", description="The cohort's holidays: days off for everyone",
                                 parent=cohort)

    @holiday.command(name="list", description="The cohort's study days and coming holidays")
    @cohort_option
    async def holiday_list(interaction: discord.Interaction, cohort: str | None = None) -> None:
        await runner.run(interaction, "cohort holiday", {"action": "list", "cohort": cohort})

    @holiday.command(name="add", description="Organizers: days off for everyone, no reminders or digest")
    @app_commands.describe(date="First day off, YYYY-MM-DD", to="Last day off (default: the first)",
                           name="What it is, e.g. Spring break")
    @app_commands.autocomplete(date=holiday_start, to=holiday_end)
    @cohort_option
    async def holiday_add(interaction: discord.Interaction, date: str, to: str | None = None,
                          name: app_commands.Range[str, 1, 80] | None = None, cohort: str | None = None) -> None:
        await runner.run(interaction, "cohort holiday", {"action": "add", "date": date, "to": to, "label": name,
                                                         "cohort": cohort})

    @holiday.command(name="remove", description="Organizers: cancel a holiday (one under way ends today)")
    @app_commands.describe(date="A day of the holiday, YYYY-MM-DD")
    @app_commands.autocomplete(date=holidays_to_remove)
    @cohort_option
    async def holiday_remove(interaction: discord.Interaction, date: str, cohort: str | None = None) -> None:
        await runner.run(interaction, "cohort holiday", {"action": "remove", "date": date, "cohort": cohort})

    focusroom = app_commands.Group(name="focusroom", description="Voice channels whose study time counts as check-ins",
                                   parent=cohort)

    @focusroom.command(name="list", description="The cohort's focus rooms, and whether the live message is on")
    @cohort_option
    async def focusroom_list(interaction: discord.Interaction, cohort: str | None = None) -> None:
        await runner.run(interaction, "cohort focusroom", {"cohort": cohort})

    @focusroom.command(name="add", description="Organizers: time members spend in this voice channel counts")
    @app_commands.describe(channel="A voice or stage channel, e.g. Study Hall",
                           video="on: only time with camera or screen share counts (default off)")
    @app_commands.choices(video=VIDEO_CHOICES)
    @cohort_option
    async def focusroom_add(interaction: discord.Interaction, channel: discord.VoiceChannel | discord.StageChannel,
                            video: Literal["on", "off"] = "off", cohort: str | None = None) -> None:
        await runner.run(interaction, "cohort focusroom", {"action": "add", "channel": channel, "video": video,
                                                           "cohort": cohort})

    @focusroom.command(name="remove", description="Organizers: stop counting a voice channel (running time is kept)")
    @app_commands.describe(channel="One of the cohort's focus rooms")
    @cohort_option
    async def focusroom_remove(interaction: discord.Interaction,
                               channel: discord.VoiceChannel | discord.StageChannel, cohort: str | None = None) -> None:
        await runner.run(interaction, "cohort focusroom", {"action": "remove", "channel": channel, "cohort": cohort})

    @focusroom.command(name="status", description="Organizers: a pinned live \"studying now\" message here")
    @app_commands.describe(status="on: pin one in the cohort's channel and keep it current; off: stop updating it")
    @app_commands.choices(status=LIVE_STATUS_CHOICES)
    @cohort_option
    async def focusroom_status(interaction: discord.Interaction, status: Literal["on", "off"],
                               cohort: str | None = None) -> None:
        await runner.run(interaction, "cohort focusroom", {"status": status, "cohort": cohort})

    @cohort.command(name="web", description="Organizers: the cohort's web page, reachable only by its link")
    @app_commands.describe(action="on, rotate (a new link) or off; empty to see the link")
    @app_commands.choices(action=COHORT_WEB_CHOICES)
    @cohort_option
    async def cohort_web(interaction: discord.Interaction, action: Literal["on", "off", "rotate"] | None = None,
                         cohort: str | None = None) -> None:
        await runner.run(interaction, "cohort web", {"action": action, "cohort": cohort})

    @cohort.command(name="bridge", description="Organizers: bring the cohort to a channel on Slack or another server")
    @app_commands.describe(code="Empty: get a code in the cohort's channel. In the new channel: that code")
    @cohort_option
    async def cohort_bridge(interaction: discord.Interaction, code: app_commands.Range[str, 1, 40] | None = None,
                            cohort: str | None = None) -> None:
        await runner.run(interaction, "cohort bridge", {"code": code, "cohort": cohort})

    @cohort.command(name="unbridge", description="Organizers: the cohort leaves a bridged channel (this one)")
    @app_commands.describe(platform="The platform of the home to remove; empty: this channel")
    @app_commands.choices(platform=PLATFORM_CHOICES)
    @cohort_option
    async def cohort_unbridge(interaction: discord.Interaction,
                              platform: Literal["discord", "slack", "console"] | None = None,
                              cohort: str | None = None) -> None:
        await runner.run(interaction, "cohort unbridge", {"platform": platform, "cohort": cohort})

    @cohort.command(name="remove", description="Organizers: delete a cohort and all its check-ins")
    @app_commands.describe(name="The cohort to delete, e.g. ml-club",
                           confirm="Type the cohort's name again to confirm, e.g. ml-club")
    @app_commands.autocomplete(name=cohorts)
    async def cohort_remove(interaction: discord.Interaction, name: str, confirm: str | None = None) -> None:
        await runner.run(interaction, "cohort remove", {"name": name, "confirm": confirm})

    sprint = app_commands.Group(name="sprint", description="Focus sprints")

    @sprint.command(name="start", description="Start a sprint; group:true lets others join")
    @app_commands.describe(goal="What this sprint is for, e.g. chapter 3 exercises",
                           group="True lets others in this channel join your sprint")
    @cohort_option
    async def sprint_start(interaction: discord.Interaction, goal: str | None = None, group: bool = False,
                           cohort: str | None = None) -> None:
        await runner.run(interaction, "sprint start", {"goal": goal, "group": group, "cohort": cohort})

    sprint.add_command(_plain_command(runner, "sprint join", "join", "Join the group sprint running here",
                                      cohort_option))
    for verb, description in (("stop", "Stop your sprint and record the minutes so far"),
                              ("status", "How long your sprint has left")):
        sprint.add_command(_plain_command(runner, f"sprint {verb}", verb, description))

    remind = app_commands.Group(name="remind", description="Your daily reminder")

    @remind.command(name="set", description="Your daily reminder time (HH:MM, your local time)")
    @app_commands.describe(time="HH:MM, 24-hour, in your time zone, e.g. 19:00")
    @cohort_option
    async def remind_set(interaction: discord.Interaction, time: str, cohort: str | None = None) -> None:
        await runner.run(interaction, "remind set", {"time": time, "cohort": cohort})

    @remind.command(name="lastcall", description="A last-call DM before your day ends, when your streak is at risk")
    @app_commands.describe(before="How long before your day ends, e.g. 2h; off for no last call")
    @app_commands.choices(before=LASTCALL_CHOICES)
    @cohort_option
    async def remind_lastcall(interaction: discord.Interaction, before: Literal["1h", "2h", "3h", "off"],
                              cohort: str | None = None) -> None:
        await runner.run(interaction, "remind lastcall", {"length": before, "cohort": cohort})

    @remind.command(name="via", description="Where reminders and other DMs come, once your accounts are linked")
    @app_commands.describe(platform="A platform you have a linked account on; last: where you checked in last")
    @app_commands.choices(platform=VIA_CHOICES)
    async def remind_via(interaction: discord.Interaction,
                         platform: Literal["discord", "slack", "console", "last"]) -> None:
        await runner.run(interaction, "remind show", {"via": platform})

    remind.add_command(_plain_command(runner, "remind off", "off", "No more daily reminders here", cohort_option))
    remind.add_command(_plain_command(runner, "remind show", "show", "When your reminder comes", cohort_option))

    timezone = app_commands.Group(name="timezone", description="Your time zone")

    @timezone.command(name="set", description="Your time zone, e.g. Berlin or Europe/Berlin")
    @app_commands.describe(zone=ZONE_HELP)
    @app_commands.autocomplete(zone=zones)
    async def timezone_set(interaction: discord.Interaction, zone: str) -> None:
        await runner.run(interaction, "timezone set", {"zone": zone})

    timezone.add_command(_plain_command(runner, "timezone show", "show", "Your time zone"))

    roadmap = app_commands.Group(name="roadmap", description="The cohort's learning roadmap")
    roadmap.add_command(_plain_command(runner, "roadmap show", "show", "The current step, topics and project",
                                       cohort_option))

    async def steps(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        found = await bot.roadmap_steps(invocation(interaction), getattr(interaction.namespace, "cohort", None))
        return [app_commands.Choice(name=f"{number}. {title}"[:100], value=number) for number, title in found
                if current.lower() in f"{number} {title}".lower()][:25]

    @roadmap.command(name="done", description="Mark a roadmap step done (default: the current one)")
    @app_commands.describe(step="The step's number, e.g. 3 (default: the current step)")
    @app_commands.autocomplete(step=steps)
    @cohort_option
    async def roadmap_done(interaction: discord.Interaction,
                           step: app_commands.Range[int, 1, 50] | None = None, cohort: str | None = None) -> None:
        await runner.run(interaction, "roadmap done", {"step": step, "cohort": cohort})

    @roadmap.command(name="load", description="Organizers: load your own roadmap from a YAML file")
    @app_commands.describe(file="A .yaml roadmap file of at most 64 KB, e.g. my-roadmap.yaml")
    @cohort_option
    async def roadmap_load(interaction: discord.Interaction, file: discord.Attachment,
                           cohort: str | None = None) -> None:
        if file.size > MAX_ROADMAP_BYTES:
            await interaction.response.send_message(f"That file is larger than {MAX_ROADMAP_BYTES // 1024} KB.",
                                                    ephemeral=True)
            return
        text = (await file.read()).decode("utf-8", errors="replace")
        await runner.run(interaction, "roadmap load", {"source": file.filename, "definition": text, "cohort": cohort})

    buddy = app_commands.Group(name="buddy", description="Accountability buddies")

    @buddy.command(name="ask", description="Ask a cohort mate to be your buddy")
    @app_commands.describe(member="Who to ask, e.g. @ann (someone in your cohort)")
    @cohort_option
    async def buddy_ask(interaction: discord.Interaction, member: discord.Member, cohort: str | None = None) -> None:
        await runner.run(interaction, "buddy request", {"member": member, "cohort": cohort})

    @buddy.command(name="accept", description="Say yes to a buddy request")
    @app_commands.describe(member="Whose request, e.g. @ann (needed only when several asked)")
    @cohort_option
    async def buddy_accept(interaction: discord.Interaction, member: discord.Member | None = None,
                           cohort: str | None = None) -> None:
        await runner.run(interaction, "buddy accept", {"member": member, "cohort": cohort})

    @buddy.command(name="end", description="End a buddy pairing")
    @app_commands.describe(member="Which buddy, e.g. @ann (default: all your buddies in this cohort)")
    @cohort_option
    async def buddy_end(interaction: discord.Interaction, member: discord.Member | None = None,
                        cohort: str | None = None) -> None:
        await runner.run(interaction, "buddy end", {"member": member, "cohort": cohort})

    buddy.add_command(_plain_command(runner, "buddy show", "show", "Your buddies and open requests", cohort_option))

    for group in (cohort, sprint, remind, timezone, roadmap, buddy):
        tree.add_command(group)


def _plain_command(runner: Runner, core_name: str, verb: str, description: str,
                   cohort_option: Callable[[T], T] | None = None) -> app_commands.Command:
    if cohort_option is None:
        async def callback(interaction: discord.Interaction) -> None:
            await runner.run(interaction, core_name, {})
        return app_commands.Command(name=verb, description=description, callback=callback)

    async def scoped(interaction: discord.Interaction, cohort: str | None = None) -> None:
        await runner.run(interaction, core_name, {"cohort": cohort})
    return app_commands.Command(name=verb, description=description, callback=cohort_option(scoped))


def _named_cohort_command(runner: Runner, verb: str, description: str, complete: object,
                          name_help: str) -> app_commands.Command:
    @app_commands.describe(name=name_help)
    async def callback(interaction: discord.Interaction, name: str | None = None) -> None:
        await runner.run(interaction, f"cohort {verb}", {"name": name})

    command = app_commands.Command(name=verb, description=description, callback=callback)
    command.autocomplete("name")(complete)  # type: ignore[arg-type]
    return command
