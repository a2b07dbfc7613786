"""Which database failures mean "storage unavailable" (nothing recorded, try again later)."""

from __future__ import annotations

from sqlalchemy import exc as sa_exc


class SchemaTooNew(Exception):
    """The database was migrated by a newer studybot; this one must not touch it."""

    def __init__(self, revision: str) -> None:
        super().__init__(
            f"The database schema is at revision {revision}, which this studybot does not know: "
            "upgrade studybot to run on this database."
        )
        self.revision = revision


# What a server says when it cannot serve now (PostgreSQL SQLSTATEs): any connection exception (class 08),
# insufficient resources (class 53: too many connections, disk full, out of memory), and operator intervention
# that ends sessions or refuses new ones: admin shutdown, crash shutdown, cannot connect now (a server starting
# or stopping), idle session timeout; lock_not_available is Postgres's "database is locked" past lock_timeout.
UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53")
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "57P05", "55P03"})
# Said while connecting, it means the database refuses connections (ALLOW_CONNECTIONS false); said of a
# statement it is a bug of the request's own (object_not_in_prerequisite_state).
UNAVAILABLE_WHEN_CONNECTING = frozenset({"55000"})


def is_unavailable(error: BaseException) -> bool:
    """Unreachable, refusing, dropped, locked or exhausted: the database, not the request, is at fault.

    SQLAlchemy wraps most driver errors in a plain `DBAPIError`, so the driver's exception (`orig`) and the
    ones it was raised from are read too: asyncpg's carry the server's SQLSTATE, and a refused or reset
    connection is an OSError somewhere in that chain."""
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError | OSError):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa_exc.StatementError) and not isinstance(error, sa_exc.DBAPIError):
        return False  # raised before the driver was asked
    connecting = isinstance(error, sa_exc.DBAPIError) and error.statement is None
    for cause in _chain(error):
        if isinstance(cause, OSError):
            return True
        sqlstate = getattr(cause, "sqlstate", None)
        if isinstance(sqlstate, str) and (
            sqlstate.startswith(UNAVAILABLE_SQLSTATE_CLASSES) or sqlstate in UNAVAILABLE_SQLSTATES
            or (connecting and sqlstate in UNAVAILABLE_WHEN_CONNECTING)
        ):
            return True
    return False


def _chain(error: BaseException) -> list[BaseException]:
    """The error, the driver's exception SQLAlchemy wrapped and what each was raised from, once each."""
    chain: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending and len(chain) < 16:
        current = pending.pop(0)
        if current is None or any(current is seen for seen in chain):
            continue
        chain.append(current)
        orig = getattr(current, "orig", None)
        pending.extend([orig if isinstance(orig, BaseException) else None, current.__cause__])
    return chain


def is_unique_violation(error: sa_exc.IntegrityError) -> bool:
    orig = error.orig
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)
