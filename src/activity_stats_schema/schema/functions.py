"""PL/pgSQL functions, each declared from a packaged ``CREATE FUNCTION`` file.

Who may EXECUTE them is declared in :mod:`.access`: PostgreSQL grants EXECUTE to PUBLIC on
every new function, and Supabase's default privileges add the API roles in ``public``.
"""

from alembic_utils.pg_function import PGFunction
from psycopg import sql

from activity_stats_schema import names
from activity_stats_schema.sqlfiles import render


def declare(sql_file: str) -> PGFunction:
    """A function entity from a packaged ``CREATE FUNCTION`` statement."""
    return PGFunction.from_sql(render(sql_file))


#: A refresh's steps: take the log row and the markers; refresh one view; record the outcome.
#: Declared before refresh_stats, which runs them in one backend.
REFRESH_BEGIN = declare("refresh_begin.sql")
REFRESH_VIEW = declare("refresh_view.sql")
REFRESH_END = declare("refresh_end.sql")
#: The refresh entry point: the trigger, ``activity-stats-schema refresh`` and schedulers call it.
REFRESH_STATS = declare("refresh_stats.sql")
#: The trailing edge's entry point: refresh when changes wait (refresher process, pg_cron).
REFRESH_PENDING = declare("refresh_pending.sql")
#: The deferred constraint trigger's function on activities.
ACTIVITIES_REFRESH_TRIGGER = declare("activities_refresh_trigger.sql")
#: Keeps the refresh log's single row in place.
STATS_REFRESH_LOG_GUARD = declare("stats_refresh_log_guard.sql")

#: Fills a coordinator's chapter slot; refuses a sixth chapter by name.
COORDINATOR_CHAPTERS_ASSIGN_SLOT = declare("coordinator_chapters_assign_slot.sql")

#: The caller's scope, for policies and the dashboard functions (private, SECURITY DEFINER).
COORDINATED_CHAPTER_IDS = declare("coordinated_chapter_ids.sql")
OWN_PEER_MENTOR_IDS = declare("own_peer_mentor_ids.sql")
CALLER_SEES_ALL = declare("caller_sees_all.sql")

FUNCTIONS = (
    REFRESH_BEGIN,
    REFRESH_VIEW,
    REFRESH_END,
    REFRESH_STATS,
    REFRESH_PENDING,
    ACTIVITIES_REFRESH_TRIGGER,
    STATS_REFRESH_LOG_GUARD,
    COORDINATOR_CHAPTERS_ASSIGN_SLOT,
    COORDINATED_CHAPTER_IDS,
    OWN_PEER_MENTOR_IDS,
    CALLER_SEES_ALL,
)

#: The dashboard's and the funder's readers (private, SECURITY DEFINER: they read the
#: materialized views, which have no row-level security, and return only the caller's rows),
#: and their faces in the API schema (SECURITY INVOKER), created after the views they read.
DASHBOARD_READERS = (
    declare("dashboard_peer_mentor_stats.sql"),
    declare("dashboard_activity_time_series.sql"),
    declare("bufdir_export.sql"),
)
DASHBOARD_API = (
    declare("api/dashboard_peer_mentor_stats.sql"),
    declare("api/dashboard_activity_time_series.sql"),
    declare("api/bufdir_export.sql"),
    #: The contingency notice beside the numbers (SECURITY INVOKER; no private reader needed).
    declare("api/dashboard_notice.sql"),
)
DASHBOARD_FUNCTIONS = (*DASHBOARD_READERS, *DASHBOARD_API)


def _call(function: str, arguments: str = "") -> sql.Composed:
    return sql.SQL("SELECT {}.{}(" + arguments + ")").format(
        sql.Identifier(names.PRIVATE_SCHEMA), sql.Identifier(function)
    )


#: Refresh now, whatever the debounce (CLI ``refresh``, the validator, tests, benchmark).
FORCE_REFRESH = _call(names.REFRESH_FUNCTION, "true")
#: The trailing edge's call (pg_cron; the refresher process runs the steps below instead).
CALL_REFRESH_PENDING = _call(names.REFRESH_PENDING_FUNCTION)

#: A refresh's steps, as the refresher process runs them (parameters: force, if_pending).
CALL_REFRESH_BEGIN = sql.SQL("SELECT b.state, b.pending FROM {}.{}(%s, %s) AS b").format(
    sql.Identifier(names.PRIVATE_SCHEMA), sql.Identifier(names.REFRESH_BEGIN_FUNCTION)
)
#: One view (parameter: its name); returns NULL or the error.
CALL_REFRESH_VIEW = _call(names.REFRESH_VIEW_FUNCTION, "%s")
#: The outcome (parameters: what refresh_begin returned as pending, the first error or NULL).
CALL_REFRESH_END = _call(names.REFRESH_END_FUNCTION, "%s::bigint[], %s")
