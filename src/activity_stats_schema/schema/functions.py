"""PL/pgSQL functions, each declared from a packaged ``CREATE FUNCTION`` file.

Who may EXECUTE them is declared in :mod:`.access`: PostgreSQL grants EXECUTE to PUBLIC on
every new function, and Supabase's default privileges add the API roles in ``public``.
"""

from alembic_utils.pg_function import PGFunction
from psycopg import sql

from activity_stats_schema import names
from activity_stats_schema.sqlfiles import load, render, render_template


def declare(sql_file: str, tiers_file: str | None = None) -> PGFunction:
    """A function entity from a packaged ``CREATE FUNCTION`` statement; a dashboard reader's
    ``{..._tiers}`` placeholder is filled with the query that combines a statistic's tiers."""
    tiers: dict[str, sql.Composable] = {}
    if tiers_file is not None:
        tiers[tiers_file.removesuffix(".sql")] = sql.SQL(render(tiers_file))
    return PGFunction.from_sql(render_template(load(sql_file), **tiers))


#: Where the recent tier starts: the materialized views' queries call it, so it comes first.
RECENT_TIER_START = declare("recent_tier_start.sql")

#: A refresh's steps: take the log row and the markers; refresh the views (all or none, moving
#: the history boundary) or one view; record the outcome. Declared before refresh_stats, which
#: runs them in one backend.
REFRESH_BEGIN = declare("refresh_begin.sql")
REFRESH_VIEW = declare("refresh_view.sql")
REFRESH_VIEWS = declare("refresh_views.sql")
REFRESH_END = declare("refresh_end.sql")
#: The refresh entry point: the trigger, ``activity-stats-schema refresh`` and schedulers call it.
REFRESH_STATS = declare("refresh_stats.sql")
#: The trailing edge's entry point: refresh when changes wait (refresher process, pg_cron).
REFRESH_PENDING = declare("refresh_pending.sql")
#: The statement-level triggers' function: one marker per change, with how far back it reaches.
MARK_STATS_CHANGE = declare("mark_stats_change.sql")
#: The deferred constraint trigger's function on activities: the refresh at COMMIT.
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
    REFRESH_VIEWS,
    REFRESH_END,
    REFRESH_STATS,
    REFRESH_PENDING,
    MARK_STATS_CHANGE,
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
    declare("dashboard_peer_mentor_stats.sql", "peer_mentor_stats_tiers.sql"),
    declare("dashboard_activity_time_series.sql", "activity_time_series_tiers.sql"),
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

#: A refresh's steps, as the refresher process runs them (parameters: force, if_pending,
#: history); returns state, pending, views, boundary.
CALL_REFRESH_BEGIN = sql.SQL(
    "SELECT b.state, b.pending, b.views, b.boundary FROM {}.{}(%s, %s, %s) AS b"
).format(sql.Identifier(names.PRIVATE_SCHEMA), sql.Identifier(names.REFRESH_BEGIN_FUNCTION))
#: One view (parameter: its name); returns NULL or the error.
CALL_REFRESH_VIEW = _call(names.REFRESH_VIEW_FUNCTION, "%s")
#: The views and the boundary refresh_begin returned, all or none; returns NULL or the error.
CALL_REFRESH_VIEWS = _call(names.REFRESH_VIEWS_FUNCTION, "%s::text[], %s::timestamptz")
#: The outcome (parameters: what refresh_begin returned as pending, the first error or NULL).
CALL_REFRESH_END = _call(names.REFRESH_END_FUNCTION, "%s::bigint[], %s")
