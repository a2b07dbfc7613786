"""Issue 21 end to end through the console CLI: linked accounts and bridged cohorts, one transcript per case
(`transcripts/link*.txt`, `bridge*.txt`, `unlink*.txt`). The console plays Discord (workspace guild1, channel
#ml) and Slack (workspace team1, channel #study); the assertions read the JSON lines' data, not the prose."""

from __future__ import annotations

import re
from pathlib import Path

from tests.console.test_transcripts import TRANSCRIPTS, run_script

DISCORD = ("discord", "guild1")
SLACK = ("slack", "team1")
HOMES = [{"platform": "discord", "workspace": "guild1", "channel": "ml"},
         {"platform": "slack", "workspace": "team1", "channel": "study"}]
CODE = re.compile(r"^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{5}-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{5}$")


def account(where: tuple[str, str], name: str) -> dict[str, str]:
    return {"platform": where[0], "workspace": where[1], "name": name}


def play(tmp_path: Path, name: str) -> list[dict]:
    lines = run_script(tmp_path, (TRANSCRIPTS / name).read_text(encoding="utf-8"))
    assert all(line["data"].get("error") != "bad_directive" for line in lines)
    return lines


def on(where: tuple[str, str], lines: list[dict], to: str | None = None) -> list[dict]:
    """The lines said on one platform and workspace (to one user or `#channel`, if given)."""
    return [line for line in lines if (line["platform"], line["workspace"]) == where
            and (to is None or line["to"] == to)]


def having(key: str, lines: list[dict]) -> list[dict]:
    return [line for line in lines if key in line["data"]]


def typed(kind: str, lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["data"].get("type") == kind]


def errors(lines: list[dict]) -> list[str | None]:
    return [line["data"].get("error") for line in lines]


def checkins(lines: list[dict]) -> list[tuple[str, str, int, int, int]]:
    """(platform, local date, minutes, minutes that day, streak) of each recorded check-in."""
    return [(line["platform"], line["data"]["local_date"], line["data"]["minutes"], line["data"]["minutes_today"],
             line["data"]["streak"]) for line in having("checkin_key", lines)]


def streaks(lines: list[dict]) -> list[tuple[str, str, int, int, bool]]:
    """(platform, who, streak, minutes today, today done) of each `streak` reply."""
    return [(line["platform"], line["to"], line["data"]["streak"], line["data"]["minutes_today"],
             line["data"]["today_done"]) for line in having("today_done", lines)]


def test_link_bridge_and_check_in_on_both_platforms_make_one_streak(tmp_path: Path) -> None:
    lines = play(tmp_path, "linked_one_streak.txt")
    alice_d, alice_s = account(DISCORD, "alice"), account(SLACK, "alice")

    (code,) = on(DISCORD, having("expires_at", lines), "alice")[:1]
    assert code["private"] is True and code["kind"] == "reply"
    assert CODE.match(code["data"]["code"])
    assert code["data"]["expires_at"] == "2026-03-06T14:10:00+00:00"  # issued 14:00, valid 10 minutes

    (ask,) = having("confirm_needed", lines)
    assert (ask["platform"], ask["workspace"], ask["to"], ask["private"]) == (*SLACK, "alice", True)
    assert ask["data"]["confirm_needed"] is True
    assert ask["data"]["accounts"] == [alice_d, alice_s]
    (linked,) = having("linked", lines)
    assert (linked["platform"], linked["private"]) == ("slack", True)
    assert linked["data"]["linked"] is True and linked["data"]["accounts"] == [alice_d, alice_s]
    # both accounts are told by DM, each on its own platform
    notices = typed("linked", lines)
    assert [(m["kind"], m["platform"], m["to"]) for m in notices] == [("dm", "discord", "alice"),
                                                                      ("dm", "slack", "alice")]
    assert all(m["data"]["accounts"] == [alice_d, alice_s] for m in notices)

    (bridge_code,) = on(DISCORD, having("cohort", having("code", lines)))
    assert bridge_code["private"] is True and CODE.match(bridge_code["data"]["code"])
    assert bridge_code["data"]["code"] != code["data"]["code"]
    (bridged,) = having("bridged", lines)
    assert (bridged["platform"], bridged["workspace"], bridged["to"]) == (*SLACK, "#study")
    assert bridged["data"]["bridged"] is True and bridged["data"]["homes"] == HOMES

    # 20 min on Slack and 15 on Discord are one Friday of 35 minutes; Saturday on Slack makes a streak of 2
    assert checkins(lines) == [("slack", "2026-03-06", 20, 20, 0), ("discord", "2026-03-06", 15, 35, 1),
                               ("slack", "2026-03-07", 30, 30, 2)]
    assert streaks(lines) == [("discord", "alice", 1, 35, True), ("slack", "alice", 2, 30, True),
                              ("discord", "alice", 2, 30, True)]
    assert [line["data"]["week"]["minutes"] for line in having("today_done", lines)] == [35, 65, 65]

    (status,) = having("remind_via", lines)
    assert status["platform"] == "slack" and status["data"]["accounts"] == [alice_d, alice_s]
    info = lines[-1]
    assert info["data"]["members"] == 1  # one person, two accounts
    assert info["data"]["homes"] == HOMES
    digests = typed("digest", lines)
    assert [(d["kind"], d["platform"], d["to"], d["data"]["done"]) for d in digests] == [
        ("channel", "discord", "#ml", ["alice"]), ("channel", "slack", "#study", ["alice"])]


def test_the_digest_and_recap_post_in_both_homes_with_that_platforms_mentions_and_names(tmp_path: Path) -> None:
    lines = play(tmp_path, "bridged_digest_mentions.txt")
    discord_ids = {"olga", "alice", "carol", "dan"}  # the accounts on Discord (guild1)
    slack_ids = {"olga", "ali", "bob", "eve"}  # and on Slack (team1)

    digests = typed("digest", lines)
    assert [(d["kind"], d["platform"], d["workspace"], d["to"], d["data"]["local_date"]) for d in digests] == [
        ("channel", *DISCORD, "#ml", "2026-03-06"), ("channel", *SLACK, "#study", "2026-03-06"),
        ("channel", *DISCORD, "#ml", "2026-03-07"), ("channel", *SLACK, "#study", "2026-03-07")]
    friday_d, friday_s, saturday_d, saturday_s = (d["data"] for d in digests)
    # Friday: bob, olga (on Slack) and carol (on Discord) are done; alice logged 10 of 30 minutes on Slack
    assert friday_d["done"] == friday_s["done"] == ["bob", "carol", "olga"]
    assert friday_d["pending"] == ["alice", "dan", "eve"]  # alice by her Discord name here...
    assert friday_s["pending"] == ["ali", "dan", "eve"]  # ...and by her Slack name there
    assert friday_d["mentions"] == ["alice", "dan"]  # only the pending on Discord, by their Discord ids
    assert friday_s["mentions"] == ["ali", "eve"]
    # Saturday: nobody is done; every pending member is mentioned once, in the home of their platform
    assert saturday_d["pending"] == ["alice", "bob", "carol", "dan", "eve", "olga"]
    assert saturday_s["pending"] == ["ali", "bob", "carol", "dan", "eve", "olga"]
    assert saturday_d["mentions"] == ["alice", "carol", "dan", "olga"]
    assert saturday_s["mentions"] == ["ali", "bob", "eve", "olga"]
    for digest in digests:
        ids = discord_ids if digest["platform"] == "discord" else slack_ids
        assert set(digest["data"]["mentions"]) <= ids

    recaps = typed("recap", lines)
    assert [(r["kind"], r["platform"], r["to"], r["data"]["week"]) for r in recaps] == [
        ("channel", "discord", "#ml", "2026-03-02"), ("channel", "slack", "#study", "2026-03-02")]
    rows = [{row["name"]: (row["days_done"], row["minutes"]) for row in r["data"]["members"]} for r in recaps]
    assert rows[0] == {"alice": (0, 10), "bob": (1, 30), "carol": (1, 30), "dan": (0, 0), "eve": (0, 0),
                       "olga": (1, 30)}
    assert rows[1] == {("ali" if name == "alice" else name): value for name, value in rows[0].items()}
    assert all(r["data"]["minutes"] == 100 for r in recaps)

    # a linked person's reminder comes once, where they checked in last (olga and alice: Slack)
    reminders = sorted((m["to"], m["platform"], m["data"]["local_date"]) for m in typed("reminder", lines))
    assert reminders == [("ali", "slack", "2026-03-06"), ("ali", "slack", "2026-03-07"),
                         ("bob", "slack", "2026-03-07"), ("carol", "discord", "2026-03-07"),
                         ("dan", "discord", "2026-03-06"), ("dan", "discord", "2026-03-07"),
                         ("eve", "slack", "2026-03-06"), ("eve", "slack", "2026-03-07"),
                         ("olga", "slack", "2026-03-07")]


def test_five_wrong_codes_then_even_the_right_one_is_refused_for_an_hour(tmp_path: Path) -> None:
    lines = play(tmp_path, "link_wrong_codes.txt")
    slack = on(SLACK, lines, "ali")
    assert errors(slack[:7]) == ["bad_code"] * 5 + ["slow_down", "slow_down"]
    assert all(line["private"] for line in slack[:7])
    assert slack[5]["data"]["retry_after"] == 3600
    assert slack[7]["data"]["accounts"] == [account(SLACK, "ali")]  # nothing was linked
    # an hour on, a fresh code links
    assert slack[-1]["data"]["linked"] is True
    assert slack[-1]["data"]["accounts"] == [account(DISCORD, "alice"), account(SLACK, "ali")]


def test_an_expired_code_is_refused(tmp_path: Path) -> None:
    lines = play(tmp_path, "link_code_expired.txt")
    first, late, status, second, linked = lines
    assert first["data"]["expires_at"] == "2026-03-06T14:10:00+00:00"
    assert (late["platform"], late["private"], late["data"]["error"]) == ("slack", True, "code_expired")
    assert status["data"]["accounts"] == [account(SLACK, "ali")]
    assert second["data"]["expires_at"] == "2026-03-06T14:21:00+00:00"
    assert linked["data"]["linked"] is True  # nine minutes old: still good


def test_a_bridge_code_only_works_for_an_account_linked_to_an_organizer(tmp_path: Path) -> None:
    lines = play(tmp_path, "bridge_not_organizer.txt")
    (issued,) = having("cohort", having("code", lines))
    assert (issued["platform"], issued["to"], issued["private"]) == ("discord", "olga", True)
    attempts = lines[lines.index(issued) + 1:]
    assert [(line["to"], line["data"].get("error")) for line in attempts] == [
        ("bob", "not_organizer"),  # not linked to anyone
        ("cara", "not_organizer"),  # linked, but to carol, a member and no organizer
        ("#study", None),  # olga's own Slack account: bridged
        ("olga", "bad_code"),  # and the code is used up
    ]
    assert all(line["platform"] == "slack" for line in attempts)
    bridged = attempts[2]
    assert bridged["data"]["bridged"] is True and bridged["data"]["homes"] == HOMES


def test_unlink_leaves_each_account_with_what_it_recorded(tmp_path: Path) -> None:
    lines = play(tmp_path, "unlink_splits_history.txt")
    assert checkins(lines) == [("slack", "2026-03-06", 30, 30, 1), ("discord", "2026-03-07", 45, 45, 2)]
    (unlinked,) = having("unlinked", lines)
    assert unlinked["platform"] == "slack" and unlinked["data"]["unlinked"] == account(DISCORD, "alice")
    # linked: a streak of 2 on Discord; split: Friday stays with ali (Slack), Saturday with alice (Discord)
    assert streaks(lines) == [("discord", "alice", 2, 45, True), ("slack", "ali", 1, 0, False),
                              ("discord", "alice", 1, 45, True)]
    weeks = [line["data"]["week"]["minutes"] for line in having("today_done", lines)]
    assert weeks == [75, 30, 45]
    statuses = having("remind_via", lines)
    assert [s["data"]["accounts"] for s in statuses] == [[account(SLACK, "ali")], [account(DISCORD, "alice")]]
    # while linked, Friday's digest named her in each home by that platform's name
    assert [(d["platform"], d["data"]["done"]) for d in typed("digest", lines)] == [("discord", ["alice"]),
                                                                                      ("slack", ["ali"])]


def test_linking_merges_two_memberships_and_walks_the_streak_from_the_merged_days(tmp_path: Path) -> None:
    lines = play(tmp_path, "link_merges_memberships.txt")
    recorded = checkins(lines)
    # apart: 15 + 20 on Friday and 20 + 15 on Saturday, each under the 30-minute goal, so no streak anywhere
    assert recorded[:4] == [("slack", "2026-03-06", 15, 15, 0), ("discord", "2026-03-06", 20, 20, 0),
                            ("discord", "2026-03-07", 20, 20, 0), ("slack", "2026-03-07", 15, 15, 0)]
    (linked,) = on(SLACK, having("linked", lines), "ali")
    assert linked["data"]["accounts"] == [account(DISCORD, "alice"), account(SLACK, "ali")]
    assert linked["data"]["merged"] == ["ml-club"]
    # after linking both days are done (35 minutes each): a streak of 2, the same on both platforms
    assert streaks(lines) == [("discord", "alice", 0, 20, False), ("slack", "ali", 0, 15, False),
                              ("slack", "ali", 2, 35, True), ("discord", "alice", 2, 35, True),
                              ("slack", "ali", 2, 960, True)]
    # the 960-minute day is the person's: 35 + 600 (Discord) + 300 (Slack) = 935, so 30 more is too many, 25 fit,
    # and then not one more minute, on either platform
    assert recorded[4:] == [("discord", "2026-03-07", 600, 635, 2), ("slack", "2026-03-07", 300, 935, 2),
                            ("slack", "2026-03-07", 25, 960, 2)]
    full = [line for line in lines if line["data"].get("error") == "too_many_minutes"]
    assert [(line["platform"], line["data"]["minutes_left"]) for line in full] == [("slack", 25), ("discord", 0)]
    assert all(line["private"] for line in full)
    # before linking, Friday's digest had the two accounts as two people, each mentioned on its own platform
    friday = [d["data"] for d in typed("digest", lines) if d["data"]["local_date"] == "2026-03-06"]
    assert [d["pending"] for d in friday] == [["ali", "alice", "olga"]] * 2
    assert [d["mentions"] for d in friday] == [["alice", "olga"], ["ali", "olga"]]


def test_forget_on_a_linked_account_forgets_only_what_it_recorded(tmp_path: Path) -> None:
    """DESIGN.md: `forget` deletes the caller's data in that workspace. A linked account is split off first and
    only its own check-ins go; the person's other account keeps its streak and cohort."""
    lines = run_script(tmp_path, "\n".join([
        "!clock 2026-03-06T14:00:00Z", "!platform discord", "!workspace guild1", "!channel ml",
        "alice: /cohort create ml-club timezone:Europe/Berlin", "alice: /link",
        "!platform slack", "!workspace team1", "!channel study", "ali: /link {code} confirm:yes",
        "!platform discord", "!workspace guild1", "!channel ml", "alice: /cohort bridge",
        "!platform slack", "!workspace team1", "!channel study", "ali: /cohort bridge {code}",
        "ali: /checkin 15", "!platform discord", "!workspace guild1", "!channel ml", "alice: /checkin 20",
        "!platform slack", "!workspace team1", "!channel study", "ali: /forget", "ali: /forget confirm:yes",
        "!platform discord", "!workspace guild1", "!channel ml", "alice: /streak", "alice: /link status",
    ]))
    prompt, done = having("checkins", on(SLACK, lines, "ali"))[-2:]
    assert prompt["data"]["error"] == "confirm_needed"
    assert prompt["data"]["checkins"] == 1 and "unlinked" in prompt["text"]
    assert done["data"]["checkins"] == 1 and "error" not in done["data"]
    streak, status = on(DISCORD, lines, "alice")[-2:]
    assert streak["data"]["minutes_today"] == 20  # Discord's own 20 minutes stay; Slack's 15 are gone
    assert status["data"]["accounts"] == [account(DISCORD, "alice")]
