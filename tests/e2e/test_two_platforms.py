"""Issue 21 end to end: one study group across Discord and Slack, with the real discord.py and slack-bolt adapters
in one process against the fake Discord and the fake Slack at once.

`studybot run`'s own composition (`adapters.serve.serve`, what `run` calls with both DISCORD_TOKEN and SLACK_BOT_TOKEN
set) runs in the test's event loop, on a SQLite file: one database, one core, one clock, one dispatcher, both
adapters. Two things differ from the command, and only these: the clock is a simulated one (serve builds a
SystemClock; the test puts its own in its place), so that a reminder on a later day and the evening digest can be
reached without waiting; and the clockwork's periodic beat is set 5 minutes apart, the test running the beat's two
steps (the scheduler's tick, then the dispatcher's drain) itself at the instants it moves the clock to, as the
console's time travel does. `test_one_run_process_serves_both_platforms` runs the real `studybot run` process with
both platforms configured (there the clock is the system's, so it covers what needs no time travel: both adapters
connected, accounts linked with a DM on each platform, the cohort bridged, a check-in on each adding up).

Every payload the fakes recorded is checked: Discord's request bodies against the OpenAPI subset
(tests/e2e/discord/openapi.py), Slack's blocks against slack_sdk's Block Kit models."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import aiohttp
import discord
import pytest
from discord.gateway import DiscordWebSocket
from slack_sdk.models.blocks import Block

import adapters.serve as serve_module
from adapters.cli import toolkit
from adapters.console.clock import ConsoleClock
from adapters.console.timetravel import run_due_work
from adapters.settings import load_settings
from bot.delivery import Dispatcher
from bot.scheduler import Scheduler
from tests.e2e.discord.conftest import Discord, option, sub
from tests.e2e.discord.fake_discord import CHANNEL_ID, GUILD_ID, FakeDiscord
from tests.e2e.discord.openapi import CALLBACK, FOLLOW_UP, MESSAGES, check_request
from tests.e2e.slack.conftest import SECRET, TOKEN, Slack, texts
from tests.e2e.slack.fake_slack import FakeSlack

START = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # a Friday, 14:00 in the cohort's zone (UTC)
ALICE, BOB = "1500000000000000001", "1500000000000000002"  # on Discord (alice owns the fake's guild)
SLACK_ALICE, SLACK_CAROL = "UALICE", "UCAROL"
SLACK_CHANNEL = "CSTUDY"
EPHEMERAL = 64
CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}\b")


class NamedSlack(FakeSlack):
    """The fake Slack, whose users.info gives the display names a workspace would (alice, carol)."""

    names: ClassVar[dict[str, str]] = {SLACK_ALICE: "alice", SLACK_CAROL: "carol"}

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        answer = super()._answer(method, params)
        if method == "users.info":
            user = str(params.get("user"))
            answer["user"]["profile"]["display_name"] = self.names.get(user, user.lower())
            answer["user"]["name"] = self.names.get(user, user.lower())
        return answer


@dataclass
class Running:
    """`serve()` running, and the fakes it talks to."""

    discord: Discord
    slack: Slack
    clock: ConsoleClock
    scheduler: Scheduler
    dispatcher: Dispatcher

    async def beat(self) -> None:
        """The clockwork's beat, now: the scheduler's tick, then the outbox drained."""
        await self.scheduler.tick()
        await self.dispatcher.drain()

    async def travel(self, to: datetime) -> None:
        """Move the clock to `to`, running every tick due on the way, in time order (the console's `!advance`)."""
        await run_due_work(self.scheduler, self.dispatcher, self.clock, self.clock.now(), to)
        self.clock.set(to)
        await self.beat()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Running]:
    discord_fake, slack_fake = FakeDiscord(), NamedSlack(TOKEN)
    await discord_fake.start()
    await slack_fake.start()
    port = _free_port()
    settings = load_settings(
        DISCORD_TOKEN="fake-token", DISCORD_API_BASE_URL=discord_fake.api, DISCORD_GATEWAY_URL=discord_fake.gateway,
        DISCORD_GUILD_IDS=GUILD_ID, DISCORD_SHARD_COUNT=None, DISCORD_SHARD_IDS=None,
        SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_APP_TOKEN=None, SLACK_API_URL=slack_fake.base_url,
        STUDYBOT_HTTP_PORT=port, STUDYBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'two.db'}",
        STUDYBOT_TICK_SECONDS=300, STUDYBOT_PUBLIC_URL=None)
    clock = ConsoleClock()
    clock.set(START)
    monkeypatch.setattr(serve_module, "SystemClock", lambda: clock)
    stopped = asyncio.Event()
    monkeypatch.setattr(serve_module, "_until_stopped", stopped.wait)
    built: dict[str, Any] = {}
    started = asyncio.Event()
    start_clockwork = serve_module.start_clockwork

    def keep(scheduler: Scheduler, dispatcher: Dispatcher, **kwargs: Any) -> Any:
        built.update(scheduler=scheduler, dispatcher=dispatcher)
        started.set()  # the last step of start-up: both adapters are built by now
        return start_clockwork(scheduler, dispatcher, **kwargs)

    monkeypatch.setattr(serve_module, "start_clockwork", keep)
    base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    running = asyncio.create_task(serve_module.serve(settings, toolkit(), "e2e-two-platforms", drain_seconds=5))
    try:
        waiting = asyncio.ensure_future(started.wait())
        async with asyncio.timeout(20):
            await asyncio.wait({running, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if running.done():
            running.result()  # start-up failed: say why
        await discord_fake.wait_for(lambda: discord_fake.readies > 0 and bool(discord_fake.named("PUT", "/commands")))
        async with aiohttp.ClientSession() as session:
            yield Running(Discord(discord_fake, None, None, None),  # type: ignore[arg-type]
                          Slack(slack_fake, None, None, None,  # type: ignore[arg-type]
                                f"http://127.0.0.1:{port}/slack/events", session),
                          clock, built["scheduler"], built["dispatcher"])
    finally:
        stopped.set()
        await asyncio.wait_for(running, 20)
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway
        await slack_fake.stop()
        await discord_fake.stop()


# --- what the fakes recorded --------------------------------------------------------------------------------------

def _dm_channel(user_id: str) -> str:
    return "16" + user_id[2:]  # the fake Discord's DM channel with a user


def _discord_dms(world: Running, user_id: str, title: str | None = None) -> list[dict[str, Any]]:
    bodies = [r.body for r in world.discord.fake.named("POST", f"/channels/{_dm_channel(user_id)}/messages")]
    return [b for b in bodies if title is None or b["embeds"][0]["title"] == title]  # type: ignore[index]


def _discord_channel_posts(world: Running) -> list[dict[str, Any]]:
    return [r.body for r in world.discord.fake.named("POST", f"/channels/{CHANNEL_ID}/messages")]  # type: ignore[misc]


def _slack_posts(world: Running, channel: str, title: str | None = None) -> list[dict[str, Any]]:
    posts = [call.params for call in world.slack.fake.named("chat.postMessage") if call.params["channel"] == channel]
    return [p for p in posts if title is None or _slack_title(p["blocks"]) == title]


def _slack_title(blocks: list[dict[str, Any]]) -> str | None:
    return blocks[0]["text"]["text"] if blocks and blocks[0]["type"] == "header" else None


def _embed(callback: dict[str, Any]) -> dict[str, Any]:
    return callback["data"]["embeds"][0]


def _fields(callback: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in _embed(callback).get("fields", [])}


def _code(text: str) -> str:
    found = CODE.search(text)
    assert found, text
    return found.group(0)


async def _slack_answer(world: Running, text: str, *, user: str, title: str | None) -> dict[str, Any]:
    """`/study text` from `user` in the bridged Slack channel, and its answer (found by its header; an error has
    none, so `title` None takes the first answer)."""
    seen = len(world.slack.fake.responses)
    response = await world.slack.command(text, user=user, channel=SLACK_CHANNEL)
    assert response.status == 200
    if title is None:
        return world.slack.fake.responses[seen]  # command() waited for the first answer
    try:
        await world.slack.fake.wait_for(lambda: any(_slack_title(a.get("blocks") or []) == title
                                                    for a in world.slack.fake.responses[seen:]))
    except TimeoutError:
        raise AssertionError(f"no answer titled {title!r}: {world.slack.fake.responses[seen:]}") from None
    (answer,) = [a for a in world.slack.fake.responses[seen:] if _slack_title(a.get("blocks") or []) == title]
    return answer


def _check_discord_payloads(fake: FakeDiscord) -> int:
    """Every message body the adapter sent (interaction callbacks, follow-ups, channel and DM messages), checked
    against the OpenAPI subset; how many there were. Opening a DM (POST /users/@me/channels) is left out: its
    body is discord.py's own, `recipient_id` as an integer, which Discord takes but the spec types as a string.
    For the same reason the user ids of `allowed_mentions` (discord.py's `AllowedMentions.to_dict` writes them as
    integers) are compared as the strings the spec wants."""
    checked = 0
    for request in fake.requests:
        parts = request.path.strip("/").split("/")
        template = None
        if request.method == "POST" and len(parts) == 4 and parts[0] == "interactions" and parts[3] == "callback":
            template = CALLBACK
        elif request.method == "POST" and len(parts) == 3 and parts[0] == "webhooks":
            template = FOLLOW_UP
        elif request.method == "POST" and len(parts) == 3 and parts[0] == "channels" and parts[2] == "messages":
            template = MESSAGES
        if template is not None and isinstance(request.body, dict):
            body = {k: v for k, v in request.body.items() if k != "_files"}
            mentions = body.get("allowed_mentions")
            if isinstance(mentions, dict) and mentions.get("users"):
                body["allowed_mentions"] = {**mentions, "users": [str(user) for user in mentions["users"]]}
            check_request(request.method, template, body)
            checked += 1
    return checked


def _check_slack_payloads(fake: FakeSlack) -> int:
    """Every message posted and every answer at a response_url, its blocks checked against slack_sdk's Block Kit
    models; how many there were."""
    checked = 0
    every = [call.params.get("blocks") for call in fake.named("chat.postMessage")]
    every += [answer.get("blocks") for answer in fake.responses]
    for blocks in every:
        assert blocks, "a message without blocks"
        for block in blocks:
            parsed = Block.parse(block)
            assert parsed is not None, block
            parsed.validate_json()
        checked += 1
    return checked


# --- the scenario -------------------------------------------------------------------------------------------------

async def test_one_group_on_discord_and_slack_links_bridges_reminds_once_and_digests_in_both(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with serving(tmp_path, monkeypatch) as world:
        discord_side, slack_side = world.discord, world.slack

        # alice, an organizer, creates the cohort in the Discord channel and asks to bridge it
        created = await discord_side.slash("cohort", [sub("create", option("name", "ml-club"))],
                                           user_id=ALICE, username="alice")
        assert created["type"] == 4, created
        asked = await discord_side.slash("cohort", [sub("bridge")], user_id=ALICE, username="alice")
        assert asked["data"]["flags"] & EPHEMERAL  # the code is for alice alone
        bridge_code = _code(_embed(asked)["description"])

        # alice's Slack account is nobody yet: the code is useless to it (and is not used up by trying)
        refused = await _slack_answer(world, f"cohort bridge {bridge_code}", user=SLACK_ALICE, title=None)
        assert "Only an organizer" in texts(refused["blocks"]), refused
        assert refused["response_type"] == "ephemeral"

        # she links her accounts: a code from /link on Discord, redeemed and confirmed on Slack
        linking = await discord_side.slash("link", user_id=ALICE, username="alice")
        assert linking["data"]["flags"] & EPHEMERAL
        link_code = _code(_embed(linking)["description"])
        linked = await _slack_answer(world, f"link {link_code} confirm:yes", user=SLACK_ALICE, title="Linked")
        assert linked["response_type"] == "ephemeral"
        assert "one person" in texts(linked["blocks"])
        await world.beat()  # the clockwork's next beat sends the DMs the link owes
        (on_discord,) = _discord_dms(world, ALICE, "Accounts linked")
        (on_slack,) = _slack_posts(world, f"D{SLACK_ALICE}", "Accounts linked")
        assert "unlink" in on_discord["embeds"][0]["description"] and "unlink" in texts(on_slack["blocks"])

        # now linked to the organizer, her Slack account brings the cohort into a Slack channel
        bridged = await _slack_answer(world, f"cohort bridge {bridge_code}", user=SLACK_ALICE,
                                      title="Cohort bridged")
        assert bridged["response_type"] == "in_channel"
        assert "ml-club lives here too now: one cohort, 2 homes" in texts(bridged["blocks"])

        # bob joins on Discord, carol on Slack
        joined = await discord_side.slash("cohort", [sub("join")], user_id=BOB, username="bob")
        assert "ml-club" in _embed(joined)["description"], joined
        carol = await slack_side.command("cohort join", user=SLACK_CAROL, channel=SLACK_CHANNEL)
        assert carol.status == 200
        assert "ml-club" in texts(slack_side.fake.responses[-1]["blocks"])

        # alice checks in on Discord, then on Slack: one membership, one streak, the day's minutes together
        first = await discord_side.slash("checkin", [option("minutes", 30, kind=4)], user_id=ALICE, username="alice")
        assert _fields(first)["Today (min)"] == "30" and _fields(first)["Streak"] == "1"
        second = await _slack_answer(world, "checkin 25", user=SLACK_ALICE, title="Check-in")
        numbers = texts(second["blocks"])
        assert "*Today (min):* 55" in numbers and "*Streak:* 1" in numbers, numbers

        # reminders on Slack from now on
        via = await discord_side.slash("remind", [sub("via", option("platform", "slack"))],
                                       user_id=ALICE, username="alice")
        assert "Slack" in _embed(via)["description"], via

        # 20:00, the digest: posted in both homes, each mentioning only its own platform's member not done yet
        await world.travel(START.replace(hour=20, minute=5))
        (discord_digest,) = [b for b in _discord_channel_posts(world) if b["embeds"][0]["title"] == "Daily digest"]
        (slack_digest,) = _slack_posts(world, SLACK_CHANNEL, "Daily digest")
        shown = discord_digest["embeds"][0]["description"]
        assert "done — alice" in shown and "bob" in shown and "carol" in shown, shown
        assert discord_digest["content"] == f"<@{BOB}>"
        assert [str(user) for user in discord_digest["allowed_mentions"]["users"]] == [BOB]
        assert "<@" not in shown  # the embed names; the one ping is in the content
        said = texts(slack_digest["blocks"])
        assert "done — alice" in said and "bob" in said and "carol" in said, said
        assert re.findall(r"<@([UW][A-Z0-9]+)>", said) == [SLACK_CAROL]
        assert f"<@{SLACK_ALICE}>" not in slack_digest["text"] and BOB not in said
        # she checked in today: no reminder for her at 19:00, on either platform
        assert not _discord_dms(world, ALICE, "Sprint reminder")
        assert not _slack_posts(world, f"D{SLACK_ALICE}", "Sprint reminder")
        assert _discord_dms(world, BOB, "Sprint reminder") and _slack_posts(world, f"D{SLACK_CAROL}", "Sprint reminder")

        # the next day she does not check in: past 19:00, one reminder, on Slack, not on Discord
        await world.travel(START.replace(day=7, hour=19, minute=30))
        (reminder,) = _slack_posts(world, f"D{SLACK_ALICE}", "Sprint reminder")
        assert "sprint" in texts(reminder["blocks"]).lower()
        assert not _discord_dms(world, ALICE, "Sprint reminder")
        await world.beat()  # nothing more is owed to her
        assert len(_slack_posts(world, f"D{SLACK_ALICE}", "Sprint reminder")) == 1
        assert not _discord_dms(world, ALICE, "Sprint reminder")

        assert _check_discord_payloads(discord_side.fake) >= 10
        assert _check_slack_payloads(slack_side.fake) >= 8


async def test_one_run_process_serves_both_platforms(tmp_path: Path) -> None:
    """The real `studybot run`, both platforms configured: one process connects to both fakes, reports both
    adapters in /healthz, links a Discord account to a Slack one (a DM on each platform, sent by its clockwork on
    the system's clock), bridges the cohort into a Slack channel, adds both check-ins up to one day, and stops
    cleanly on SIGTERM."""
    discord_fake, slack_fake = FakeDiscord(), NamedSlack(TOKEN)
    await discord_fake.start()
    await slack_fake.start()
    port = _free_port()
    env = {**os.environ, "DISCORD_TOKEN": "fake-token", "DISCORD_API_BASE_URL": discord_fake.api,
           "DISCORD_GATEWAY_URL": discord_fake.gateway, "DISCORD_GUILD_IDS": GUILD_ID,
           "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack_fake.base_url,
           "STUDYBOT_HTTP_PORT": str(port), "STUDYBOT_TICK_SECONDS": "0.2",
           "STUDYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}"}
    for unset in ("SLACK_APP_TOKEN", "DISCORD_SHARD_COUNT", "DISCORD_SHARD_IDS", "STUDYBOT_PUBLIC_URL"):
        env.pop(unset, None)
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "adapters.cli", "run", env=env,
                                                   cwd=tmp_path, stderr=asyncio.subprocess.PIPE)
    try:
        # Slack's endpoint is up before Discord is started (serve's order), so Discord's commands synced means both
        await discord_fake.wait_for(lambda: discord_fake.readies > 0 and bool(discord_fake.named("PUT", "/commands")),
                                    seconds=30)
        async with aiohttp.ClientSession() as session:
            discord_side = Discord(discord_fake, None, None, None)  # type: ignore[arg-type]
            slack_side = Slack(slack_fake, None, None, None, f"http://127.0.0.1:{port}/slack/events",  # type: ignore[arg-type]
                               session)
            await discord_side.slash("cohort", [sub("create", option("name", "ml-club"))], user_id=ALICE,
                                     username="alice")
            link_code = _code(_embed(await discord_side.slash("link", user_id=ALICE, username="alice"))["description"])
            response = await slack_side.command(f"link {link_code} confirm:yes", user=SLACK_ALICE,
                                                channel=SLACK_CHANNEL)
            assert response.status == 200
            assert "one person" in texts(slack_fake.responses[-1]["blocks"])
            await discord_fake.wait_for(lambda: bool(discord_fake.named("POST", f"/channels/{_dm_channel(ALICE)}/")))
            await slack_fake.wait_for(lambda: any(call.params.get("channel") == f"D{SLACK_ALICE}"
                                                  for call in slack_fake.named("chat.postMessage")))
            (on_discord,) = [r.body for r in discord_fake.named("POST", f"/channels/{_dm_channel(ALICE)}/messages")]
            assert on_discord["embeds"][0]["title"] == "Accounts linked"  # type: ignore[index]
            (on_slack,) = [c.params for c in slack_fake.named("chat.postMessage")
                           if c.params["channel"] == f"D{SLACK_ALICE}"]
            assert _slack_title(on_slack["blocks"]) == "Accounts linked"

            first = await discord_side.slash("checkin", [option("minutes", 30, kind=4)], user_id=ALICE,
                                             username="alice")
            assert _fields(first)["Today (min)"] == "30"
            asked = await discord_side.slash("cohort", [sub("bridge")], user_id=ALICE, username="alice")
            await slack_side.command(f"cohort bridge {_code(_embed(asked)['description'])}", user=SLACK_ALICE,
                                     channel=SLACK_CHANNEL)
            assert "lives here too now" in texts(slack_fake.responses[-1]["blocks"])
            await slack_side.command("checkin 25", user=SLACK_ALICE, channel=SLACK_CHANNEL)
            said = texts(slack_fake.responses[-1]["blocks"])
            assert "*Today (min):* 55" in said, said
            health = await session.get(f"http://127.0.0.1:{port}/healthz")
            checks = (await health.json())["checks"]
            # Both adapters are the process's: Slack's is up; Discord's turns true once discord.py calls itself
            # ready, 2 s after the last GUILD_CREATE (its guild_ready_timeout), which this test does not wait out --
            # the interactions it answered above show the adapter at work.
            assert checks["database"] is True and checks["adapter:slack"] is True, checks
            assert isinstance(checks["adapter:discord"], bool), checks
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await slack_fake.stop()
        await discord_fake.stop()
    stderr = (await process.stderr.read()).decode()  # type: ignore[union-attr]
    assert "Traceback" not in stderr and TOKEN not in stderr, stderr[-3000:]
    assert _check_discord_payloads(discord_fake) >= 4
    assert _check_slack_payloads(slack_fake) >= 3
