"""The counting rules (one view), the materialized views that read through them in two tiers,
and the live views of the fallback. The dashboard's readers combine the tiers
(``sql/*_tiers.sql``).

Each statistic is kept in two materialized tiers split at the history boundary (the refresh
log's ``history_boundary``, an Europe/Oslo midnight): the history tier, whose refresh reads the
whole table but is needed only when a change reaches before the boundary or the boundary moves,
and the recent tier, refreshed after every change, whose refresh reads only the activities
from the boundary on. Both tiers, and the live views, run the same query (one file per
statistic) with a different condition on the counting rules' ``utc_minute``.
"""

from alembic_utils.pg_view import PGView
from psycopg import sql

from activity_stats_schema import names
from activity_stats_schema.entities.materialized_view import MaterializedView
from activity_stats_schema.sqlfiles import render, render_template

#: The counting rules (see ``sql/countable_activities.sql``); every statistic reads through it.
COUNTABLE_ACTIVITIES = PGView(
    schema=names.PRIVATE_SCHEMA,
    signature=names.COUNTABLE_ACTIVITIES,
    definition=render("countable_activities.sql"),
)

#: Each tier's condition: a bare call of a STABLE function, never a sub-select. It is on a
#: DISTINCT ON key, so the planner pushes it down into the counting rules, where it becomes an
#: index condition evaluated once per scan: the recent tier reads its range of the minute index
#: (RECENT_INDEX); the history tier reads the counting index in order, the condition checked in
#: the index. The planner also estimates it with the boundary's actual value; a sub-select (an
#: InitPlan) would be estimated blindly, and at a third of the rows the history tier is then
#: planned as a range read and a sort of nearly the whole table.
RECENT = render_template("c.utc_minute >= {private}.{recent_start_function}()")
HISTORY = render_template("c.utc_minute < {private}.{recent_start_function}()")
#: The live views hold every activity.
EVERYTHING = "true"


def _statistic(file: str, tier: str) -> str:
    return render(file, tier=sql.SQL(tier))


def _tiers(file: str, history: str, recent: str, key: tuple[str, ...]) -> list[MaterializedView]:
    return [
        MaterializedView.declare(names.PRIVATE_SCHEMA, name, _statistic(file, tier), unique_key=key)
        for name, tier in ((history, HISTORY), (recent, RECENT))
    ]


MV_PEER_MENTOR_STATS_HISTORY, MV_PEER_MENTOR_STATS_RECENT = _tiers(
    "mv_peer_mentor_stats.sql",
    names.MV_PEER_MENTOR_STATS_HISTORY,
    names.MV_PEER_MENTOR_STATS_RECENT,
    ("peer_mentor_id", "chapter_id"),
)
MV_ACTIVITY_TIME_SERIES_HISTORY, MV_ACTIVITY_TIME_SERIES_RECENT = _tiers(
    "mv_activity_time_series.sql",
    names.MV_ACTIVITY_TIME_SERIES_HISTORY,
    names.MV_ACTIVITY_TIME_SERIES_RECENT,
    ("chapter_id", "activity_type_id", "day"),
)
MATERIALIZED_VIEWS = (
    MV_PEER_MENTOR_STATS_HISTORY,
    MV_PEER_MENTOR_STATS_RECENT,
    MV_ACTIVITY_TIME_SERIES_HISTORY,
    MV_ACTIVITY_TIME_SERIES_RECENT,
)

#: The fallback for when refresh latency cannot meet the dashboard's promise: the same queries
#: as plain views over everything (read_live_views in the refresh log switches the dashboard
#: to them).
LIVE_PEER_MENTOR_STATS = PGView(
    schema=names.PRIVATE_SCHEMA,
    signature=names.LIVE_PEER_MENTOR_STATS,
    definition=_statistic("mv_peer_mentor_stats.sql", EVERYTHING),
)
LIVE_ACTIVITY_TIME_SERIES = PGView(
    schema=names.PRIVATE_SCHEMA,
    signature=names.LIVE_ACTIVITY_TIME_SERIES,
    definition=_statistic("mv_activity_time_series.sql", EVERYTHING),
)

VIEWS = (COUNTABLE_ACTIVITIES, LIVE_PEER_MENTOR_STATS, LIVE_ACTIVITY_TIME_SERIES)
