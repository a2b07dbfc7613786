"""The schema as SQLAlchemy 2 declarative models. Alembic migrations must match these (a test compares)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.offdays import EVERY_DAY, NO_DAY, Holiday, WeeklyDays

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on Postgres; SQLite needs exactly INTEGER for a rowid alias (autoincrementing key).
Id = BigInteger().with_variant(Integer(), "sqlite")
# Every table with a surrogate id: ids name outbox keys ("sprint:<id>", "digest:<cohort>:<date>", ...) that outlive
# their rows, so an id is never handed out twice. Postgres sequences never go back; SQLite would reuse the highest
# rowid once that row is deleted, unless the table is AUTOINCREMENT (migration 0005_ids_never_reused).
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: refuses naive datetimes on write, always gives aware UTC back (SQLite stores naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given for a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class WeeklyDaysText(TypeDecorator[WeeklyDays]):
    """`bot.offdays.WeeklyDays` as JSON text, `{"initial": mask, "changes": [["YYYY-MM-DD", mask], ...]}`; NULL (every
    row from before the column) reads as `initial` alone, with no change."""

    impl = Text
    cache_ok = True

    def __init__(self, initial: int) -> None:
        super().__init__()
        self.initial = initial

    def process_bind_param(self, value: WeeklyDays | None, dialect: Dialect) -> str | None:
        if value is None or (value.initial == self.initial and not value.changes):
            return None
        return json.dumps({"initial": value.initial,
                           "changes": [[start.isoformat(), mask] for start, mask in value.changes]})

    def process_result_value(self, value: str | None, dialect: Dialect) -> WeeklyDays:
        if value is None:
            return WeeklyDays(self.initial)
        data = json.loads(value)
        return WeeklyDays(int(data["initial"]),
                          tuple((date.fromisoformat(start), int(mask)) for start, mask in data["changes"]))


class HolidaysText(TypeDecorator[tuple[Holiday, ...]]):
    """A cohort's holidays as JSON text, `[["start", "end", "name"], ...]` by start; NULL reads as none."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: tuple[Holiday, ...] | None, dialect: Dialect) -> str | None:
        if not value:
            return None
        return json.dumps([[h.start.isoformat(), h.end.isoformat(), h.name]
                           for h in sorted(value, key=lambda h: h.start)])

    def process_result_value(self, value: str | None, dialect: Dialect) -> tuple[Holiday, ...]:
        if value is None:
            return ()
        return tuple(Holiday(date.fromisoformat(start), date.fromisoformat(end), name)
                     for start, end, name in json.loads(value))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _fk(target: str) -> ForeignKey:
    return ForeignKey(target, ondelete="CASCADE")


class MemberRow(Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "user_id"),
        # For the leaderboards: the few members who hide, and who set a time zone of their own.
        Index("ix_members_hidden", "id", sqlite_where=text("hidden = 1"), postgresql_where=text("hidden = true")),
        Index("ix_members_zoned", "timezone", sqlite_where=text("timezone IS NOT NULL"),
              postgresql_where=text("timezone IS NOT NULL")),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str | None] = mapped_column(String(64))
    allow_mentions: Mapped[bool] = mapped_column(Boolean)
    hidden: Mapped[bool] = mapped_column(Boolean)
    rest_days: Mapped[WeeklyDays] = mapped_column(WeeklyDaysText(NO_DAY), nullable=True)
    web_name: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))  # `privacy web:show`
    # Linked accounts (`link`): one person is the account holding their data (memberships, check-ins, settings);
    # the others point at it. NULL: the account is a person of its own. `linked` is set on the holder of a person
    # with more than one account, so unlinked members (nearly all) never look further.
    person_id: Mapped[int | None] = mapped_column(Id, index=True)
    linked: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    remind_via: Mapped[str | None] = mapped_column(String(32))  # `remind via:`; NULL: where they checked in last
    dm_platform: Mapped[str | None] = mapped_column(String(32))  # where their DMs go (the holder's row; NULL: here)
    dm_workspace: Mapped[str | None] = mapped_column(String(64))
    dm_user_id: Mapped[str | None] = mapped_column(String(64))


class CohortRow(Base):
    __tablename__ = "cohorts"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "name_key"),
        Index("ix_cohorts_channel", "platform", "workspace", "channel_id"),
        Index("uq_cohorts_web_slug", "web_slug", unique=True),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))  # lower-cased name: names are unique ignoring case
    channel_id: Mapped[str] = mapped_column(String(64))
    # Members are never deleted while they own a cohort, so no cascade here.
    created_by: Mapped[int] = mapped_column(Id, ForeignKey("members.id"))
    timezone: Mapped[str] = mapped_column(String(64))
    sprint_minutes: Mapped[int] = mapped_column(Integer)
    daily_goal: Mapped[int] = mapped_column(Integer)
    rollover_hour: Mapped[int] = mapped_column(Integer)
    digest_time: Mapped[time] = mapped_column(Time)
    recap_weekday: Mapped[int] = mapped_column(Integer)
    recap_time: Mapped[time] = mapped_column(Time)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_recap_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_digest_day: Mapped[date | None] = mapped_column(Date)  # the local dates of those two (bot.schedule.Slot)
    next_recap_day: Mapped[date | None] = mapped_column(Date)
    digest_mentions: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    digest_thread: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    roadmap_id: Mapped[str | None] = mapped_column(String(40))
    roadmap_start: Mapped[date | None] = mapped_column(Date)
    weekly_goal: Mapped[int | None] = mapped_column(Integer)
    team_goal: Mapped[int | None] = mapped_column(Integer)  # the cohort's minutes a week together; NULL: off
    study_days: Mapped[WeeklyDays] = mapped_column(WeeklyDaysText(EVERY_DAY), nullable=True)
    holidays: Mapped[tuple[Holiday, ...]] = mapped_column(HolidaysText, nullable=True)
    web_slug: Mapped[str | None] = mapped_column(String(64))  # the public page's; NULL: off (unique index)
    leagues: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    next_league_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # due: a league week ends
    next_league_day: Mapped[date | None] = mapped_column(Date)


class MembershipRow(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("cohort_id", "member_id"),
        # The leaderboards: best first for "all", streaks standing today first for "streak"; both cover every
        # column their counts read, so counting a cohort never touches the table.
        Index("ix_memberships_board_all", "cohort_id", "minutes_total", "active", "member_id"),
        Index("ix_memberships_board_streak", "cohort_id", "board_alive_until", "board_day", "board_streak",
              "board_longest", "active", "member_id"),
        Index("ix_memberships_board_unknown", "cohort_id", sqlite_where=text("board_streak IS NULL"),
              postgresql_where=text("board_streak IS NULL")),  # board streaks to work out
        Index("uq_memberships_web_token", "web_token", unique=True),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(Id, _fk("cohorts.id"))
    member_id: Mapped[int] = mapped_column(Id, _fk("members.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean)
    reminder_time: Mapped[time | None] = mapped_column(Time)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A saved StreakState; all NULL when there is none.
    streak_streak: Mapped[int | None] = mapped_column(Integer)
    streak_freezes: Mapped[int | None] = mapped_column(Integer)
    streak_longest: Mapped[int | None] = mapped_column(Integer)
    streak_through: Mapped[date | None] = mapped_column(Date)
    streak_offer: Mapped[int | None] = mapped_column(Integer)
    streak_offer_day: Mapped[date | None] = mapped_column(Date)
    streak_last_repair: Mapped[date | None] = mapped_column(Date)
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    lastcall_minutes: Mapped[int | None] = mapped_column(Integer)
    next_lastcall_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_dayend_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    next_reminder_day: Mapped[date | None] = mapped_column(Date)  # the local dates of the next reminder and
    next_lastcall_day: Mapped[date | None] = mapped_column(Date)  # last call (bot.schedule.Slot)
    # The leaderboards' figures, kept by the check-in write path (SqlCheckInRepository): all-time minutes,
    # a version every change of these figures bumps, and the board streak (bot.ranking.BoardStreak: the
    # walk's state on the last done day; board_streak NULL means unknown, to be worked out by the board).
    minutes_total: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    board_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    board_day: Mapped[date | None] = mapped_column(Date)
    board_streak: Mapped[int | None] = mapped_column(Integer)
    board_freezes: Mapped[int | None] = mapped_column(Integer)
    board_longest: Mapped[int | None] = mapped_column(Integer)
    board_alive_until: Mapped[date | None] = mapped_column(Date)
    board_last_repair: Mapped[date | None] = mapped_column(Date)
    board_mendable: Mapped[int | None] = mapped_column(Integer)
    web_token: Mapped[str | None] = mapped_column(String(64))  # the member's private page's (unique index)


class LeaderboardTotalRow(Base):
    """Minutes per membership per week (from its Monday) and per month (from its 1st), by the check-ins'
    local dates; kept by the check-in write path, gone with the membership."""

    __tablename__ = "leaderboard_totals"
    __table_args__ = (Index("ix_leaderboard_totals_board", "cohort_id", "period", "starts_on", "minutes"),
                      {"sqlite_with_rowid": False})  # SQLite: the rows live in the primary key's b-tree

    membership_id: Mapped[int] = mapped_column(Id, _fk("memberships.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)  # "week" or "month"
    starts_on: Mapped[date] = mapped_column(Date, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(Id, _fk("cohorts.id"))
    minutes: Mapped[int] = mapped_column(Integer)


class CohortDayRow(Base):
    """How many of a cohort's memberships were done on each local date (the web page's heatmap), kept by the
    check-in write path (storage/done_days.py); gone with the cohort."""

    __tablename__ = "cohort_days"
    __table_args__ = ({"sqlite_with_rowid": False},)

    cohort_id: Mapped[int] = mapped_column(Id, _fk("cohorts.id"), primary_key=True)
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    done: Mapped[int] = mapped_column(Integer)


class CheckInRow(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("member_id", "idempotency_key"),
        Index("ix_checkins_membership_day", "membership_id", "local_date"),
        Index("ix_checkins_cohort_day", "cohort_id", "local_date"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    membership_id: Mapped[int] = mapped_column(Id, _fk("memberships.id"))
    member_id: Mapped[int] = mapped_column(Id, _fk("members.id"))
    cohort_id: Mapped[int] = mapped_column(Id, _fk("cohorts.id"))
    local_date: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(200))
    step: Mapped[int | None] = mapped_column(Integer)
    account_id: Mapped[int | None] = mapped_column(Id)  # the linked account that recorded it; NULL: the member


class UndoneCheckInRow(Base):
    """The idempotency keys of check-ins taken back with `undo`: a replay of the same interaction records nothing."""

    __tablename__ = "undone_checkins"

    member_id: Mapped[int] = mapped_column(Id, _fk("members.id"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    undone_at: Mapped[datetime] = mapped_column(UTCDateTime)


ACTIVE = "active"  # SprintStatus.ACTIVE, spelled out so the partial index's SQL is fixed


class SprintRow(Base):
    __tablename__ = "sprints"
    __table_args__ = (
        Index("ix_sprints_status_ends_at", "status", "ends_at"),
        Index("ix_sprints_member_started", "member_id", "started_at"),  # a focus session's overlapping sprints
        Index(
            "uq_sprints_one_active_per_member",
            "member_id",
            unique=True,
            sqlite_where=text(f"status = '{ACTIVE}'"),
            postgresql_where=text(f"status = '{ACTIVE}'"),
        ),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(Id, _fk("members.id"))
    membership_id: Mapped[int] = mapped_column(Id, _fk("memberships.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    goal: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int | None] = mapped_column(Integer)
    # SET NULL: forgetting the member who started a group sprint must not delete the others' sprints.
    group_id: Mapped[int | None] = mapped_column(Id, ForeignKey("group_sprints.id", ondelete="SET NULL"), index=True)


class PauseRow(Base):
    __tablename__ = "pauses"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(Id, _fk("members.id"), index=True)
    # `start`/`end` are SQL keywords; the columns get plain names.
    start: Mapped[date] = mapped_column("start_date", Date)
    end: Mapped[date] = mapped_column("end_date", Date)


class OutboxRow(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(64))
    destination_kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    platform_message_id: Mapped[str | None] = mapped_column(String(100))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustomRoadmapRow(Base):
    __tablename__ = "roadmaps"
    __table_args__ = (UniqueConstraint("platform", "workspace", "key"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(40))
    definition: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StepDoneRow(Base):
    __tablename__ = "roadmap_progress"
    __table_args__ = (UniqueConstraint("membership_id", "step"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    membership_id: Mapped[int] = mapped_column(Id, _fk("memberships.id"))
    step: Mapped[int] = mapped_column(Integer)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BuddyRow(Base):
    __tablename__ = "buddies"
    __table_args__ = (Index("ix_buddies_cohort_members", "cohort_id", "requester_id", "partner_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(Id, _fk("cohorts.id"))
    requester_id: Mapped[int] = mapped_column(Id, _fk("members.id"))
    partner_id: Mapped[int] = mapped_column(Id, _fk("members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))


class GroupSprintRow(Base):
    __tablename__ = "group_sprints"
    __table_args__ = (Index("ix_group_sprints_status_ends_at", "status", "ends_at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(Id, _fk("cohorts.id"))
    channel_id: Mapped[str] = mapped_column(String(64))
    started_by: Mapped[int | None] = mapped_column(Id, ForeignKey("members.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    goal: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))


class RateBudgetRow(Base):
    """A send budget every process of one bot shares (bot.ports.RateBudgetRepository): the instant of its next
    free slot. Keyed by platform and bot; no surrogate id."""

    __tablename__ = "rate_budgets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    next_free_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeagueEntryRow(Base):
    """A member's place in a cohort's league week (bot/leagues.py): the tier and division they play in; the
    result columns stay NULL until the week's end writes them (rank, points, zone, the tier it leads to)."""

    __tablename__ = "league_entries"
    __table_args__ = (
        Index("ix_league_entries_division", "cohort_id", "week", "tier", "division"),
        Index("ix_league_entries_membership", "membership_id"),  # the cascade from memberships
    )

    cohort_id: Mapped[int] = mapped_column(Id, _fk("cohorts.id"), primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)  # the league week's Monday (the cohort's local date)
    membership_id: Mapped[int] = mapped_column(Id, _fk("memberships.id"), primary_key=True)
    tier: Mapped[int] = mapped_column(Integer)  # 0 Bronze .. 6 Diamond
    division: Mapped[int] = mapped_column(Integer)  # 1.. within the tier
    points: Mapped[int | None] = mapped_column(Integer)
    rank: Mapped[int | None] = mapped_column(Integer)
    zone: Mapped[str | None] = mapped_column(String(8))  # up, stay, down; NULL until the week has ended
    new_tier: Mapped[int | None] = mapped_column(Integer)


class LeagueStandingRow(Base):
    """A membership's current tier: written by each week's end, read by the next placement. No row: Bronze."""

    __tablename__ = "league_standings"
    __table_args__ = (Index("ix_league_standings_cohort", "cohort_id"),)

    membership_id: Mapped[int] = mapped_column(Id, _fk("memberships.id"), primary_key=True)
    cohort_id: Mapped[int] = mapped_column(Id, _fk("cohorts.id"))
    tier: Mapped[int] = mapped_column(Integer)


class LeagueOptOutRow(Base):
    """`privacy leagues:off`: members never placed in any league of their workspace."""

    __tablename__ = "league_optouts"

    member_id: Mapped[int] = mapped_column(Id, _fk("members.id"), primary_key=True)


class FocusRoomRow(Base):
    """A voice channel whose study time counts for a cohort; a channel is a focus room of one cohort at most."""

    __tablename__ = "focus_rooms"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel_id"), Index("ix_focus_rooms_cohort_id",
                                                                                   "cohort_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(Id, _fk("cohorts.id"))
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    video_required: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


OPEN_SESSION = "ended_at IS NULL"


class FocusSessionRow(Base):
    """A member's time in a focus room; ended ones stay as the record their check-ins' keys name."""

    __tablename__ = "focus_sessions"
    __table_args__ = (
        # One running session per member, whatever the room and whichever process saw them join.
        Index("uq_focus_sessions_one_open_per_member", "member_id", unique=True,
              sqlite_where=text(OPEN_SESSION), postgresql_where=text(OPEN_SESSION)),
        Index("ix_focus_sessions_open_room", "room_id", sqlite_where=text(OPEN_SESSION),
              postgresql_where=text(OPEN_SESSION)),
        Index("ix_focus_sessions_open_due", "due_at", sqlite_where=text(OPEN_SESSION),
              postgresql_where=text(OPEN_SESSION)),  # the idle guard's, and the tick's probe
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(Id, _fk("members.id"))
    membership_id: Mapped[int] = mapped_column(Id, _fk("memberships.id"), index=True)
    room_id: Mapped[int] = mapped_column(Id, _fk("focus_rooms.id"))  # a removed room's sessions ended first
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(16))
    minutes: Mapped[int | None] = mapped_column(Integer)


class FocusStatusRow(Base):
    """A cohort's live "who is studying now" message (`cohort focusroom status:on`)."""

    __tablename__ = "focus_status"

    cohort_id: Mapped[int] = mapped_column(Id, _fk("cohorts.id"), primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(64))
    shown: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CohortHomeRow(Base):
    """A channel a cohort also lives in, on another platform or workspace (`cohort bridge`); its first home is the
    cohort's own platform, workspace and channel."""

    __tablename__ = "cohort_homes"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(Id, _fk("cohorts.id"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkCodeRow(Base):
    """A one-time code from `link` or `cohort bridge`, kept only as its SHA-256; gone once redeemed."""

    __tablename__ = "link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # "link" or "bridge"
    member_id: Mapped[int] = mapped_column(Id, _fk("members.id"), index=True)  # the account that asked for it
    cohort_id: Mapped[int | None] = mapped_column(Id, _fk("cohorts.id"))  # a bridge code's cohort
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CodeFailureRow(Base):
    """A wrong code typed by an account: at most five an hour (`link CODE`, `cohort bridge CODE`)."""

    __tablename__ = "code_failures"
    __table_args__ = (Index("ix_code_failures_member_at", "member_id", "at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    member_id: Mapped[int] = mapped_column(Id, _fk("members.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
