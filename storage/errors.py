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


def is_unavailable(error: BaseException) -> bool:
    """Unreachable, dropped, locked or exhausted: the database, not the request, is at fault."""
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError | OSError):
        return True
    return isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated


def is_unique_violation(error: sa_exc.IntegrityError) -> bool:
    orig = error.orig
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)
