"""`link`, `link CODE [confirm:yes]`, `link status`, `unlink PLATFORM`: one person across platforms.

Security: a code is 10 characters from an alphabet without look-alikes (about 49 bits), stored only as its SHA-256,
valid 10 minutes and used once; an account that types five wrong codes in an hour waits (`slow_down`), so guessing
one is hopeless. Linking needs the code (proof of the first account) typed by the second account and then
confirmed, after naming both accounts, so a code pasted by mistake links nothing. Both accounts are told by DM."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from bot import persons
from bot.commands.context import Args, Context, clip
from bot.domain import LinkCode, Member
from bot.errors import CommandError
from bot.owed import dm
from bot.replies import Reply, error_reply

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or retyped without doubt
CODE_LENGTH = 10
CODE_LIFETIME = timedelta(minutes=10)
FAILURE_WINDOW = timedelta(hours=1)
MAX_FAILURES = 5


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalized(typed: str) -> str:
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def code_hash(typed: str) -> str:
    return hashlib.sha256(normalized(typed).encode()).hexdigest()


async def issue(ctx: Context, kind: str, cohort_id: int | None = None) -> tuple[str, datetime]:
    code = new_code()
    expires = ctx.now + CODE_LIFETIME
    assert ctx.caller.id is not None
    await ctx.uow.persons.add_code(LinkCode(code_hash(code), kind, ctx.caller.id, ctx.now, expires, cohort_id))
    return code, expires


async def redeem(ctx: Context, typed: str, kind: str, *, take: bool) -> LinkCode | Reply:
    """The valid code typed, or the error reply to return (returned, not raised: a wrong code is counted, and
    the count must be committed)."""
    caller = ctx.caller
    assert caller.id is not None
    if await ctx.uow.persons.failures_since(caller.id, ctx.now - FAILURE_WINDOW) >= MAX_FAILURES:
        return error_reply("slow_down", "That's five wrong codes in the last hour, so I won't check another one for "
                                        "a while. Please try again in an hour, with a fresh code.",
                           retry_after=int(FAILURE_WINDOW.total_seconds()))
    hashed = code_hash(typed)
    code = await ctx.uow.persons.peek_code(hashed)
    again = f"`{'link' if kind == 'link' else 'cohort bridge'}`"
    if code is not None and code.expires_at <= ctx.now:  # a real code, late: not a guess, so not counted
        return error_reply("code_expired", f"That code has expired: codes work for 10 minutes. Ask for a new one "
                                           f"({again} where you got it).")
    if code is None or code.kind != kind or len(normalized(typed)) != CODE_LENGTH:
        await ctx.uow.persons.add_failure(caller.id, ctx.now)
        left = MAX_FAILURES - await ctx.uow.persons.failures_since(caller.id, ctx.now - FAILURE_WINDOW)
        how = "`link` on your other account" if kind == "link" else "`cohort bridge` in the cohort's channel"
        warning = {2: " 2 tries left this hour.", 1: " 1 try left this hour.",
                   0: " That was the fifth wrong code this hour: the next one waits an hour."}.get(left, "")
        return error_reply("bad_code", f"'{clip(typed, 20)}' is not a code I gave out (or it was used already). "
                                       f"Copy it exactly, e.g. `{kind if kind == 'link' else 'cohort bridge'} "
                                       f"ABCDE-FGH23`, or get a new one with {how}.{warning}")
    if take and await ctx.uow.persons.take_code(hashed) is None:  # redeemed a moment ago, elsewhere
        return error_reply("bad_code", f"That code was just used. Ask for a new one with {again}.")
    return code


async def run(ctx: Context, args: Args) -> Reply:
    typed = args.text("code")
    if typed is None:
        return await _ask_for_code(ctx)
    if typed.lower() == "status":
        return await status(ctx, args)
    found = await redeem(ctx, typed, "link", take=args.flag("confirm"))
    if isinstance(found, Reply):
        return found
    issuer_account = await ctx.uow.members.get(found.member_id)
    if issuer_account is None:
        return error_reply("bad_code", "The account that made that code is gone. Ask for a new one with `link`.")
    issuer = await ctx.uow.members.get(issuer_account.person) or issuer_account
    me = ctx.member
    if issuer.id == me.id:
        raise CommandError("already_linked", "These accounts are already one person. `link status` lists them.")
    mine, theirs = await _accounts(ctx, me), await _accounts(ctx, issuer)
    clash = {(a.platform, a.workspace) for a in mine} & {(a.platform, a.workspace) for a in theirs}
    if clash:
        platform, workspace = sorted(clash)[0]
        raise CommandError("one_per_workspace", f"You would have two accounts in one {platform.capitalize()} "
                                                f"workspace ({workspace}); a person links at most one account per "
                                                "workspace. `unlink` the other one first (see `link status`).")
    if await _both_sprinting(ctx, me, issuer):
        raise CommandError("sprint_running", "Both accounts have a sprint running. Let one finish or `sprint stop` "
                                             "it, then link.")
    if await ctx.uow.focus.open_session(me.id or 0) and await ctx.uow.focus.open_session(issuer.id or 0):
        raise CommandError("focus_running", "Both accounts are counting time in a focus room. Leave one room "
                                            "(its time is recorded), then link.")
    accounts = [persons.describe(a) for a in theirs + mine]
    shown_code = f"{normalized(typed)[:5]}-{normalized(typed)[5:]}"
    if not args.flag("confirm"):
        return Reply(text=f"This makes {persons.shown(issuer_account)} and {persons.shown(ctx.caller)} one person: "
                          "one streak, one place on each board. The account that made the code keeps its settings "
                          f"(time zone: {issuer.timezone or 'each cohort’s own'}; pauses, rest days, privacy); in a "
                          "cohort you are in twice, the two memberships become one and your days are added up. "
                          f"Press **Link them** to confirm, or type `link {shown_code} confirm:yes` (on Discord "
                          f"`/link code:{shown_code} confirm:yes`).",
                     data={"confirm_needed": True, "accounts": accounts,
                           "confirm": {"command": "link", "args": {"code": normalized(typed), "confirm": "yes"},
                                       "label": "Link them"}},
                     private=True, title="Link accounts")
    assert issuer.id is not None and me.id is not None
    # Both persons held (as every path that changes a person's days holds them) and read again: a check-in, or
    # another link, in another process waits, or has finished and is seen.
    await ctx.uow.members.lock([issuer.id, me.id])
    fresh = await ctx.uow.members.get_many([issuer.id, me.id])
    if any(fresh.get(person.id or 0) is None or fresh[person.id or 0].person_id is not None for person in (issuer, me)):
        raise CommandError("try_again", "Your accounts changed while I was linking them. Please type the same "
                                        "command again.")
    merged_cohorts = await ctx.uow.persons.join(issuer.id, me.id)
    merged = [cohort.name for cohort_id in merged_cohorts if (cohort := await ctx.uow.cohorts.get(cohort_id))]
    for account in theirs + mine:
        await ctx.uow.outbox.add(dm(f"linked:{found.code_hash[:16]}:{account.id}", "linked", account,
                                    _linked_notice(account, theirs + mine), ctx.now, ctx.now))
    both = " and ".join(persons.shown(a) for a in theirs + mine)
    combined = f" Your memberships of {', '.join(merged)} became one; the streak counts your days together." \
        if merged else ""
    return Reply(text=f"Linked: {both} are one person now.{combined} The settings (time zone, pauses, rest days, "
                      f"privacy) are those of {persons.shown(issuer_account)}. `unlink PLATFORM` undoes it; "
                      "`remind via:PLATFORM` chooses where reminders come.",
                 data={"linked": True, "accounts": accounts, "merged": merged}, private=True, title="Linked")


def _linked_notice(account: Member, accounts: list[Member]) -> Reply:
    names = ", ".join(persons.shown(a) for a in accounts)
    return Reply(text=f"Your accounts are linked now: {names}. If this wasn't you, type `unlink "
                      f"{accounts[-1].platform if accounts[-1].id != account.id else accounts[0].platform}` "
                      "here to undo it.",
                 data={"type": "linked", "accounts": [persons.describe(a) for a in accounts]},
                 private=True, title="Accounts linked")


async def _ask_for_code(ctx: Context) -> Reply:
    code, expires = await issue(ctx, "link")
    return Reply(text=f"Your code is {code}. Within 10 minutes, sign in to your other account (another platform, "
                      f"or another workspace) and type `link {code}` there (on Discord `/link code:{code}`, on Slack "
                      f"`/study link {code}`). It works once. This account keeps its settings.",
                 data={"code": code, "expires_at": expires.isoformat()}, private=True, title="Link accounts")


async def status(ctx: Context, _args: Args) -> Reply:
    accounts = await _accounts(ctx, ctx.member)
    route = ctx.member.dm_route
    via = ctx.member.remind_via or "where you checked in last"
    lines = [f"• {persons.shown(a)}" + (" — holds your settings" if a.id == ctx.member.id else "")
             + (" — DMs go here" if (a.platform, a.workspace, a.user_id) == route else "") for a in accounts]
    if len(accounts) == 1:
        text = "This account is not linked to another. Type `link` to get a code for linking your other account."
    else:
        text = f"Your accounts ({len(accounts)}), one person:\n" + "\n".join(lines) + f"\nReminders: {via}."
    return Reply(text=text, data={"accounts": [persons.describe(a) for a in accounts],
                                  "remind_via": ctx.member.remind_via}, private=True, title="Linked accounts")


async def unlink(ctx: Context, args: Args) -> Reply:
    platform = (args.text("platform") or "").lower()
    workspace = args.text("workspace")
    accounts = await _accounts(ctx, ctx.member)
    if len(accounts) == 1:
        raise CommandError("not_linked", "This account is not linked to another; there is nothing to unlink.")
    chosen = [a for a in accounts if a.platform == platform and (workspace is None or a.workspace == workspace)]
    if not chosen:
        platforms = sorted({a.platform for a in accounts})
        raise CommandError("bad_platform", f"Say which account to unlink: `unlink PLATFORM`, one of "
                                           f"{', '.join(platforms)}, e.g. `unlink {accounts[-1].platform}`.",
                           choices=platforms)
    if len(chosen) > 1:
        raise CommandError("which_workspace", f"You have {len(chosen)} {platform} accounts; add which workspace, "
                                              f"e.g. `unlink {platform} workspace:{chosen[0].workspace}`.",
                           choices=[a.workspace for a in chosen])
    leaving = chosen[0]
    assert leaving.id is not None
    await ctx.uow.members.lock([ctx.member.id or 0])
    await ctx.uow.persons.split(leaving.id)
    staying = ", ".join(persons.shown(a) for a in accounts if a.id != leaving.id)
    for account in accounts:
        text = (f"This account is no longer linked to {staying}; it keeps the check-ins it recorded."
                if account.id == leaving.id else
                f"{persons.shown(leaving)} is no longer linked to your accounts; what it recorded stays with it.")
        await ctx.uow.outbox.add(dm(f"unlinked:{leaving.id}:{int(ctx.now.timestamp())}:{account.id}", "linked",
                                    account, Reply(text=text, data={"type": "unlinked"}, private=True,
                                                   title="Accounts unlinked"), ctx.now, ctx.now))
    return Reply(text=f"Unlinked {persons.shown(leaving)}: it is a person of its own again, with the check-ins it "
                      "recorded; the streaks on both sides are worked out again.",
                 data={"unlinked": persons.describe(leaving)}, private=True, title="Unlinked")


async def remind_via(ctx: Context, via: str) -> Reply:
    """`remind via:PLATFORM` (or `via:last`): where the person's reminders and other DMs go."""
    person = ctx.member
    wanted = via.lower()
    if wanted in ("last", "auto"):
        person.remind_via = None
        await ctx.uow.members.save(person)
        await persons.checked_in_from(ctx.uow, person, ctx.caller)
        return Reply(text="Reminders come where you checked in last.", data={"remind_via": None},
                     private=True, title="Reminders")
    accounts = [a for a in await _accounts(ctx, person) if a.platform == wanted]
    if not accounts:
        have = ", ".join(sorted({a.platform for a in await _accounts(ctx, person)}))
        raise CommandError("bad_via", f"You have no linked {clip(wanted, 20)} account. Choose one of {have}, or "
                                      "`via:last` (where you checked in last); `link` links another account.")
    person.remind_via = wanted
    await persons.route_dms_to(ctx.uow, person, accounts[0])
    await ctx.uow.members.save(person)
    return Reply(text=f"Reminders and other DMs come on {wanted.capitalize()} now ({persons.shown(accounts[0])}).",
                 data={"remind_via": wanted}, private=True, title="Reminders")


async def _accounts(ctx: Context, person: Member) -> list[Member]:
    if not person.linked:
        return [person]
    return (await ctx.uow.persons.accounts([person.person]))[person.person]


async def _both_sprinting(ctx: Context, one: Member, other: Member) -> bool:
    running = await ctx.uow.sprints.active_for_members([one.id or 0, other.id or 0])
    return len(running) == 2
