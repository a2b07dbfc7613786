"""The study group's nouns as plain data. Storage maps them to rows; the core never sees a session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot import offdays
from bot.localtime import local_day
from bot.offdays import Holiday, WeeklyDays
from bot.streaks import StreakState

DEFAULT_REMINDER = time(19, 0)


class Role(StrEnum):
    MEMBER = "member"
    ORGANIZER = "organizer"


class SprintStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    STOPPED = "stopped"


@dataclass
class Member:
    platform: str
    workspace: str
    user_id: str
    display_name: str
    timezone: str | None = None
    allow_mentions: bool = True
    hidden: bool = False
    rest_days: WeeklyDays = field(default_factory=offdays.rest_days)  # weekly days off, in every cohort
    web_name: bool = False  # `privacy web:show`: their name, not "Member N", on the cohort's web page
    # A person on several platforms is the account holding their data; the others point at it (`link`).
    person_id: int | None = None  # the holder's id on a linked account; None: a person of its own
    linked: bool = False  # on a holder: the person has more than one account
    remind_via: str | None = None  # `remind via:` a platform; None: where they checked in last
    dm_platform: str | None = None  # where their DMs go when not to this account
    dm_workspace: str | None = None
    dm_user_id: str | None = None
    id: int | None = None

    @property
    def person(self) -> int:
        """The id of the account holding this person's data."""
        assert self.id is not None
        return self.person_id or self.id

    @property
    def dm_route(self) -> tuple[str, str, str]:
        """(platform, workspace, user id) of the account their DMs go to."""
        if self.dm_platform and self.dm_workspace and self.dm_user_id:
            return self.dm_platform, self.dm_workspace, self.dm_user_id
        return self.platform, self.workspace, self.user_id


@dataclass
class Cohort:
    platform: str
    workspace: str
    name: str
    channel_id: str
    created_by: int
    timezone: str = "UTC"
    sprint_minutes: int = 30
    daily_goal: int = 1
    rollover_hour: int = 4
    digest_time: time = time(20, 0)
    recap_weekday: int = 6  # Monday is 0, as in `date.weekday()`
    recap_time: time = time(18, 0)
    created_at: datetime | None = None
    next_digest_at: datetime | None = None  # UTC; the scheduler's indexed "due" columns
    next_recap_at: datetime | None = None
    next_digest_day: date | None = None  # the local dates those two occurrences belong to (bot.schedule.Slot)
    next_recap_day: date | None = None
    digest_mentions: bool = True  # ping pending members (who allow mentions), or only name them
    digest_thread: bool = False  # post each day's digest in the thread of the week's first digest
    roadmap_id: str | None = None
    roadmap_start: date | None = None
    weekly_goal: int | None = None  # minutes a week each member aims for
    team_goal: int | None = None  # minutes a week the whole cohort aims for together (Monday-Sunday)
    study_days: WeeklyDays = field(default_factory=offdays.study_days)  # days outside them are off days
    holidays: tuple[Holiday, ...] = ()
    web_slug: str | None = None  # the public page's unguessable part; None: the page is off
    leagues: bool = False  # weekly leagues (bot/leagues.py), off until organizers turn them on
    next_league_at: datetime | None = None  # UTC: the next Monday rollover, when a league week ends and starts
    next_league_day: date | None = None  # that Monday (the league week it starts)
    id: int | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def daily_target(self) -> int:
        return self.sprint_minutes * self.daily_goal

    def is_off(self, day: date) -> bool:
        """A holiday, or a day outside the study days: no digest, and an off day for every member."""
        return not self.study_days.includes(day) or offdays.on_holiday(self.holidays, day) is not None


@dataclass
class Membership:
    cohort_id: int
    member_id: int
    role: Role = Role.MEMBER
    active: bool = True
    reminder_time: time | None = DEFAULT_REMINDER
    joined_at: datetime | None = None
    streak_state: StreakState | None = None
    next_reminder_at: datetime | None = None  # UTC; None when reminders are off or not scheduled
    lastcall_minutes: int | None = None  # opt-in "streak at risk" DM this long before the day rolls over
    next_lastcall_at: datetime | None = None
    next_dayend_at: datetime | None = None  # set while the member has a buddy to tell about an undone day
    next_reminder_day: date | None = None  # the local dates the next reminder and last call belong to
    next_lastcall_day: date | None = None
    web_token: str | None = None  # the member's private page's unguessable part (`stats web`)
    id: int | None = None

    @property
    def is_organizer(self) -> bool:
        return self.role is Role.ORGANIZER


@dataclass
class CheckIn:
    membership_id: int
    member_id: int
    cohort_id: int
    local_date: date
    minutes: int
    created_at: datetime
    idempotency_key: str
    note: str | None = None
    link: str | None = None
    source: str = "command"
    topic: str | None = None
    step: int | None = None  # the roadmap step the minutes went to, when the topic names one
    account_id: int | None = None  # the linked account that recorded it, when not the member's own
    id: int | None = None


@dataclass(frozen=True)
class CohortHome:
    """A channel a cohort lives in: its own, or one bridged from another platform or workspace."""

    platform: str
    workspace: str
    channel_id: str
    id: int | None = None  # None: the cohort's first home (its own platform, workspace and channel)


@dataclass(frozen=True)
class LinkCode:
    """A one-time code as stored: only its hash."""

    code_hash: str
    kind: str  # "link" or "bridge"
    member_id: int  # the account that asked for it
    created_at: datetime
    expires_at: datetime
    cohort_id: int | None = None


@dataclass
class Sprint:
    member_id: int
    membership_id: int
    started_at: datetime
    ends_at: datetime
    goal: str | None = None
    status: SprintStatus = SprintStatus.ACTIVE
    minutes: int | None = None
    group_id: int | None = None
    id: int | None = None


@dataclass
class Pause:
    member_id: int
    start: date
    end: date  # inclusive
    id: int | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Enrolment:
    """A membership seen with its cohort and member: what most commands work on."""

    cohort: Cohort
    member: Member
    membership: Membership
    pauses: tuple[Pause, ...] = field(default=())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.member.timezone or self.cohort.timezone)

    def local_date(self, instant: datetime) -> date:
        return local_day(instant, self.zone, self.cohort.rollover_hour)

    def is_paused(self, day: date) -> bool:
        return any(pause.covers(day) for pause in self.pauses)

    def is_resting(self, day: date) -> bool:
        return self.member.rest_days.includes(day)

    def is_off(self, day: date) -> bool:
        """DESIGN.md's off day: a cohort holiday, outside the study days, a rest day, or paused."""
        return offdays.is_off_day(day, study=self.cohort.study_days, holidays=self.cohort.holidays,
                                  rest=self.member.rest_days, pauses=self.pauses)


@dataclass
class CustomRoadmap:
    """An organizer's own roadmap, stored as the validated plain data it was loaded from."""

    platform: str
    workspace: str
    key: str
    definition: dict[str, object]
    created_at: datetime
    id: int | None = None


@dataclass
class StepDone:
    membership_id: int
    step: int
    done_at: datetime
    id: int | None = None


class BuddyStatus(StrEnum):
    REQUESTED = "requested"
    ACTIVE = "active"
    ENDED = "ended"


@dataclass
class Buddy:
    cohort_id: int
    requester_id: int  # member ids
    partner_id: int
    created_at: datetime
    status: BuddyStatus = BuddyStatus.REQUESTED
    id: int | None = None

    def other(self, member_id: int) -> int:
        return self.partner_id if member_id == self.requester_id else self.requester_id


@dataclass
class GroupSprint:
    cohort_id: int
    channel_id: str
    started_by: int | None  # member id (None once that member asked to be forgotten)
    started_at: datetime
    ends_at: datetime
    goal: str | None = None
    status: SprintStatus = SprintStatus.ACTIVE
    id: int | None = None


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # too late to be worth sending (after downtime); kept as a record


@dataclass
class OutboxMessage:
    """A message the bot owes someone. `key` is unique: it is what makes each message exactly-once."""

    key: str  # e.g. "reminder:<membership>:<local date>", "digest:<cohort>:<date>", "sprint:<id>"
    kind: str  # reminder | digest | recap | sprint_end
    platform: str
    workspace: str
    destination_kind: str  # "dm" | "channel"
    target: str  # platform user id or channel id
    text: str
    data: dict[str, object]
    due_at: datetime
    created_at: datetime
    title: str | None = None
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None  # when pending: not before this instant
    claimed_until: datetime | None = None  # a dispatcher's lease; expired leases may be re-claimed
    claimed_by: str | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    platform_message_id: str | None = None
    expires_at: datetime | None = None  # the last instant it may still be sent; later it is recorded skipped
    id: int | None = None


@dataclass
class FocusRoom:
    """A voice channel whose study time counts for a cohort (`cohort focusroom add`)."""

    cohort_id: int
    platform: str
    workspace: str
    channel_id: str
    video_required: bool = False  # only time with camera or screen share counts
    id: int | None = None


@dataclass(frozen=True)
class VoicePresence:
    """Where a platform says one user is in voice, and how (what the focus rules look at)."""

    user_id: str
    channel_id: str | None  # None: not in a voice channel
    deafened: bool = False  # deafened themselves: not studying with the room
    video: bool = False  # camera on or sharing their screen


@dataclass
class FocusSession:
    """A member's time in a focus room while it counts; kept while it runs, so a restart loses at most the time
    since `seen_at`. It ends in check-ins of its whole minutes (`minutes`), split at the member's rollover."""

    member_id: int
    membership_id: int
    room_id: int
    started_at: datetime
    seen_at: datetime  # the last time the bot saw them in the room (its heartbeat)
    confirmed_at: datetime  # the start, or their last "still studying" answer: the idle guard counts from it
    due_at: datetime  # when the idle guard looks at it next: to ask, or (asked) to end it unanswered
    asked_at: datetime | None = None  # when "Still studying?" was sent and not yet answered
    ended_at: datetime | None = None
    end_reason: str | None = None  # left | deafened | video_off | room_removed | left_cohort | idle | not_seen
    minutes: int | None = None  # the minutes recorded when it ended
    id: int | None = None

    @property
    def open(self) -> bool:
        return self.ended_at is None


@dataclass
class FocusStatusBoard:
    """A cohort's live "who is studying now" message in its channel (`cohort focusroom status:on`)."""

    cohort_id: int
    message_id: str | None = None  # None until the first one is posted
    shown: str | None = None  # the text last posted, so an unchanged board is not edited again
    updated_at: datetime | None = None
