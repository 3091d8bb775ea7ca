"""The migration-level switch between the materialized views and the plain-view fallback.

Both kinds of view are always installed; the switch decides which one the dashboard functions
read (``read_live_views`` in the refresh log). It is applied by ``env.py`` after the migrations
of an upgrade, in the same transaction, so a deployment chooses it the way it chooses its
schema: ``alembic -x stats_views=live upgrade head`` or
``activity-stats-schema upgrade --views live``. Without the switch the current choice stays.
"""

from collections.abc import Mapping

from psycopg import sql

from activity_stats_schema import names


class UnknownViewMode(ValueError):
    """The switch was given a value other than the known modes."""


def requested(arguments: Mapping[str, object]) -> str | None:
    """The mode asked for in alembic's ``-x`` arguments or config attributes, validated."""
    mode = arguments.get(names.VIEWS_SWITCH)
    if mode is None or mode == "":
        return None
    if mode not in names.VIEW_MODES:
        raise UnknownViewMode(
            f"{names.VIEWS_SWITCH}={mode!r} is not a view mode;"
            f" use one of: {', '.join(names.VIEW_MODES)}"
        )
    return str(mode)


def switch_statement(mode: str) -> str:
    """The statement that makes the dashboard read ``mode``'s views (runs offline too)."""
    if mode not in names.VIEW_MODES:
        raise UnknownViewMode(f"unknown view mode {mode!r}")
    return (
        sql.SQL("UPDATE {} SET read_live_views = {} WHERE singleton")
        .format(
            sql.Identifier(names.PRIVATE_SCHEMA, names.REFRESH_LOG),
            sql.Literal(names.VIEW_MODES[mode]),
        )
        .as_string(None)
    )
