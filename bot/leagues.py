"""Weekly leagues (issue 16 item 1): divisions of at most 30 within seven tiers, a fresh start each week.

The rules are pure functions here (`divide`, `rank`, `zones`, `move`); `run_week` is the tick's job for one cohort at
its Monday rollover: end the week(s) still open, then place the eligible members for the new one, in one transaction
with the cohort's next due instant, so a crash redoes it whole and a second process never does it at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from bot import notices
from bot.domain import Cohort
from bot.localtime import local_day, week_start
from bot.ports import LeagueCandidate, LeagueResult, LeagueScore, UnitOfWork
from bot.replies import Reply
from bot.schedule import Slot, next_weekly

TIERS = ("Bronze", "Silver", "Gold", "Sapphire", "Ruby", "Emerald", "Diamond")
TOP = len(TIERS) - 1
DIVISION = 30  # at most this many in a division
ACTIVE_DAYS = 14  # a check-in dated in the 14 days before the week places a member
OFFER_AT = 30  # `cohort info` offers leagues from this many active members


def cap(cohort: Cohort) -> int:
    """Points a local day can give: twice the daily target (cramming one day does not win)."""
    return 2 * cohort.daily_target


def divide(candidates: Sequence[LeagueCandidate]) -> list[tuple[int, int, int]]:
    """(membership id, tier, division) for each: per tier, by last week's minutes (most first, then membership id),
    cut into ceil(n / 30) consecutive divisions whose sizes differ by at most one (the bigger ones first)."""
    by_tier: dict[int, list[LeagueCandidate]] = {}
    for candidate in candidates:
        by_tier.setdefault(candidate.tier, []).append(candidate)
    places: list[tuple[int, int, int]] = []
    for tier, members in sorted(by_tier.items()):
        members.sort(key=lambda c: (-c.last_week_minutes, c.membership_id))
        count = -(-len(members) // DIVISION)
        size, bigger = divmod(len(members), count)
        start = 0
        for division in range(count):
            end = start + size + (1 if division < bigger else 0)
            places.extend((c.membership_id, tier, division + 1) for c in members[start:end])
            start = end
    return places


def order(scores: Sequence[LeagueScore]) -> list[LeagueScore]:
    """Points, then done days, then the earlier first check-in of the week (none: last), then membership id."""
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(scores, key=lambda s: (-s.points, -s.done_days, s.first_at or far, s.membership_id))


def zones(ordered: Sequence[LeagueScore], tier: int) -> list[str]:
    """Each row's zone in a division ranked by `order`: the top fifth moves up (n // 5, so at least one from five
    members on) if it scored, the bottom fifth and every 0-point member down; none above Diamond or below Bronze,
    where the zone is `stay`."""
    n = len(ordered)
    fifth = n // 5
    result = []
    for index, score in enumerate(ordered):
        if score.points == 0 or index >= n - fifth:
            zone = "down" if tier > 0 else "stay"
        elif index < fifth:
            zone = "up" if tier < TOP else "stay"
        else:
            zone = "stay"
        result.append(zone)
    return result


def move(tier: int, zone: str) -> int:
    return max(0, min(TOP, tier + (1 if zone == "up" else -1 if zone == "down" else 0)))


def results(scores: Sequence[LeagueScore]) -> list[LeagueResult]:
    """The week's end of every division: rank (1..n, ties broken as `order` says), zone, new tier."""
    divisions: dict[tuple[int, int], list[LeagueScore]] = {}
    for score in scores:
        divisions.setdefault((score.tier, score.division), []).append(score)
    out: list[LeagueResult] = []
    for (tier, _), members in sorted(divisions.items()):
        ranked = order(members)
        for rank, (score, zone) in enumerate(zip(ranked, zones(ranked, tier), strict=True), start=1):
            out.append(LeagueResult(score.membership_id, rank, score.points, zone, move(tier, zone)))
    return out


def week_end_at(cohort: Cohort, after: datetime) -> Slot:
    """The next Monday rollover strictly after `after`: when a league week ends and the next begins."""
    return next_weekly(after, 0, time(cohort.rollover_hour), cohort.zone, cohort.rollover_hour)


def schedule(cohort: Cohort, now: datetime) -> None:
    """On: the next Monday rollover; off: nothing due (a week under way is still ended at its Monday)."""
    if cohort.leagues:
        cohort.next_league_day, cohort.next_league_at = week_end_at(cohort, now)
    elif cohort.next_league_at is None:
        cohort.next_league_day = None


def current_week(cohort: Cohort, now: datetime) -> date:
    return week_start(local_day(now, cohort.zone, cohort.rollover_hour))


async def run_week(uow: UnitOfWork, cohort: Cohort, now: datetime) -> list[tuple[int, Reply]]:
    """The cohort's Monday: end every open week before this one (the results, each membership's new tier), then
    place this week's members (when leagues are on). Returns (membership id, result DM) per member who played;
    the caller owes them under `league:<cohort>:<week>:<membership>` and saves the cohort."""
    assert cohort.id is not None
    week = current_week(cohort, now)
    messages: list[tuple[int, Reply]] = []
    for ended in await uow.leagues.open_weeks(cohort.id, week):
        scores = await uow.leagues.scores(cohort.id, ended, cap(cohort), cohort.daily_target)
        outcome = results(scores)
        await uow.leagues.finish(cohort.id, ended, outcome)
        by_id = {score.membership_id: score for score in scores}
        sizes: dict[tuple[int, int], int] = {}
        for score in scores:
            sizes[(score.tier, score.division)] = sizes.get((score.tier, score.division), 0) + 1
        for result in outcome:
            score = by_id[result.membership_id]
            messages.append((result.membership_id,
                             result_dm(cohort, ended, score, result, sizes[(score.tier, score.division)])))
    if cohort.leagues:
        await uow.leagues.place(cohort.id, week, divide(await uow.leagues.candidates(cohort.id, week)))
        cohort.next_league_day, cohort.next_league_at = week_end_at(cohort, now)
    else:
        cohort.next_league_day = cohort.next_league_at = None
    return messages


def result_dm(cohort: Cohort, week: date, score: LeagueScore, result: LeagueResult, size: int) -> Reply:
    tier, new = TIERS[score.tier], TIERS[result.new_tier]
    verdict = {"up": f"Promoted to {new}!", "down": f"Down to {new} for next week: a fresh start on Monday.",
               "stay": f"You stay in {new}."}[result.zone]
    text = (f"League week of {week:%d %b} in {cohort.name}: you finished #{result.rank} of {size} in {tier} "
            f"division {score.division} with {result.points} points. {verdict}")
    return Reply(text=text, private=True, title="League result",
                 data={"type": "league_result", "cohort": cohort.name, "week": week.isoformat(), "tier": tier,
                       "division": score.division, "rank": result.rank, "points": result.points,
                       "zone": result.zone, "new_tier": new})


def recap_line(outcome: dict[tuple[str, int], int]) -> str | None:
    """"12 promoted to Silver, 3 to Gold; 5 moved down; 40 stayed." from `LeagueRepository.outcome`."""
    if not outcome:
        return None
    ups = sorted((tier, count) for (zone, tier), count in outcome.items() if zone == "up")
    down = sum(count for (zone, _), count in outcome.items() if zone == "down")
    stayed = sum(count for (zone, _), count in outcome.items() if zone == "stay")
    parts = []
    if ups:
        parts.append(", ".join(f"{count} {'promoted ' if i == 0 else ''}to {TIERS[tier]}"
                               for i, (tier, count) in enumerate(ups)))
    if down:
        parts.append(f"{down} moved down")
    parts.append(f"{stayed} stayed")
    return "Leagues last week: " + "; ".join(parts) + "."


async def add_to_recap(uow: UnitOfWork, cohort: Cohort, monday: date, reply: Reply) -> Reply:
    """The recap of the week from `monday` reports the league week that ended at that Monday's rollover (the recap
    comes before this week's end): a line in the text and `data.league` (counts only, no names)."""
    if cohort.id is None:
        return reply
    outcome = await uow.leagues.outcome(cohort.id, monday - timedelta(days=7))
    line = recap_line(outcome)
    if line is None:
        return reply
    league = {"week": (monday - timedelta(days=7)).isoformat(), "line": line,
              "promoted": {TIERS[t]: n for (z, t), n in sorted(outcome.items()) if z == "up"},
              "demoted": sum(n for (z, _), n in outcome.items() if z == "down"),
              "stayed": sum(n for (z, _), n in outcome.items() if z == "stay")}
    data = {**reply.data, "league": league}
    return Reply(text=notices.recap_text(data), data=data, private=reply.private, title=reply.title,
                 attachments=reply.attachments, followups=reply.followups)
