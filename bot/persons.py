"""One person, several accounts: who is who across platforms, and where their DMs go.

A person is the account holding their data (memberships, check-ins, settings); their other accounts point at it
(`Member.person_id`) and are resolved to it wherever a command comes in. Nearly every member has one account
(`linked` is false): then nothing here looks further than the member itself."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.domain import Member
from bot.ports import UnitOfWork


async def names_on(uow: UnitOfWork, platform: str, workspace: str, members: Iterable[Member]) -> dict[int, str]:
    """Each member's display name where it is shown: their account in that workspace, else on that platform, else
    the holder's."""
    members = list(members)
    elsewhere = [member.person for member in members
                 if member.linked and (member.platform, member.workspace) != (platform, workspace)]
    accounts = await uow.persons.accounts(elsewhere) if elsewhere else {}
    names: dict[int, str] = {}
    for member in members:
        assert member.id is not None
        mine = accounts.get(member.person, [])
        here = [a for a in mine if (a.platform, a.workspace) == (platform, workspace)] or \
            [a for a in mine if a.platform == platform and member.platform != platform]
        names[member.id] = here[0].display_name if here else member.display_name
    return names


async def accounts_in(uow: UnitOfWork, platform: str, workspace: str, members: Sequence[Member]) -> dict[int, Member]:
    """Each member's account in one workspace (for mentions there), for those who have one."""
    found = {member.id or 0: member for member in members
             if member.platform == platform and member.workspace == workspace}
    linked = [member.person for member in members if member.linked]
    for person, accounts in (await uow.persons.accounts(linked) if linked else {}).items():
        for account in accounts:
            if account.platform == platform and account.workspace == workspace:
                found[person] = account
    return found


async def checked_in_from(uow: UnitOfWork, person: Member, account: Member) -> None:
    """`remind via` unset: DMs go where the person checked in last."""
    if not person.linked or person.remind_via is not None:
        return
    await route_dms_to(uow, person, account)


async def route_dms_to(uow: UnitOfWork, person: Member, account: Member) -> None:
    if person.dm_route == (account.platform, account.workspace, account.user_id):
        return
    own = account.id == person.id  # DMs back to the holder itself: no route kept
    person.dm_platform, person.dm_workspace, person.dm_user_id = \
        (None, None, None) if own else (account.platform, account.workspace, account.user_id)
    await uow.members.save(person)


def describe(account: Member) -> dict[str, str]:
    """An account as replies list it."""
    return {"platform": account.platform, "workspace": account.workspace, "name": account.display_name}


def shown(account: Member) -> str:
    return f"{account.display_name} on {account.platform.capitalize()} ({account.workspace})"
