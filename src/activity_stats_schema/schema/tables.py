"""SQLAlchemy 2 declarations of the tables.

``metadata`` is what a backend adds to its ``target_metadata`` (see
:mod:`activity_stats_schema.autogen`). Names of constraints follow one convention so that
autogenerate, the golden SQL and drift checks see the same names on every run.
"""

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Interval,
    MetaData,
    SmallInteger,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from activity_stats_schema import names
from activity_stats_schema.sqlfiles import render_template, typed_literal

NAMING_CONVENTION = {
    "ix": "%(table_name)s_%(column_0_N_name)s_idx",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}

TIMESTAMPTZ = DateTime(timezone=True)

# Tables of the API schema are declared without a schema: it is the connection's default
# (``public`` on Supabase), and Alembic compares foreign keys correctly only that way.


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _pk() -> Mapped[int]:
    return mapped_column(BigInteger, Identity(always=False), primary_key=True)


def _created_at() -> Mapped[dt.datetime]:
    return mapped_column(TIMESTAMPTZ, nullable=False, server_default=func.now())


class Chapter(Base):
    """A local chapter (lokallag). Coordinators are scoped to chapters."""

    __tablename__ = names.CHAPTERS

    id: Mapped[int] = _pk()
    name: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    created_at: Mapped[dt.datetime] = _created_at()


class ActivityType(Base):
    """A kind of activity. ``counts_for_bufdir`` decides whether it is counted at all."""

    __tablename__ = names.ACTIVITY_TYPES

    id: Mapped[int] = _pk()
    name: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    counts_for_bufdir: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("true")
    )
    created_at: Mapped[dt.datetime] = _created_at()


class PeerMentor(Base):
    """A peer mentor (likeperson), member of one chapter, optionally mapped to an auth user."""

    __tablename__ = names.PEER_MENTORS
    __table_args__ = (
        # Target of activities' (peer_mentor_id, chapter_id) reference: an activity is always
        # in its peer mentor's chapter.
        UniqueConstraint("id", "chapter_id"),
    )

    id: Mapped[int] = _pk()
    chapter_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey(f"{names.CHAPTERS}.id"), nullable=False
    )
    #: The Supabase auth user (auth.users.id) of the mentor, when they log in themselves.
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), unique=True)
    display_name: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = _created_at()


Index(None, PeerMentor.chapter_id)


class Activity(Base):
    """One registered activity. The column set is a contract other tools rely on."""

    __tablename__ = names.ACTIVITIES
    __table_args__ = (
        CheckConstraint("duration_minutes >= 0", name="duration_minutes_not_negative"),
        ForeignKeyConstraint(
            ["peer_mentor_id", "chapter_id"],
            [
                f"{names.PEER_MENTORS}.id",
                f"{names.PEER_MENTORS}.chapter_id",
            ],
            name="activities_peer_mentor_chapter_fkey",
        ),
        #: The counting rules' UTC minute alone: the recent tier's refresh (and the Bufdir
        #: export of a period) reads a range of it, so its work follows the recent activities,
        #: not the history. (Declared here: an index of an expression alone names no column that
        #: would tie it to the table.)
        Index(
            names.RECENT_INDEX,
            text(
                render_template(
                    "date_trunc('minute', (occurred_at AT TIME ZONE {dedup_time_zone}))"
                )
            ),
        ),
    )

    id: Mapped[int] = _pk()
    #: References peer_mentors through (peer_mentor_id, chapter_id) above: one foreign key
    #: check per row instead of two, and the chapter is always the mentor's.
    peer_mentor_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    #: Also a direct reference, so PostgREST can embed the chapter of an activity.
    chapter_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey(f"{names.CHAPTERS}.id"), nullable=False
    )
    activity_type_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey(f"{names.ACTIVITY_TYPES}.id"), nullable=False
    )
    occurred_at: Mapped[dt.datetime] = mapped_column(TIMESTAMPTZ, nullable=False)
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Who typed it in; differs from the peer mentor's user for proxy registrations.
    registered_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[dt.datetime] = _created_at()


# One index per foreign key (joins, ON DELETE checks) and the shapes the dashboard and the
# counting rules read: a chapter's activities over time, and duplicate detection per mentor,
# type and time.
Index(None, Activity.chapter_id, Activity.occurred_at)
#: Covers the (peer_mentor_id, chapter_id) foreign key by its leading columns, as Supabase's
#: advisor asks of every foreign key, and serves a peer mentor's own activities over time.
Index(None, Activity.peer_mentor_id, Activity.chapter_id, Activity.occurred_at)
Index(None, Activity.activity_type_id)
Index(None, Activity.registered_by)
#: The counting rules' order (countable_activities.sql: DISTINCT ON mentor, type and UTC minute,
#: earliest registration first), with every column the views read. A refresh then reads this
#: index alone, already in order: no sort of the table and no heap visit (an index-only scan).
#: The last key is the reporting day the time series groups by: read from the index, it is not
#: computed per row at each refresh. It follows the rules' keys, so it changes neither the order
#: nor what the index serves: the mentor's activities by type and time. Both expressions must
#: stay identical to the view's (tested).
Index(
    names.COUNTING_INDEX,
    Activity.peer_mentor_id,
    Activity.activity_type_id,
    text(render_template("date_trunc('minute', (occurred_at AT TIME ZONE {dedup_time_zone}))")),
    Activity.created_at,
    Activity.id,
    text(render_template("((occurred_at AT TIME ZONE {reporting_time_zone})::date)")),
    postgresql_include=["chapter_id", "occurred_at", "duration_minutes"],
)


class Coordinator(Base):
    """A coordinator: an auth user (Supabase ``auth.users.id``) who registers for chapters.

    ``primary_chapter_id`` is one of the coordinator's own chapters (the reference below), the
    one the single-chapter scope narrows them to. The reference is deferred, so a coordinator
    and their chapters are created in one transaction, and it is added after both tables exist
    (they reference each other). A coordinator without a primary chapter, or with one they do
    not hold, cannot be committed; nor can their primary assignment be removed while it is.
    """

    __tablename__ = names.COORDINATORS
    __table_args__ = (
        ForeignKeyConstraint(
            ["user_id", "primary_chapter_id"],
            [
                f"{names.COORDINATOR_CHAPTERS}.coordinator_id",
                f"{names.COORDINATOR_CHAPTERS}.chapter_id",
            ],
            name="coordinators_primary_chapter_fkey",
            deferrable=True,
            initially="DEFERRED",
            use_alter=True,
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    display_name: Mapped[str] = mapped_column(Text, nullable=False)
    primary_chapter_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    created_at: Mapped[dt.datetime] = _created_at()


Index(None, Coordinator.user_id, Coordinator.primary_chapter_id)


class CoordinatorChapter(Base):
    """A coordinator's assignment to a chapter, in one of at most five numbered slots.

    The slots make the limit declarative: ``UNIQUE (coordinator_id, slot)`` with ``slot``
    between 1 and the maximum cannot hold a sixth row, even under concurrent inserts. A trigger
    fills the slot and names the limit in its error (see ``coordinator_chapters_assign_slot``).
    """

    __tablename__ = names.COORDINATOR_CHAPTERS
    __table_args__ = (
        UniqueConstraint("coordinator_id", "slot"),
        CheckConstraint(render_template("slot BETWEEN 1 AND {max_chapters}"), name="slot_in_range"),
    )

    coordinator_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey(f"{names.COORDINATORS}.user_id", ondelete="CASCADE"),
        primary_key=True,
    )
    chapter_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey(f"{names.CHAPTERS}.id", ondelete="CASCADE"), primary_key=True
    )
    #: 1 to MAX_CHAPTERS_PER_COORDINATOR; filled by the trigger when not given.
    slot: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    created_at: Mapped[dt.datetime] = _created_at()


Index(None, CoordinatorChapter.chapter_id)


class StatsRefreshLog(Base):
    """The single row that debounces and records refreshes of the materialized views.

    The tunables (``debounce_interval``, ``refresh_lock_timeout``) are data so that operators
    and tests change them with an UPDATE, without a deployment.
    """

    __tablename__ = names.REFRESH_LOG
    __table_args__ = (
        CheckConstraint("singleton", name="single_row"),
        CheckConstraint("debounce_interval >= interval '0'", name="debounce_not_negative"),
        CheckConstraint("refresh_lock_timeout > interval '0'", name="lock_timeout_positive"),
        CheckConstraint("recent_minimum >= interval '0'", name="recent_minimum_not_negative"),
        #: No reporting day (nor duplicate minute) may lie in both tiers.
        CheckConstraint(
            render_template(
                "date_trunc('day', history_boundary AT TIME ZONE {reporting_time_zone})"
                " = (history_boundary AT TIME ZONE {reporting_time_zone})"
            ),
            name="history_boundary_at_midnight",
        ),
        {"schema": names.PRIVATE_SCHEMA},
    )

    singleton: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=text("true"))
    #: Start of the last successful refresh: the views hold what was committed by then.
    last_refreshed_at: Mapped[dt.datetime] = mapped_column(
        TIMESTAMPTZ, nullable=False, server_default=typed_literal(names.NEVER, "timestamptz")
    )
    #: Where the debounce counts from: the start of the last successful refresh, or the end of
    #: the last failed attempt (a failure that outlasts the interval is not retried at once).
    last_attempt_at: Mapped[dt.datetime] = mapped_column(
        TIMESTAMPTZ, nullable=False, server_default=typed_literal(names.NEVER, "timestamptz")
    )
    debounce_interval: Mapped[dt.timedelta] = mapped_column(
        Interval,
        nullable=False,
        server_default=typed_literal(names.DEFAULT_DEBOUNCE_INTERVAL, "interval"),
    )
    refresh_lock_timeout: Mapped[dt.timedelta] = mapped_column(
        Interval,
        nullable=False,
        server_default=typed_literal(names.DEFAULT_REFRESH_LOCK_TIMEOUT, "interval"),
    )
    refresh_count: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=text("0"))
    failure_count: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMPTZ)
    last_duration: Mapped[dt.timedelta | None] = mapped_column(Interval)
    #: false: a writer's COMMIT refreshes when due. true (async mode): writers only leave
    #: their marker and signal; the refresher (or pg_cron) refreshes. Switched with an UPDATE,
    #: effective for the next COMMIT.
    async_refresh: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    #: The fallback: the dashboard functions read the plain live_* views (always current,
    #: computed per read) instead of the materialized views, and commits no longer refresh.
    #: Chosen at migration time (``upgrade --views live``, or ``-x stats_views=live`` with
    #: alembic); the refresher or pg_cron keeps the materialized views current meanwhile, so
    #: switching back (``--views materialized``) is safe at any time.
    read_live_views: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    #: work_mem for the refresh only (set inside it, restored after): the views' aggregates
    #: and REFRESH CONCURRENTLY's sorts stay in memory without raising it for every session.
    refresh_work_mem: Mapped[str] = mapped_column(
        Text, nullable=False, server_default=typed_literal(names.DEFAULT_REFRESH_WORK_MEM, "text")
    )
    #: Highest marker id a refresh has cleared. Writers look for waiting markers above it only,
    #: so their check reads the few newest index entries, not the deleted markers below.
    pending_cleared_through: Mapped[int] = mapped_column(
        BigInteger, nullable=False, server_default=text("0")
    )
    #: Where the recent tier starts and the history tier ends: an Europe/Oslo midnight, the
    #: start of a week (Monday). Only refresh_views moves it, forward, in the transaction that
    #: refreshes both tiers to it; never set it by hand (the tiers would disagree with it).
    history_boundary: Mapped[dt.datetime] = mapped_column(
        TIMESTAMPTZ,
        nullable=False,
        server_default=typed_literal(names.INITIAL_BOUNDARY, "timestamptz"),
    )
    #: How much of the past the recent tier always holds (see names.DEFAULT_RECENT_MINIMUM).
    recent_minimum: Mapped[dt.timedelta] = mapped_column(
        Interval,
        nullable=False,
        server_default=typed_literal(names.DEFAULT_RECENT_MINIMUM, "interval"),
    )
    #: Start of the last successful refresh that included the history tier.
    history_refreshed_at: Mapped[dt.datetime | None] = mapped_column(TIMESTAMPTZ)


class StatsPendingChange(Base):
    """A committed change to activities that the views may not show yet.

    Every statement that changes activities adds one row (plain inserts: writers never wait on
    each other); a refresh deletes the rows it has seen before it started, so a change that commits
    during a refresh, or inside the debounce window, stays here until a later refresh shows it.
    """

    __tablename__ = names.PENDING_CHANGES
    __table_args__ = ({"schema": names.PRIVATE_SCHEMA},)

    id: Mapped[int] = _pk()
    created_at: Mapped[dt.datetime] = mapped_column(
        TIMESTAMPTZ, nullable=False, server_default=func.clock_timestamp()
    )
    #: The earliest occurred_at the change touched (old or new), -infinity when it may have
    #: touched any (TRUNCATE, a type switched): a refresh compares it with the history boundary.
    touched_from: Mapped[dt.datetime] = mapped_column(
        TIMESTAMPTZ, nullable=False, server_default=typed_literal(names.EVERY_TIER, "timestamptz")
    )


class ContingencySwitches(Base):
    """The design's two contingency switches, in one row, each effective for the next statement.

    The notice tells the app to show that the numbers are indicative (set by hand, or by
    ``validate-alignment --set-notice`` when the dashboard and the export differ); the
    single-chapter scope narrows every coordinator to their primary chapter, on every path, in
    case multi-chapter access is found wrong in production. Both are data: an UPDATE, or the
    command line, flips them without a deployment.
    """

    __tablename__ = names.CONTINGENCY
    __table_args__ = (
        CheckConstraint("singleton", name="single_row"),
        CheckConstraint(
            "NOT notice_active OR (notice_message IS NOT NULL AND notice_since IS NOT NULL)",
            name="notice_says_what_and_since",
        ),
        {"schema": names.PRIVATE_SCHEMA},
    )

    singleton: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=text("true"))
    notice_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    #: What users read beside the numbers.
    notice_message: Mapped[str | None] = mapped_column(Text)
    notice_since: Mapped[dt.datetime | None] = mapped_column(TIMESTAMPTZ)
    #: Why it is on, for operators (users are not shown it).
    notice_reason: Mapped[str | None] = mapped_column(Text)
    single_chapter_scope: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    single_chapter_scope_since: Mapped[dt.datetime | None] = mapped_column(TIMESTAMPTZ)


metadata = Base.metadata

#: Rows a table needs from the moment it exists. The migration rewriter appends these to the
#: CREATE TABLE that autogenerate emits, so generated revisions need no hand edits.
SEED_ROWS: dict[tuple[str, str], str] = {
    (names.PRIVATE_SCHEMA, names.REFRESH_LOG): "seed_refresh_log.sql",
    (names.PRIVATE_SCHEMA, names.CONTINGENCY): "seed_contingency.sql",
}
