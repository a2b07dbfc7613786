"""Rows to the core's dataclasses and back: what the repositories and the leaderboard queries share."""

from __future__ import annotations

import functools
from dataclasses import fields
from enum import StrEnum
from typing import Any, TypeVar, get_type_hints

from bot.domain import Membership, Role
from bot.streaks import StreakState
from storage.models import Base, MembershipRow

D = TypeVar("D")


def columns(obj: object) -> dict[str, Any]:
    """A dataclass's fields except `id`, by name (rows use the same attribute names); enums as their text."""
    return {name: plain(getattr(obj, name)) for name in _field_names(type(obj)) if name != "id"}


def plain(value: object) -> object:
    return str(value) if isinstance(value, StrEnum) else value


def load(cls: type[D], row: Base) -> D:
    """A fresh dataclass from a row; text columns typed as an enum in the dataclass come back as that enum."""
    enums = _enum_fields(cls)
    if not enums:
        return cls(**{name: getattr(row, name) for name in _field_names(cls)})
    return cls(**{name: enums[name](getattr(row, name)) if name in enums else getattr(row, name)
                  for name in _field_names(cls)})


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(cls))


@functools.cache
def _enum_fields(cls: type) -> dict[str, type[StrEnum]]:
    hints = get_type_hints(cls)
    return {name: hint for name, hint in hints.items() if isinstance(hint, type) and issubclass(hint, StrEnum)}


def membership_columns(membership: Membership) -> dict[str, Any]:
    values = columns(membership)
    state = values.pop("streak_state")
    return {**values, **streak_columns(state)}


STREAK_COLUMNS = ("streak_streak", "streak_freezes", "streak_longest", "streak_through", "streak_offer",
                  "streak_offer_day", "streak_last_repair")


def streak_columns(state: StreakState | None) -> dict[str, Any]:
    if state is None:
        return dict.fromkeys(STREAK_COLUMNS)
    return {"streak_streak": state.streak, "streak_freezes": state.freezes, "streak_longest": state.longest,
            "streak_through": state.through, "streak_offer": state.offer, "streak_offer_day": state.offer_day,
            "streak_last_repair": state.last_repair}


def load_membership(row: MembershipRow) -> Membership:
    state = None
    if row.streak_streak is not None:
        state = StreakState(row.streak_streak, row.streak_freezes or 0, row.streak_longest or 0, row.streak_through,
                            row.streak_offer or 0, row.streak_offer_day, row.streak_last_repair)
    return Membership(cohort_id=row.cohort_id, member_id=row.member_id, role=Role(row.role), active=row.active,
                      reminder_time=row.reminder_time, joined_at=row.joined_at, streak_state=state,
                      next_reminder_at=row.next_reminder_at, lastcall_minutes=row.lastcall_minutes,
                      next_lastcall_at=row.next_lastcall_at, next_dayend_at=row.next_dayend_at,
                      next_reminder_day=row.next_reminder_day, next_lastcall_day=row.next_lastcall_day,
                      web_token=row.web_token, id=row.id)
