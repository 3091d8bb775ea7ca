"""Every name and fixed fact of the schema, in one place.

SQL files refer to these through placeholders (see :mod:`activity_stats_schema.sqlfiles`), the
Python declarations import them, and the tests read them from here, so a rename is one edit.
"""

from typing import Final

#: Schema the API exposes (Supabase/PostgREST serve ``public``).
PUBLIC_SCHEMA: Final = "public"
#: Schema for everything the API must never reach: views, refresh log, refresh function.
PRIVATE_SCHEMA: Final = "activity_stats"

#: Calendar in which days and months are counted, whatever the session's TimeZone. A fixed zone
#: (not the session's) makes the day an immutable expression, which the counting index holds.
REPORTING_TIME_ZONE: Final = "Europe/Oslo"
#: Zone in which occurred_at is truncated to the minute to find duplicate registrations: a
#: fixed zone keeps the rule independent of the session, and makes it an immutable expression
#: that an index can hold (COUNTING_INDEX) on every major.
DUPLICATE_MINUTE_TIME_ZONE: Final = "UTC"

# Tables
CHAPTERS: Final = "chapters"
PEER_MENTORS: Final = "peer_mentors"
ACTIVITY_TYPES: Final = "activity_types"
ACTIVITIES: Final = "activities"
REFRESH_LOG: Final = "stats_refresh_log"
#: One row per committed change not yet in the views (the trailing edge's work list).
PENDING_CHANGES: Final = "stats_pending_changes"
#: The design's two contingency switches, one row: the dashboard's "indicative numbers" notice
#: and the coordinators' single-chapter scope. Flipped in production with an UPDATE.
CONTINGENCY: Final = "contingency_switches"
COORDINATORS: Final = "coordinators"
COORDINATOR_CHAPTERS: Final = "coordinator_chapters"
#: Tables of the API schema, every one under row-level security.
PUBLIC_TABLES: Final = (
    CHAPTERS,
    PEER_MENTORS,
    ACTIVITY_TYPES,
    ACTIVITIES,
    COORDINATORS,
    COORDINATOR_CHAPTERS,
)

#: NHF's rule: a coordinator is assigned to at most this many chapters.
MAX_CHAPTERS_PER_COORDINATOR: Final = 5

# Counting rules and the views that read through them
COUNTABLE_ACTIVITIES: Final = "countable_activities"
#: The index on activities that the counting rules read alone, in their own order.
COUNTING_INDEX: Final = "activities_counting_rules_idx"
#: An index on the UTC minute alone: the recent tier's refresh reads its activities by range.
RECENT_INDEX: Final = "activities_counted_minute_idx"
#: Each view is kept in two materialized tiers split at the history boundary (an Europe/Oslo
#: midnight, so no reporting day and no duplicate minute lies in both): history, refreshed only
#: when a change reaches before the boundary or the boundary moves, and recent, refreshed after
#: every change. The readers combine them.
MV_PEER_MENTOR_STATS_HISTORY: Final = "mv_peer_mentor_stats_history"
MV_ACTIVITY_TIME_SERIES_HISTORY: Final = "mv_activity_time_series_history"
MV_PEER_MENTOR_STATS_RECENT: Final = "mv_peer_mentor_stats_recent"
MV_ACTIVITY_TIME_SERIES_RECENT: Final = "mv_activity_time_series_recent"
HISTORY_VIEWS: Final = (MV_PEER_MENTOR_STATS_HISTORY, MV_ACTIVITY_TIME_SERIES_HISTORY)
RECENT_VIEWS: Final = (MV_PEER_MENTOR_STATS_RECENT, MV_ACTIVITY_TIME_SERIES_RECENT)
MATERIALIZED_VIEWS: Final = (*HISTORY_VIEWS, *RECENT_VIEWS)
#: The tiers of each statistic. The dashboard's readers combine them (sql/*_tiers.sql): in the
#: readers' bodies, not in a view, because a view would depend on them and a changed statistic
#: is replaced by DROP and CREATE of its materialized views.
PEER_MENTOR_STATS_TIERS: Final = (MV_PEER_MENTOR_STATS_HISTORY, MV_PEER_MENTOR_STATS_RECENT)
ACTIVITY_TIME_SERIES_TIERS: Final = (
    MV_ACTIVITY_TIME_SERIES_HISTORY,
    MV_ACTIVITY_TIME_SERIES_RECENT,
)
#: Where the recent tier starts, as the UTC wall-clock minute the counting rules compare.
RECENT_START_FUNCTION: Final = "recent_tier_start"
#: The fallback: plain views with the same queries and columns, always current, computed on read.
LIVE_PEER_MENTOR_STATS: Final = "live_peer_mentor_stats"
LIVE_ACTIVITY_TIME_SERIES: Final = "live_activity_time_series"
LIVE_VIEWS: Final = (LIVE_PEER_MENTOR_STATS, LIVE_ACTIVITY_TIME_SERIES)

# Refresh machinery
REFRESH_FUNCTION: Final = "refresh_stats"
#: The trailing edge's entry point (refresher process, pg_cron): refresh if changes wait.
REFRESH_PENDING_FUNCTION: Final = "refresh_pending"
#: A refresh's three steps, which refresh_stats runs in one backend and the refresher process
#: spreads over one connection per view: take the log row and the markers, refresh one view,
#: record the outcome (in the transaction that began).
REFRESH_BEGIN_FUNCTION: Final = "refresh_begin"
REFRESH_VIEW_FUNCTION: Final = "refresh_view"
#: The views of one refresh, all or none, moving the history boundary first when it is due.
REFRESH_VIEWS_FUNCTION: Final = "refresh_views"
REFRESH_END_FUNCTION: Final = "refresh_end"
#: Transaction-local setting: when this transaction's refresh_begin started the refresh (epoch
#: seconds), for its refresh_end; empty when no refresh was begun.
STARTED_SETTING: Final = "activity_stats.refresh_started"
#: Transaction-local setting: the kind of this transaction's refresh ('recent', 'history' for
#: the history tier alone, 'all' for both), for its refresh_end.
TIERS_SETTING: Final = "activity_stats.refresh_tiers"
#: NOTIFY channel: "changes are waiting" (sent by the first change after a refresh).
CHANGES_CHANNEL: Final = "activity_stats_changes"
#: The pg_cron job that runs refresh_pending() where pg_cron is installed (Supabase), and how
#: often: every second with pg_cron >= 1.5 (the trailing edge then adds at most a second to
#: the debounce), else every minute (older pg_cron has no seconds).
CRON_JOB: Final = "activity-stats-refresh-pending"
CRON_SCHEDULE: Final = "1 second"
CRON_SCHEDULE_OLD_PG_CRON: Final = "* * * * *"
#: pg_cron records every run in cron.job_run_details and never deletes one: the job above would
#: add 17,280 rows a day for ever. A second job deletes that job's runs older than
#: CRON_HISTORY_KEEP, every hour (any pg_cron version); other jobs' history is not touched.
CRON_HISTORY_JOB: Final = "activity-stats-refresh-pending-history"
CRON_HISTORY_SCHEDULE: Final = "23 * * * *"
CRON_HISTORY_KEEP: Final = "1 day"
#: NOTIFY channel: "a refresh attempt finished" (payload: refreshed or failed), for dashboards
#: that want to reload and for the refresher waiting out another session's refresh.
REFRESHED_CHANNEL: Final = "activity_stats_refreshed"
#: NOTIFY channel the refresher sends itself a probe on, from another connection, to learn
#: whether notifications reach it (behind a transaction-mode pooler they do not).
PROBE_CHANNEL: Final = "activity_stats_probe"

TRIGGER_FUNCTION: Final = "activities_refresh_trigger"
REFRESH_TRIGGER: Final = "activities_refresh_stats"
#: Every statement that changes activities leaves a marker with the earliest occurred_at it
#: touched (read from its transition tables), which tells a refresh which tiers it changed.
MARK_FUNCTION: Final = "mark_stats_change"
INSERT_MARK_TRIGGER: Final = "activities_insert_marks_stats"
UPDATE_MARK_TRIGGER: Final = "activities_update_marks_stats"
DELETE_MARK_TRIGGER: Final = "activities_delete_marks_stats"
#: Changes no row trigger sees, marked for the trailing edge: a TRUNCATE of activities, and a
#: type's counts_for_bufdir switched (what counts for Bufdir decides what the views hold).
TRUNCATE_TRIGGER: Final = "activities_truncate_marks_stats"
ACTIVITY_TYPES_TRIGGER: Final = "activity_types_mark_stats"
LOG_GUARD_FUNCTION: Final = "stats_refresh_log_guard"
LOG_GUARD_TRIGGER: Final = "stats_refresh_log_keep_row"
CONTINGENCY_GUARD_TRIGGER: Final = "contingency_switches_keep_row"
ASSIGNMENT_GUARD_FUNCTION: Final = "coordinator_chapters_assign_slot"
ASSIGNMENT_GUARD_TRIGGER: Final = "coordinator_chapters_assign_slot"

# Access: the caller's scope, computed once per statement (policies use them as InitPlans)
COORDINATED_CHAPTERS_FUNCTION: Final = "coordinated_chapter_ids"
OWN_PEER_MENTORS_FUNCTION: Final = "own_peer_mentor_ids"
CALLER_SEES_ALL_FUNCTION: Final = "caller_sees_all"

# The dashboard's read path, in the API schema, returning only the caller's rows
DASHBOARD_PEER_MENTOR_STATS: Final = "dashboard_peer_mentor_stats"
DASHBOARD_ACTIVITY_TIME_SERIES: Final = "dashboard_activity_time_series"
#: The funder's export, through the same counting rules as the dashboard.
BUFDIR_EXPORT: Final = "bufdir_export"
#: The contingency notice as the app reads it, beside the dashboard's numbers.
DASHBOARD_NOTICE: Final = "dashboard_notice"
#: What ``validate-alignment --set-notice`` shows users when the dashboard and the export differ.
DEFAULT_NOTICE: Final = (
    "The numbers on this dashboard are indicative and may differ from the Bufdir export"
    " until a correction is deployed."
)
#: Transaction-local setting that marks "a refresh is already queued in this transaction", so a
#: 10,000-row insert queues one deferred trigger event instead of 10,000.
QUEUED_SETTING: Final = "activity_stats.refresh_queued"

#: Defaults of the refresh log's tunables. They are data (columns of the log row), not code:
#: operators and tests change them with an UPDATE.
DEFAULT_DEBOUNCE_INTERVAL: Final = "10 seconds"
DEFAULT_REFRESH_LOCK_TIMEOUT: Final = "2 seconds"
#: Enough for the views' aggregates and the concurrent refresh's sorts to stay in memory at a
#: million activities (PostgreSQL's default 4MB makes the time series' aggregate spill to disk).
DEFAULT_REFRESH_WORK_MEM: Final = "64MB"
#: The recent tier always holds at least this much of the past: the history boundary is the
#: start of the Europe/Oslo week (Monday) that this interval before now falls in. So
#: registrations up to this far back never need a refresh of history, and the recent tier holds
#: at most this plus a week: what a COMMIT refreshes stays small whatever the history holds.
DEFAULT_RECENT_MINIMUM: Final = "14 days"
#: The history boundary moves by this unit of date_trunc (an Europe/Oslo midnight, as the log's
#: check requires): once a week, in the trailing edge's refresh of both tiers.
HISTORY_BOUNDARY_UNIT: Final = "week"
#: The boundary before its first move: an Europe/Oslo midnight before any activity, so
#: everything is recent. (Finite: clients such as Python's datetime cannot read -infinity.)
INITIAL_BOUNDARY: Final = "1900-01-01 00:00:00+01"
#: A change marker's reach when any activity may have changed (TRUNCATE, a type switched).
EVERY_TIER: Final = "-infinity"
#: Initial stamps of the log row. Not '-infinity': interval arithmetic on it raises on some
#: majors ("interval out of range" on PostgreSQL 15), which would fail every insert.
NEVER: Final = "1970-01-01 00:00:00+00"

# Supabase's API roles. They exist on every Supabase project; the test bootstrap creates them.
ANON_ROLE: Final = "anon"
AUTHENTICATED_ROLE: Final = "authenticated"
SERVICE_ROLE: Final = "service_role"
API_ROLES: Final = (ANON_ROLE, AUTHENTICATED_ROLE, SERVICE_ROLE)
#: The role the demo and the benchmark migrate and write as on their throwaway server: shaped
#: like a Supabase project's ``postgres``, which is not a superuser.
PROJECT_OWNER: Final = "project_owner"

#: Alembic's bookkeeping for this library's own migrations lives in the private schema, so the
#: API never exposes it.
VERSION_TABLE: Final = "alembic_version"
#: How long a migration statement may wait for a lock before it fails (instead of queueing
#: the application's queries behind it).
MIGRATION_LOCK_TIMEOUT: Final = "10s"
#: The migration-level switch between the materialized views and the plain-view fallback:
#: ``-x stats_views=live`` (alembic) or ``upgrade --views live`` (the CLI).
VIEWS_SWITCH: Final = "stats_views"
#: Values of the switch: does the dashboard read the live (plain) views?
VIEW_MODES: Final = {"materialized": False, "live": True}
VERSION_TABLE_SCHEMA: Final = PRIVATE_SCHEMA


def sql_names() -> dict[str, str]:
    """The placeholder values SQL files may use, as plain strings (quoted by the renderer)."""
    return {
        "public": PUBLIC_SCHEMA,
        "private": PRIVATE_SCHEMA,
        "chapters": CHAPTERS,
        "peer_mentors": PEER_MENTORS,
        "activity_types": ACTIVITY_TYPES,
        "activities": ACTIVITIES,
        "refresh_log": REFRESH_LOG,
        "contingency": CONTINGENCY,
        "dashboard_notice": DASHBOARD_NOTICE,
        "pending_changes": PENDING_CHANGES,
        "refresh_pending_function": REFRESH_PENDING_FUNCTION,
        "refresh_begin_function": REFRESH_BEGIN_FUNCTION,
        "refresh_view_function": REFRESH_VIEW_FUNCTION,
        "refresh_end_function": REFRESH_END_FUNCTION,
        "countable_activities": COUNTABLE_ACTIVITIES,
        "mv_peer_mentor_stats_history": MV_PEER_MENTOR_STATS_HISTORY,
        "mv_activity_time_series_history": MV_ACTIVITY_TIME_SERIES_HISTORY,
        "mv_peer_mentor_stats_recent": MV_PEER_MENTOR_STATS_RECENT,
        "mv_activity_time_series_recent": MV_ACTIVITY_TIME_SERIES_RECENT,
        "recent_start_function": RECENT_START_FUNCTION,
        "refresh_views_function": REFRESH_VIEWS_FUNCTION,
        "mark_function": MARK_FUNCTION,
        "live_peer_mentor_stats": LIVE_PEER_MENTOR_STATS,
        "live_activity_time_series": LIVE_ACTIVITY_TIME_SERIES,
        "refresh_function": REFRESH_FUNCTION,
        "trigger_function": TRIGGER_FUNCTION,
        "log_guard_function": LOG_GUARD_FUNCTION,
        "coordinators": COORDINATORS,
        "coordinator_chapters": COORDINATOR_CHAPTERS,
        "assignment_guard_function": ASSIGNMENT_GUARD_FUNCTION,
        "coordinated_chapters": COORDINATED_CHAPTERS_FUNCTION,
        "own_peer_mentors": OWN_PEER_MENTORS_FUNCTION,
        "caller_sees_all": CALLER_SEES_ALL_FUNCTION,
        "dashboard_peer_mentor_stats": DASHBOARD_PEER_MENTOR_STATS,
        "dashboard_activity_time_series": DASHBOARD_ACTIVITY_TIME_SERIES,
        "bufdir_export": BUFDIR_EXPORT,
        "anon": ANON_ROLE,
        "authenticated": AUTHENTICATED_ROLE,
        "service_role": SERVICE_ROLE,
    }


def sql_literals() -> dict[str, str]:
    """Values SQL files may use as quoted literals."""
    return {
        "reporting_time_zone": REPORTING_TIME_ZONE,
        "dedup_time_zone": DUPLICATE_MINUTE_TIME_ZONE,
        "queued_setting": QUEUED_SETTING,
        "started_setting": STARTED_SETTING,
        "tiers_setting": TIERS_SETTING,
        "activities_name": ACTIVITIES,
        "private_name": PRIVATE_SCHEMA,
        "mv_peer_mentor_stats_history_name": MV_PEER_MENTOR_STATS_HISTORY,
        "mv_activity_time_series_history_name": MV_ACTIVITY_TIME_SERIES_HISTORY,
        "mv_peer_mentor_stats_recent_name": MV_PEER_MENTOR_STATS_RECENT,
        "mv_activity_time_series_recent_name": MV_ACTIVITY_TIME_SERIES_RECENT,
        "every_tier": EVERY_TIER,
        "history_unit": HISTORY_BOUNDARY_UNIT,
        "changes_channel": CHANGES_CHANNEL,
        "refreshed_channel": REFRESHED_CHANNEL,
        "cron_job": CRON_JOB,
        "cron_schedule": CRON_SCHEDULE,
        "cron_schedule_old": CRON_SCHEDULE_OLD_PG_CRON,
        "cron_history_job": CRON_HISTORY_JOB,
        "cron_history_schedule": CRON_HISTORY_SCHEDULE,
        "cron_history_keep": CRON_HISTORY_KEEP,
        "anon_role": ANON_ROLE,
        "authenticated_role": AUTHENTICATED_ROLE,
    }


def sql_text_arrays() -> dict[str, tuple[str, ...]]:
    """Lists SQL files may use as ``ARRAY[...]`` of quoted literals."""
    return {
        "history_view_names": HISTORY_VIEWS,
        "recent_view_names": RECENT_VIEWS,
        "view_names": MATERIALIZED_VIEWS,
    }


def sql_numbers() -> dict[str, int]:
    """Numbers SQL files may use as literals."""
    return {"max_chapters": MAX_CHAPTERS_PER_COORDINATOR}
