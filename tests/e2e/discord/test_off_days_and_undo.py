"""`/rest`, `/undo`, `/cohort holiday`, study days, streak repair and the Undo button under a check-in, through
the real discord.py against the fake Discord; what it sends is checked against Discord's OpenAPI description
(tests/e2e/discord/openapi.py) where a copy of it is at hand."""

from __future__ import annotations

from typing import Any

from tests.e2e.discord.conftest import MANAGE_GUILD, Discord, option, sub
from tests.e2e.discord.fake_discord import GUILD_ID
from tests.e2e.discord.openapi import CALLBACK, COMMANDS, check_request

EPHEMERAL = 64
ANN, BOB = "1500000000000000001", "1500000000000000002"
FIRST, SECOND = "1700000000000000101", "1700000000000000102"  # the interaction ids of two check-ins


def _card(callback: dict[str, Any]) -> dict[str, Any]:
    return callback["data"]["embeds"][0]


def _fields(callback: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in _card(callback).get("fields", [])}


def _private(callback: dict[str, Any]) -> bool:
    return bool((callback["data"].get("flags") or 0) & EPHEMERAL)


def _undo_button(callback: dict[str, Any]) -> dict[str, Any]:
    (row,) = callback["data"]["components"]
    (button,) = row["components"]
    assert button["label"] == "Undo" and len(button["custom_id"]) <= 100
    return button


def _choices(callback: dict[str, Any]) -> list[tuple[str, str]]:
    assert callback["type"] == 8, callback
    return [(choice["name"], choice["value"]) for choice in callback["data"]["choices"]]


async def _slash(world: Discord, name: str, options: list[dict[str, Any]] | None = None,
                 **kwargs: Any) -> dict[str, Any]:
    """A command or autocomplete whose answer must also be one Discord's OpenAPI description accepts."""
    callback = await world.slash(name, options, **kwargs)
    check_request("POST", CALLBACK, callback)
    return callback


async def _cohort(world: Discord) -> None:
    created = await _slash(world, "cohort", [sub("create", option("name", "ml-club"))])
    assert created["type"] == 4, created


def _options(command: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["name"]: o for o in command.get("options", [])}


async def test_the_new_commands_and_options_are_synced(discord_world: Discord) -> None:
    (sync,) = discord_world.fake.named("PUT", f"/guilds/{GUILD_ID}/commands")
    check_request("PUT", COMMANDS, sync.body)
    commands = {command["name"]: command for command in sync.body}
    assert _options(commands["rest"])["days"]["autocomplete"] is True
    assert _options(commands["undo"]) == {}
    cohort = _options(commands["cohort"])
    for verb in ("create", "settings"):
        assert _options(cohort[verb])["days"]["autocomplete"] is True
    holiday = cohort["holiday"]
    assert holiday["type"] == 2  # a subcommand group: /cohort holiday add|list|remove
    verbs = _options(holiday)
    assert set(verbs) == {"add", "list", "remove"}
    add = _options(verbs["add"])
    assert add["date"]["required"] is True and add["date"]["autocomplete"] is True
    assert add["to"]["autocomplete"] is True and add["name"]["max_length"] == 80
    assert _options(verbs["remove"])["date"]["autocomplete"] is True
    for command in sync.body:  # Discord's rule the spec leaves out: required options come first
        for group in [command, *command.get("options", []), *(o for c in command.get("options", [])
                                                               for o in c.get("options", []))]:
            required = [bool(o.get("required")) for o in group.get("options", []) if o.get("type", 1) > 2]
            assert required == sorted(required, reverse=True), group["name"]


async def test_rest_sets_rest_days_privately_and_suggests_some(discord_world: Discord) -> None:
    await _cohort(discord_world)
    suggested = _choices(await _slash(discord_world, "rest", [option("days", "sa", focused=True)], kind=4))
    assert [value for _, value in suggested] == ["sat,sun", "sat", "fri,sat"]
    assert suggested[0][0] == "sat,sun — Saturday and Sunday"
    callback = await _slash(discord_world, "rest", [option("days", "sat,sun")])
    assert _private(callback) and _card(callback)["title"] == "Rest days"
    assert "Your rest days: Saturday and Sunday" in _card(callback)["description"]
    shown = await _slash(discord_world, "rest")
    assert "`/rest off` clears them" in _card(shown)["description"]  # commands spelled the Discord way


async def test_study_days_on_cohort_settings_and_create(discord_world: Discord) -> None:
    suggested = _choices(await _slash(discord_world, "cohort", [sub("create", option("name", "x"),
                                                                    option("days", "fri", focused=True))], kind=4))
    assert [value for _, value in suggested][:2] == ["mon-fri", "mon,wed,fri"]
    created = await _slash(discord_world, "cohort", [sub("create", option("name", "ml-club"),
                                                         option("days", "mon-fri"))])
    assert not _private(created)
    (cohort,) = discord_world.store.snapshot()["cohorts"].values()
    assert cohort.study_days.mask_on(cohort.created_at.date()) == 0b0011111
    changed = await _slash(discord_world, "cohort", [sub("settings", option("days", "sun-thu"))],
                           permissions=MANAGE_GUILD)
    assert "Updated days" in _card(changed)["description"]
    refused = await _slash(discord_world, "cohort", [sub("settings", option("days", "someday"))],
                           permissions=MANAGE_GUILD)
    assert _private(refused) and "'someday' is not a weekday" in _card(refused)["description"]


async def test_holidays_are_added_listed_and_removed(discord_world: Discord) -> None:
    await _cohort(discord_world)
    added = await _slash(discord_world, "cohort", [{"name": "holiday", "type": 2, "options": [
        sub("add", option("date", "2026-03-09"), option("to", "2026-03-11"), option("name", "Spring break"))]}])
    assert _private(added) and _card(added)["title"] == "Holidays"
    assert "Holiday 2026-03-09 to 2026-03-11 Spring break added to ml-club" in _card(added)["description"]
    listed = await _slash(discord_world, "cohort", [{"name": "holiday", "type": 2, "options": [sub("list")]}])
    assert "Coming up: 2026-03-09 to 2026-03-11 Spring break" in _card(listed)["description"]
    refused = await _slash(discord_world, "cohort", [{"name": "holiday", "type": 2, "options": [
        sub("add", option("date", "2026-03-10"))]}], user_id=BOB, username="bob")
    assert _private(refused) and "Only organizers" in _card(refused)["description"]
    removed = await _slash(discord_world, "cohort", [{"name": "holiday", "type": 2, "options": [
        sub("remove", option("date", "2026-03-09"))]}])
    assert "is removed from ml-club" in _card(removed)["description"]
    (cohort,) = discord_world.store.snapshot()["cohorts"].values()
    assert cohort.holidays == ()


async def test_holiday_dates_are_suggested_with_weekdays_and_holidays_marked(discord_world: Discord) -> None:
    def holiday(*options: dict[str, Any], verb: str = "add") -> list[dict[str, Any]]:
        return [{"name": "holiday", "type": 2, "options": [sub(verb, *options)]}]

    await _cohort(discord_world)
    dates = _choices(await _slash(discord_world, "cohort", holiday(option("date", "", focused=True)), kind=4))
    assert dates[:3] == [("2026-03-06 Friday", "2026-03-06"), ("2026-03-07 Saturday", "2026-03-07"),
                         ("2026-03-08 Sunday", "2026-03-08")]
    assert len(dates) == 14
    fridays = _choices(await _slash(discord_world, "cohort", holiday(option("date", "fri", focused=True)), kind=4))
    assert [value for _, value in fridays] == ["2026-03-06", "2026-03-13"]
    ends = _choices(await _slash(discord_world, "cohort", holiday(option("date", "2026-03-09"),
                                                                  option("to", "", focused=True)), kind=4))
    assert ends[0] == ("2026-03-09 Monday", "2026-03-09")

    await _slash(discord_world, "cohort", holiday(option("date", "2026-03-09"), option("to", "2026-03-10"),
                                                  option("name", "Spring break")))
    marked = dict(_choices(await _slash(discord_world, "cohort", holiday(option("date", "03-1", focused=True)),
                                        kind=4)))
    assert marked["2026-03-10 Tuesday (holiday Spring break)"] == "2026-03-10"
    assert marked["2026-03-11 Wednesday"] == "2026-03-11"
    to_remove = _choices(await _slash(discord_world, "cohort", holiday(option("date", "", focused=True),
                                                                       verb="remove"), kind=4))
    assert to_remove == [("Mon 2026-03-09 to 2026-03-10 Spring break", "2026-03-09")]

    # Someone not in the cohort sees its holidays too; someone studybot has never seen, plain dates.
    await discord_world.slash("rest", [option("days", "sun")], user_id=BOB, username="bob")
    outsider = _choices(await _slash(discord_world, "cohort", holiday(option("date", "03-10", focused=True)),
                                     kind=4, user_id=BOB, username="bob"))
    assert outsider == [("2026-03-10 Tuesday (holiday Spring break)", "2026-03-10")]
    stranger = _choices(await _slash(discord_world, "cohort", holiday(option("date", "", focused=True)),
                                     kind=4, user_id="1500000000000000077", username="cy"))
    assert stranger[0] == ("2026-03-06 Friday", "2026-03-06")


async def test_undo_takes_back_the_latest_checkin_privately(discord_world: Discord) -> None:
    await _cohort(discord_world)
    await _slash(discord_world, "checkin", [option("minutes", 30, kind=4)])
    undone = await _slash(discord_world, "undo")
    assert _private(undone) and _card(undone)["title"] == "Undo"
    assert "Undone: your 30-min check-in for today in ml-club" in _card(undone)["description"]
    assert _fields(undone)["Today (min)"] == "0"
    assert discord_world.store.snapshot()["checkins"] == {}
    again = await _slash(discord_world, "undo")
    assert _private(again) and "no check-in from the last 24 hours" in _card(again)["description"]


async def test_the_undo_button_works_for_the_author_only(discord_world: Discord) -> None:
    await _cohort(discord_world)
    await discord_world.slash("cohort", [sub("join")], user_id=BOB, username="bob")
    checkin = await _slash(discord_world, "checkin", [option("minutes", 30, kind=4)], interaction_id=FIRST)
    assert not _private(checkin)
    button = _undo_button(checkin)
    assert (button["label"], button["custom_id"]) == ("Undo", f"studybot:undo:{ANN}:discord:{FIRST}")

    refused = await _slash(discord_world, "", kind=3, user_id=BOB, username="bob", component=button["custom_id"])
    assert refused["type"] == 4 and _private(refused)
    assert "Only the member who checked in can undo it" in _card(refused)["description"]
    assert len(discord_world.store.snapshot()["checkins"]) == 1

    pressed = await _slash(discord_world, "", kind=3, user_id=ANN, component=button["custom_id"])
    assert pressed["type"] == 4 and _private(pressed)
    assert "Undone: your 30-min check-in" in _card(pressed)["description"]
    assert discord_world.store.snapshot()["checkins"] == {}


async def test_the_undo_button_takes_back_the_checkin_it_sits_under(discord_world: Discord) -> None:
    await _cohort(discord_world)
    await discord_world.slash("cohort", [sub("join")], user_id=BOB, username="bob")
    first = _undo_button(await _slash(discord_world, "checkin", [option("minutes", 30, kind=4)],
                                      interaction_id=FIRST))
    second = _undo_button(await _slash(discord_world, "checkin", [option("minutes", 45, kind=4)],
                                       interaction_id=SECOND))
    assert first["custom_id"] != second["custom_id"]

    pressed = await _slash(discord_world, "", kind=3, user_id=ANN, component=first["custom_id"])
    assert pressed["type"] == 4 and _private(pressed)
    assert "Undone: your 30-min check-in for today" in _card(pressed)["description"]  # the first, not the latest
    assert _fields(pressed)["Today (min)"] == "45"
    assert [c.minutes for c in discord_world.store.snapshot()["checkins"].values()] == [45]

    again = await _slash(discord_world, "", kind=3, user_id=ANN, component=first["custom_id"])
    assert again["type"] == 4 and _private(again)
    assert "That check-in is already undone" in _card(again)["description"]
    assert [c.minutes for c in discord_world.store.snapshot()["checkins"].values()] == [45]

    refused = await _slash(discord_world, "", kind=3, user_id=BOB, username="bob", component=second["custom_id"])
    assert refused["type"] == 4 and _private(refused)
    assert "Only the member who checked in can undo it" in _card(refused)["description"]
    assert len(discord_world.store.snapshot()["checkins"]) == 1

    discord_world.clock.advance(hours=25)
    late = await _slash(discord_world, "", kind=3, user_id=ANN, component=second["custom_id"])
    assert _private(late) and "more than 24 hours old" in _card(late)["description"]
    assert len(discord_world.store.snapshot()["checkins"]) == 1


async def test_an_undo_button_of_the_old_format_takes_back_the_latest(discord_world: Discord) -> None:
    await _cohort(discord_world)
    await _slash(discord_world, "checkin", [option("minutes", 30, kind=4)], interaction_id=FIRST)
    await _slash(discord_world, "checkin", [option("minutes", 45, kind=4)], interaction_id=SECOND)
    pressed = await _slash(discord_world, "", kind=3, user_id=ANN, component=f"studybot:undo:{ANN}")
    assert _private(pressed) and "Undone: your 45-min check-in" in _card(pressed)["description"]
    refused = await _slash(discord_world, "", kind=3, user_id=BOB, username="bob", component=f"studybot:undo:{ANN}")
    assert _private(refused) and "Only the member who checked in can undo it" in _card(refused)["description"]
    assert [c.minutes for c in discord_world.store.snapshot()["checkins"].values()] == [30]


async def test_the_undo_button_under_a_sprints_checkin_takes_back_that_one(discord_world: Discord) -> None:
    """A stopped sprint's check-in is recorded under the sprint's key (`sprint:<id>`, which the reply carries as
    `checkin_key`), not the interaction's: its button names that key, and takes back that check-in even after a
    later one."""
    await _cohort(discord_world)
    await _slash(discord_world, "sprint", [sub("start")])
    discord_world.clock.advance(minutes=20)
    stopped = await _slash(discord_world, "sprint", [sub("stop")], interaction_id=FIRST)
    assert not _private(stopped)
    button = _undo_button(stopped)
    assert button["custom_id"].startswith(f"studybot:undo:{ANN}:sprint:")
    await _slash(discord_world, "checkin", [option("minutes", 45, kind=4)])
    pressed = await _slash(discord_world, "", kind=3, user_id=ANN, component=button["custom_id"])
    assert _private(pressed) and "Undone: your 20-min check-in" in _card(pressed)["description"]
    assert [row.minutes for row in discord_world.store.snapshot()["checkins"].values()] == [45]


async def test_only_a_fresh_public_checkin_offers_undo(discord_world: Discord) -> None:
    await _cohort(discord_world)
    same = "1700000000000055555"
    first = await _slash(discord_world, "checkin", [option("minutes", 30, kind=4)], interaction_id=same)
    again = await _slash(discord_world, "checkin", [option("minutes", 30, kind=4)], interaction_id=same)
    assert first["data"]["components"] and not again["data"].get("components")  # "Already recorded": nothing new
    for private in (await _slash(discord_world, "streak"), await _slash(discord_world, "checkin",
                                                                        [option("minutes", 999, kind=4)])):
        assert _private(private) and not private["data"].get("components")


async def test_off_days_and_streak_repair_show_beside_the_numbers(discord_world: Discord) -> None:
    await _cohort(discord_world)
    await _slash(discord_world, "rest", [option("days", "fri")])  # 2026-03-06 is a Friday
    streak = await _slash(discord_world, "streak")
    assert _fields(streak)["Off today"] == "your rest day"
    await _slash(discord_world, "rest", [option("days", "off")])

    discord_world.clock.advance(days=1)
    await _slash(discord_world, "checkin", [option("minutes", 30, kind=4)])  # Saturday
    discord_world.clock.advance(days=1)
    await _slash(discord_world, "checkin", [option("minutes", 30, kind=4)])  # Sunday: streak 2
    discord_world.clock.advance(days=2)  # Monday missed, no freeze: Tuesday can repair it
    offer = await _slash(discord_world, "streak")
    assert _fields(offer)["Repair"] == "60 min on your next study day"
    repaired = await _slash(discord_world, "checkin", [option("minutes", 60, kind=4)])
    assert _fields(repaired)["Repaired"] == "a missed day, mended by a double session"
    assert _fields(repaired)["Streak"] == "3"
