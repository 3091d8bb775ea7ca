"""PL/pgSQL functions, each declared from a packaged ``CREATE FUNCTION`` file.

Who may EXECUTE them is declared in :mod:`.privileges`: PostgreSQL grants EXECUTE to PUBLIC on
every new function, and Supabase's default privileges add the API roles in ``public``.
"""

from alembic_utils.pg_function import PGFunction

from activity_stats_schema.sqlfiles import render


def declare(sql_file: str) -> PGFunction:
    """A function entity from a packaged ``CREATE FUNCTION`` statement."""
    return PGFunction.from_sql(render(sql_file))


#: The refresh entry point: the trigger, ``activity-stats-schema refresh`` and schedulers call it.
REFRESH_STATS = declare("refresh_stats.sql")
#: The deferred constraint trigger's function on activities.
ACTIVITIES_REFRESH_TRIGGER = declare("activities_refresh_trigger.sql")
#: Keeps the refresh log's single row in place.
STATS_REFRESH_LOG_GUARD = declare("stats_refresh_log_guard.sql")

FUNCTIONS = (REFRESH_STATS, ACTIVITIES_REFRESH_TRIGGER, STATS_REFRESH_LOG_GUARD)
