"""ids are never handed out twice: SQLite tables with a surrogate id become AUTOINCREMENT

Revision ID: 0005_ids_never_reused
Revises: 0004_leaderboard
Create Date: 2026-11-30

Outbox keys name ids ("sprint:<id>", "digest:<cohort>:<date>", "reminder:<membership>:<date>", ...) and outlive
the rows they name. A plain SQLite INTEGER PRIMARY KEY hands out max(rowid) + 1, so deleting the highest row
gives its id to the next insert, whose message then collides with the old key and is never sent. AUTOINCREMENT
keeps the highest id ever used in sqlite_sequence and never goes below it.

SQLite cannot add AUTOINCREMENT in place: each table is rebuilt (SQLite's own procedure: create the new table
from the stored CREATE statement with only the id column changed, copy every row with its id, drop the old
table, rename, recreate its indexes). storage.database runs migrations with foreign keys off, so the DROP does
not cascade into the tables that refer to this one, and checks every reference once the transaction ends; the
upgrade refuses to run with them on. sqlite_sequence starts at the highest id in the table or named by an outbox
key or a sprint's check-in key, whichever is higher: ids the old schema may already have handed out twice are
not handed out again.

Postgres ids come from sequences (BIGSERIAL), which never go back: nothing to do there.

A later migration that rebuilds one of these tables with batch_alter_table must pass
table_kwargs={"sqlite_autoincrement": True}: reflection does not see AUTOINCREMENT, and the rebuild would drop it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

revision: str = "0005_ids_never_reused"
down_revision: str | None = "0004_leaderboard"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen: the tables with a surrogate `id` at this revision.
TABLES = ("members", "cohorts", "memberships", "checkins", "sprints", "pauses", "outbox", "roadmaps",
          "roadmap_progress", "buddies", "group_sprints")

# Frozen: the outbox keys written up to this revision that name ids, as {first part: {part number: table}} of
# key.split(":"); e.g. "buddy:<membership>:<date>:<member>".
KEY_IDS: dict[str, dict[int, str]] = {
    "sprint": {1: "sprints"},
    "group": {1: "group_sprints"},
    "digest": {1: "cohorts"},
    "recap": {1: "cohorts"},
    "reminder": {1: "memberships"},
    "lastcall": {1: "memberships"},
    "buddy": {1: "memberships", 3: "members"},
    "buddyreq": {1: "cohorts", 2: "members", 3: "members"},
    "nudge": {1: "members", 2: "members"},
}
PAGE = 10_000  # outbox rows read at a time

_HEADER = re.compile(r'^\s*CREATE\s+TABLE\s+(?:"[^"]+"|\w+)\s*\(', re.IGNORECASE)
_PLAIN_ID = re.compile(r'^(\s*"?id"?\s+INTEGER\s+NOT\s+NULL)(\s*,)', re.IGNORECASE | re.MULTILINE)
_AUTO_ID = re.compile(r'^(\s*"?id"?\s+INTEGER\s+NOT\s+NULL)\s+PRIMARY\s+KEY\s+AUTOINCREMENT(\s*,)',
                      re.IGNORECASE | re.MULTILINE)
_ID_KEY = re.compile(r'\s*,\s*(?:CONSTRAINT\s+(?:"[^"]+"|\w+)\s+)?PRIMARY\s+KEY\s*\(\s*"?id"?\s*\)', re.IGNORECASE)
_FIRST_CONSTRAINT = re.compile(r'\s*,\s*CONSTRAINT\b', re.IGNORECASE)
_CLOSE = re.compile(r'\s*\)[^)]*$')

Transform = Callable[[str, str], str | None]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return  # Postgres: ids come from sequences, which never hand a value out twice
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("0005_ids_never_reused rebuilds tables and needs SQLite's foreign keys off (dropping a "
                           "table would cascade into its children); run it through studybot (storage.upgrade).")
    floors = _ids_named_elsewhere(bind)
    for table in TABLES:
        _rebuild(bind, table, _with_autoincrement)
        _seed(bind, table, floors.get(table, 0))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("downgrading 0005_ids_never_reused rebuilds tables and needs SQLite's foreign keys off; "
                           "run it through studybot (storage.downgrade).")
    for table in TABLES:
        _rebuild(bind, table, _without_autoincrement)  # dropping the old table drops its sqlite_sequence row


def _with_autoincrement(table: str, sql: str) -> str | None:
    """`id INTEGER NOT NULL, ... CONSTRAINT pk_t PRIMARY KEY (id)` becomes `id INTEGER NOT NULL PRIMARY KEY
    AUTOINCREMENT, ...` (what SQLAlchemy writes for sqlite_autoincrement=True); None when it already is."""
    if _AUTO_ID.search(sql):
        return None
    key = _ID_KEY.findall(sql)
    if len(_PLAIN_ID.findall(sql)) != 1 or len(key) != 1:
        raise RuntimeError(f"0005_ids_never_reused: unexpected definition of table {table}: {sql}")
    sql = _ID_KEY.sub("", sql, count=1)
    return _PLAIN_ID.sub(r"\1 PRIMARY KEY AUTOINCREMENT\2", sql, count=1)


def _without_autoincrement(table: str, sql: str) -> str | None:
    """The inverse: back to a plain id column and the named primary key constraint of 0001-0004."""
    if not _AUTO_ID.search(sql):
        return None
    sql = _AUTO_ID.sub(r"\1\2", sql, count=1)
    constraint = f", \n\tCONSTRAINT pk_{table} PRIMARY KEY (id)"
    place = _FIRST_CONSTRAINT.search(sql) or _CLOSE.search(sql)
    assert place is not None, sql
    return sql[:place.start()] + constraint + sql[place.start():]


def _rebuild(bind: Connection, table: str, transform: Transform) -> None:
    sql = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
                       {"name": table}).scalar_one()
    wanted = transform(table, sql)
    if wanted is None:
        return
    extras = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE tbl_name = :name AND type IN "
                                  "('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid"),
                          {"name": table}).scalars().all()
    columns = ", ".join(f'"{row[1]}"' for row in bind.exec_driver_sql(f'PRAGMA table_info("{table}")'))
    temporary = f"_0005_{table}"
    bind.exec_driver_sql(_HEADER.sub(f'CREATE TABLE "{temporary}" (', wanted, count=1))
    bind.exec_driver_sql(f'INSERT INTO "{temporary}" ({columns}) SELECT {columns} FROM "{table}"')
    before, after = (bind.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar() for name in (table, temporary))
    if before != after:
        raise RuntimeError(f"0005_ids_never_reused: copying {table} kept {after} of {before} rows")
    bind.exec_driver_sql(f'DROP TABLE "{table}"')
    bind.exec_driver_sql(f'ALTER TABLE "{temporary}" RENAME TO "{table}"')
    for statement in extras:
        bind.exec_driver_sql(statement)


def _seed(bind: Connection, table: str, floor: int) -> None:
    top = max(bind.exec_driver_sql(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"').scalar() or 0, floor)
    bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :name"), {"name": table})
    if top:
        bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
                     {"name": table, "seq": top})


def _ids_named_elsewhere(bind: Connection) -> dict[str, int]:
    """The highest id of each table that an outbox key (or a sprint's check-in key) names: the old schema may
    have handed those out already, and the rows they named may be gone."""
    floors: dict[str, int] = {}

    def note(key: str) -> None:
        parts = key.split(":")
        for position, table in KEY_IDS.get(parts[0], {}).items():
            if position < len(parts) and parts[position].isdigit():
                floors[table] = max(floors.get(table, 0), int(parts[position]))

    after = 0
    while rows := bind.execute(sa.text('SELECT id, "key" FROM outbox WHERE id > :after ORDER BY id LIMIT :page'),
                               {"after": after, "page": PAGE}).all():
        for _, key in rows:
            note(key)
        after = rows[-1][0]
    sprint_keys = bind.execute(sa.text("SELECT max(CAST(substr(idempotency_key, 8) AS INTEGER)) FROM checkins "
                                       "WHERE idempotency_key LIKE 'sprint:%'")).scalar()
    if sprint_keys:
        note(f"sprint:{sprint_keys}")
    return floors
