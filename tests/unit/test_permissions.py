"""Every guarded command × role × scope: allowed or refused as designed, and one workspace never sees
another's cohorts."""

from __future__ import annotations

import pytest

from tests.unit.conftest import Harness

ROLES = ("stranger", "member", "organizer", "admin")
SCOPES = {"own": "ml-club", "other": "dl-club", "foreign": "far-club"}

ORGANIZER_ONLY = ("cohort settings {c} sprint:25", "cohort export {c}", "cohort remove {c} confirm:{c}")
MEMBER_ONLY = ("checkin 30 cohort:{c}", "streak cohort:{c}", "sprint start cohort:{c}", "remind set 20:00 cohort:{c}",
               "export cohort:{c}", "stats cohort:{c}", "pause 2d cohort:{c}")


def expected(kind: str, role: str, scope: str) -> str:
    if scope == "foreign":
        return "unknown_cohort"  # another workspace's cohort does not exist here
    if kind == "organizer":
        allowed = role == "admin" or (role == "organizer" and scope == "own")
        return "ok" if allowed else "not_organizer"
    allowed = role in ("member", "organizer") and scope == "own"
    return "ok" if allowed else "not_member"


CASES = [(template, kind, role, scope) for kind, templates in (("organizer", ORGANIZER_ONLY), ("member", MEMBER_ONLY))
         for template in templates for role in ROLES for scope in SCOPES]


@pytest.mark.parametrize(("template", "kind", "role", "scope"), CASES,
                         ids=[f"{t.split(' {')[0]}-{r}-{s}" for t, _, r, s in CASES])
async def test_permission_matrix(h: Harness, template: str, kind: str, role: str, scope: str) -> None:
    await h.ok("org", "cohort create ml-club", channel="ml")
    await h.ok("mem", "cohort join ml-club", channel="ml")
    await h.ok("orgb", "cohort create dl-club", channel="dl")
    await h.ok("far", "cohort create far-club", channel="far", workspace="elsewhere")
    user = {"stranger": "str", "member": "mem", "organizer": "org", "admin": "adm"}[role]
    line = template.format(c=SCOPES[scope])
    reply = await h.say(user, line, channel="random", admin=role == "admin")
    want = expected(kind, role, scope)
    assert reply.data.get("error", "ok") == want, f"{role} {line!r}: {reply.data} {reply.text}"


async def test_nobody_records_or_deletes_for_someone_else(h: Harness) -> None:
    await h.ok("org", "cohort create ml-club")
    await h.ok("mem", "cohort join")
    await h.ok("org", "checkin 30")
    await h.ok("mem", "forget confirm:yes")
    assert (await h.ok("org", "streak")).data["minutes_today"] == 30
    # a mention is only ever a target for DMs (nudge, buddy), never whose check-in it is
    reply = await h.ok("org", "checkin 20 for @mem")
    assert reply.data["minutes_today"] == 50
