"""`cohort web [on|off|rotate]` and `stats web [rotate]`: the web pages' unguessable links (DESIGN.md Privacy).

A cohort's page is off until an organizer turns it on; its slug and a member's page token are 192 random bits
(`secrets.token_urlsafe(24)`), and rotating one makes the old link a 404 at once.
"""

from __future__ import annotations

import secrets

from bot.commands.context import Args, Context, clip
from bot.commands.resolve import enrolment as resolve_enrolment
from bot.commands.resolve import require_organizer, target_cohort
from bot.errors import CommandError
from bot.ports import DuplicateKey
from bot.replies import Reply

TOKEN_BYTES = 24  # 192 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def link(ctx: Context, path: str) -> str:
    base = (ctx.tools.public_url or "http://localhost:8080").rstrip("/")
    return f"{base}{path}"


async def cohort_web(ctx: Context, args: Args) -> Reply:
    action = (args.text("action") or "").lower()
    cohort = await target_cohort(ctx, args)
    if action not in ("", "on", "off", "rotate"):
        raise CommandError("bad_arguments", f"`cohort web` takes `on`, `off` or `rotate`, not '{clip(action)}'.")
    await require_organizer(ctx, cohort)  # the link is the page's only lock: organizers alone hand it out
    if action == "off":
        cohort.web_slug = None
    elif action == "rotate" or (action == "on" and cohort.web_slug is None):
        cohort.web_slug = new_token()
    if action:
        try:
            await ctx.uow.cohorts.save(cohort)
        except DuplicateKey:  # 192 random bits taken already: never in practice, but not a traceback either
            raise CommandError("try_again", "That did not work this time; try again.") from None
    if cohort.web_slug is None:
        return Reply(text=f"{cohort.name}'s web page is off. `cohort web on` makes one, reachable only by its "
                          "link; members appear as \"Member N\" unless they choose `privacy web:show`.",
                     data={"cohort": cohort.name, "web": "off", "url": None}, private=True, title="Web page")
    url = link(ctx, f"/c/{cohort.web_slug}")
    said = {"rotate": "New link; the old one no longer works.", "on": "The page is on."}.get(action, "")
    text = (f"{said} {cohort.name}'s page: {url}\nAnyone with the link can see it. Members appear as \"Member N\" "
            "unless they choose `privacy web:show`; those hidden from boards are not listed. `cohort web rotate` "
            "replaces the link, `cohort web off` takes the page down.")
    return Reply(text=text.strip(),
                 data={"cohort": cohort.name, "web": "on", "url": url, "calendar": f"{url}/calendar.ics"},
                 private=True, title="Web page")


async def stats_web(ctx: Context, args: Args) -> Reply:
    action = (args.text("action") or "").lower()
    if action not in ("", "rotate"):
        raise CommandError("bad_arguments", f"`stats web` takes `rotate` or nothing, not '{clip(action)}'.")
    enrolment = await resolve_enrolment(ctx, args)
    membership = enrolment.membership
    if membership.web_token is None or action == "rotate":
        membership.web_token = new_token()
        try:
            await ctx.uow.memberships.save(membership)
        except DuplicateKey:
            raise CommandError("try_again", "That did not work this time; try again.") from None
    url = link(ctx, f"/m/{membership.web_token}")
    said = "New link; the old one no longer works. " if action == "rotate" else ""
    return Reply(text=f"{said}Your page in {enrolment.cohort.name}: {url}\nOnly this link opens it: keep it to "
                      f"yourself. Your calendar (add it to your calendar app): {url}/calendar.ics\n"
                      "`stats web rotate` replaces both links.",
                 data={"cohort": enrolment.cohort.name, "url": url, "calendar": f"{url}/calendar.ics",
                       "rotated": action == "rotate"}, private=True, title="Your page")
