"""SQL helpers the repositories share: long id lists in parts, and the dialect's INSERT that takes ON CONFLICT."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")

IN_LIST = 900  # ids per `IN (...)`: well under every driver's limit on bound parameters


def slices(values: Sequence[T], size: int = IN_LIST) -> list[Sequence[T]]:
    return [values[start:start + size] for start in range(0, len(values), size)]


def insert_for(session: AsyncSession) -> Callable[..., Any]:
    """`insert` of the session's dialect: SQLite's and Postgres's both know `on_conflict_do_…`."""
    return sqlite_insert if session.bind.dialect.name == "sqlite" else postgresql_insert
