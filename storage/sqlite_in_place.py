"""A SQLAlchemy asyncio driver for SQLite whose calls finish where they are made: the standard library's
`sqlite3` behind the awaitable interface SQLAlchemy's asyncio layer drives (the one aiosqlite offers), each
awaitable complete the moment it is created. A session on it runs its statements straight through on the
thread that awaits it, without aiosqlite's hand-off to a thread of its own and back for every statement,
every fetch and every cursor close. That thread blocks while SQLite works (and while it waits for another
process's lock, up to busy_timeout), so it is meant for the database thread (storage/sqlite_thread.py),
never for the bot's event loop."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy import URL, pool
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection, AsyncAdapt_dbapi_module
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

DRIVER = "studybot_in_place"
_FROM_SQLITE3 = ("Warning", "Error", "InterfaceError", "DatabaseError", "DataError", "OperationalError",
                 "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError", "sqlite_version",
                 "sqlite_version_info", "PARSE_COLNAMES", "PARSE_DECLTYPES", "Binary")


class _Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def __aenter__(self) -> _Cursor:
        return self

    async def execute(self, operation: str, parameters: Any = ()) -> None:
        self._cursor.execute(operation, parameters)

    async def executemany(self, operation: str, seq_of_parameters: Any) -> None:
        self._cursor.executemany(operation, seq_of_parameters)

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> Sequence[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _Connection:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.sqlite = connection

    def cursor(self) -> _Cursor:
        return _Cursor(self.sqlite.cursor())

    async def commit(self) -> None:
        self.sqlite.commit()

    async def rollback(self) -> None:
        self.sqlite.rollback()

    async def close(self) -> None:
        self.sqlite.close()


class _AdaptedConnection(AsyncAdapt_dbapi_connection):
    __slots__ = ()
    _connection: _Connection

    @property
    def isolation_level(self) -> str | None:
        return self._connection.sqlite.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._connection.sqlite.isolation_level = value

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._connection.sqlite.create_function(*args, **kwargs)


class _Module(AsyncAdapt_dbapi_module):
    def __init__(self) -> None:
        super().__init__(sqlite3, dbapi_module=sqlite3)
        self.paramstyle = "qmark"
        for name in _FROM_SQLITE3:
            setattr(self, name, getattr(sqlite3, name))

    def connect(self, *args: Any, **kwargs: Any) -> _AdaptedConnection:
        return _AdaptedConnection(self, _Connection(sqlite3.connect(*args, **kwargs)))


class InPlaceSQLiteDialect(SQLiteDialect_pysqlite):
    driver = DRIVER
    is_async = True
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> Any:
        return _Module()

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        # Units of work queue for the connection the asyncio way, on the database thread's event loop.
        return pool.AsyncAdaptedQueuePool

    def get_driver_connection(self, connection: Any) -> Any:
        return connection._connection.sqlite


def in_place_url(url: URL) -> URL:
    """The SQLite file `url` names, on this driver (registered with SQLAlchemy here; again is harmless)."""
    registry.register(f"sqlite.{DRIVER}", __name__, InPlaceSQLiteDialect.__name__)
    return url.set(drivername=f"sqlite+{DRIVER}")
