"""Every command of the grammar as a Discord slash command, with typed options and autocomplete."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from adapters.discord.interactions import PLATFORM, Runner, invocation
from bot.localtime import all_zone_names

MAX_ROADMAP_BYTES = 64 * 1024
Board = Literal["streak", "week", "month", "all"]


def register(tree: app_commands.CommandTree, runner: Runner) -> None:
    bot = runner.bot

    async def zones(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        wanted = current.lower().replace(" ", "_")
        return [app_commands.Choice(name=z, value=z) for z in all_zone_names() if wanted in z.lower()][:25]

    async def cohorts(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = await bot.cohort_names(PLATFORM, str(interaction.guild_id))
        return [app_commands.Choice(name=n, value=n) for n in names if current.lower() in n.lower()][:25]

    async def roadmaps(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        ids = [*sorted(bot.tools.roadmaps), "off"]
        return [app_commands.Choice(name=r, value=r) for r in ids if current.lower() in r][:25]

    @tree.command(name="help", description="What studybot can do, or how to use one command")
    async def help_(interaction: discord.Interaction, command: str | None = None) -> None:
        await runner.run(interaction, "help", {"topic": command})

    @tree.command(name="checkin", description="Record study minutes for today (default: one sprint)")
    @app_commands.describe(minutes="Minutes studied (1-600)", note="What you did", link="An http(s) link",
                           topic="A roadmap step number or words", yesterday="Log it for yesterday",
                           cohort="Which cohort, if you are in several")
    @app_commands.autocomplete(cohort=cohorts)
    async def checkin(interaction: discord.Interaction, minutes: app_commands.Range[int, 1, 600] | None = None,
                      note: app_commands.Range[str, 1, 500] | None = None, link: str | None = None,
                      topic: str | None = None, yesterday: bool = False, cohort: str | None = None) -> None:
        await runner.run(interaction, "checkin", {"minutes": minutes, "note": note, "link": link, "topic": topic,
                                                  "yesterday": yesterday, "cohort": cohort})

    @tree.command(name="streak", description="Your current and longest streak, freezes and today's progress")
    async def streak(interaction: discord.Interaction, share: bool = False) -> None:
        await runner.run(interaction, "streak", {"share": share})

    @tree.command(name="leaderboard", description="The cohort's leaderboard")
    async def leaderboard(interaction: discord.Interaction, board: Board = "streak") -> None:
        await runner.run(interaction, "leaderboard", {"board": board})

    @tree.command(name="pause", description="Pause your streak and reminders (max 60 days)")
    @app_commands.describe(days="How many days, from today", until="Last paused day, YYYY-MM-DD",
                           off="End the pause now")
    async def pause(interaction: discord.Interaction, days: app_commands.Range[int, 1, 60] | None = None,
                    until: str | None = None, off: bool = False) -> None:
        length = "off" if off else (f"{days}d" if days else None)
        await runner.run(interaction, "pause", {"length": length, "until": until})

    @tree.command(name="stats", description="Twelve weeks as a picture, and the numbers behind it")
    async def stats(interaction: discord.Interaction, member: discord.Member | None = None,
                    share: bool = False) -> None:
        await runner.run(interaction, "stats", {"member": member, "share": share})

    @tree.command(name="nudge", description="A friendly DM to a cohort mate (once a day)")
    async def nudge(interaction: discord.Interaction, member: discord.Member) -> None:
        await runner.run(interaction, "nudge", {"member": member})

    @tree.command(name="privacy", description="Whether digests may @mention you; whether boards show you")
    async def privacy(interaction: discord.Interaction, mentions: Literal["on", "off"] | None = None,
                      boards: Literal["show", "hide"] | None = None) -> None:
        await runner.run(interaction, "privacy", {"mentions": mentions, "boards": boards})

    @tree.command(name="export", description="Your own check-ins and day-by-day record as CSV")
    async def export(interaction: discord.Interaction) -> None:
        await runner.run(interaction, "export", {})

    @tree.command(name="forget", description="Delete everything studybot keeps about you in this server")
    async def forget(interaction: discord.Interaction, confirm: Literal["yes"] | None = None) -> None:
        await runner.run(interaction, "forget", {"confirm": confirm})

    cohort = app_commands.Group(name="cohort", description="Study cohorts")

    @cohort.command(name="create", description="Start a cohort in this channel; you organize it")
    @app_commands.autocomplete(timezone=zones, roadmap=roadmaps)
    async def cohort_create(interaction: discord.Interaction, name: str, timezone: str | None = None,
                            sprint: app_commands.Range[int, 5, 180] | None = None,
                            goal: app_commands.Range[int, 1, 10] | None = None, roadmap: str | None = None,
                            start: str | None = None) -> None:
        await runner.run(interaction, "cohort create", {"name": name, "timezone": timezone, "sprint": sprint,
                                                        "goal": goal, "roadmap": roadmap, "start": start})

    for verb, description in (("join", "Join this channel's cohort, or the one named"),
                              ("leave", "Leave a cohort (your history is kept)"),
                              ("info", "The cohort's settings, members and organizers"),
                              ("export", "Organizers: the cohort's check-ins as CSV"),
                              ("pair", "Organizers: pair everyone without a buddy")):
        cohort.add_command(_named_cohort_command(runner, verb, description, cohorts))

    @cohort.command(name="settings", description="Show or (organizers) change the cohort's settings")
    @app_commands.autocomplete(name=cohorts, timezone=zones, roadmap=roadmaps)
    async def cohort_settings(interaction: discord.Interaction, name: str | None = None,
                              timezone: str | None = None, sprint: app_commands.Range[int, 5, 180] | None = None,
                              goal: app_commands.Range[int, 1, 10] | None = None,
                              rollover: app_commands.Range[int, 0, 12] | None = None, digest: str | None = None,
                              recap: str | None = None, digest_mentions: Literal["on", "off"] | None = None,
                              digest_thread: Literal["on", "off"] | None = None, roadmap: str | None = None,
                              start: str | None = None, weekly_goal: str | None = None) -> None:
        await runner.run(interaction, "cohort settings", {
            "name": name, "timezone": timezone, "sprint": sprint, "goal": goal, "rollover": rollover,
            "digest": digest, "recap": recap, "digest_mentions": digest_mentions, "digest_thread": digest_thread,
            "roadmap": roadmap, "start": start, "weekly_goal": weekly_goal})

    @cohort.command(name="remove", description="Organizers: delete a cohort and all its check-ins")
    @app_commands.autocomplete(name=cohorts)
    async def cohort_remove(interaction: discord.Interaction, name: str, confirm: str | None = None) -> None:
        await runner.run(interaction, "cohort remove", {"name": name, "confirm": confirm})

    sprint = app_commands.Group(name="sprint", description="Focus sprints")

    @sprint.command(name="start", description="Start a sprint; group:true lets others join")
    async def sprint_start(interaction: discord.Interaction, goal: str | None = None, group: bool = False) -> None:
        await runner.run(interaction, "sprint start", {"goal": goal, "group": group})

    for verb, description in (("join", "Join the group sprint running here"),
                              ("stop", "Stop your sprint and record the minutes so far"),
                              ("status", "How long your sprint has left")):
        sprint.add_command(_plain_command(runner, f"sprint {verb}", verb, description))

    remind = app_commands.Group(name="remind", description="Your daily reminder")

    @remind.command(name="set", description="Your daily reminder time (HH:MM, your local time)")
    async def remind_set(interaction: discord.Interaction, time: str) -> None:
        await runner.run(interaction, "remind set", {"time": time})

    @remind.command(name="lastcall", description="A last-call DM before your day ends, when your streak is at risk")
    async def remind_lastcall(interaction: discord.Interaction, before: Literal["1h", "2h", "3h", "off"]) -> None:
        await runner.run(interaction, "remind lastcall", {"length": before})

    remind.add_command(_plain_command(runner, "remind off", "off", "No more daily reminders here"))
    remind.add_command(_plain_command(runner, "remind show", "show", "When your reminder comes"))

    timezone = app_commands.Group(name="timezone", description="Your time zone")

    @timezone.command(name="set", description="Your IANA time zone, e.g. Europe/Berlin")
    @app_commands.autocomplete(zone=zones)
    async def timezone_set(interaction: discord.Interaction, zone: str) -> None:
        await runner.run(interaction, "timezone set", {"zone": zone})

    timezone.add_command(_plain_command(runner, "timezone show", "show", "Your time zone"))

    roadmap = app_commands.Group(name="roadmap", description="The cohort's learning roadmap")
    roadmap.add_command(_plain_command(runner, "roadmap show", "show", "The current step, topics and project"))

    async def steps(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[int]]:
        found = await bot.roadmap_steps(invocation(interaction))
        return [app_commands.Choice(name=f"{number}. {title}"[:100], value=number) for number, title in found
                if current.lower() in f"{number} {title}".lower()][:25]

    @roadmap.command(name="done", description="Mark a roadmap step done (default: the current one)")
    @app_commands.autocomplete(step=steps)
    async def roadmap_done(interaction: discord.Interaction,
                           step: app_commands.Range[int, 1, 50] | None = None) -> None:
        await runner.run(interaction, "roadmap done", {"step": step})

    @roadmap.command(name="load", description="Organizers: load your own roadmap from a YAML file")
    async def roadmap_load(interaction: discord.Interaction, file: discord.Attachment) -> None:
        if file.size > MAX_ROADMAP_BYTES:
            await interaction.response.send_message(f"That file is larger than {MAX_ROADMAP_BYTES // 1024} KB.",
                                                    ephemeral=True)
            return
        text = (await file.read()).decode("utf-8", errors="replace")
        await runner.run(interaction, "roadmap load", {"source": file.filename, "definition": text})

    buddy = app_commands.Group(name="buddy", description="Accountability buddies")

    @buddy.command(name="ask", description="Ask a cohort mate to be your buddy")
    async def buddy_ask(interaction: discord.Interaction, member: discord.Member) -> None:
        await runner.run(interaction, "buddy request", {"member": member})

    @buddy.command(name="accept", description="Say yes to a buddy request")
    async def buddy_accept(interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        await runner.run(interaction, "buddy accept", {"member": member})

    @buddy.command(name="end", description="End a buddy pairing")
    async def buddy_end(interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        await runner.run(interaction, "buddy end", {"member": member})

    buddy.add_command(_plain_command(runner, "buddy show", "show", "Your buddies and open requests"))

    for group in (cohort, sprint, remind, timezone, roadmap, buddy):
        tree.add_command(group)


def _plain_command(runner: Runner, core_name: str, verb: str, description: str) -> app_commands.Command:
    async def callback(interaction: discord.Interaction) -> None:
        await runner.run(interaction, core_name, {})

    return app_commands.Command(name=verb, description=description, callback=callback)


def _named_cohort_command(runner: Runner, verb: str, description: str, complete: object) -> app_commands.Command:
    async def callback(interaction: discord.Interaction, name: str | None = None) -> None:
        await runner.run(interaction, f"cohort {verb}", {"name": name})

    command = app_commands.Command(name=verb, description=description, callback=callback)
    command.autocomplete("name")(complete)  # type: ignore[arg-type]
    return command
