"""The counting rules (one view), the two materialized views that read through them, and the
plain live views of the fallback."""

from alembic_utils.pg_view import PGView

from activity_stats_schema import names
from activity_stats_schema.entities.materialized_view import MaterializedView
from activity_stats_schema.sqlfiles import render

#: The counting rules (see ``sql/countable_activities.sql``); both views read through it.
COUNTABLE_ACTIVITIES = PGView(
    schema=names.PRIVATE_SCHEMA,
    signature=names.COUNTABLE_ACTIVITIES,
    definition=render("countable_activities.sql"),
)

MV_PEER_MENTOR_STATS = MaterializedView.declare(
    names.PRIVATE_SCHEMA,
    names.MV_PEER_MENTOR_STATS,
    render("mv_peer_mentor_stats.sql"),
    unique_key=("peer_mentor_id", "chapter_id"),
)

MV_ACTIVITY_TIME_SERIES = MaterializedView.declare(
    names.PRIVATE_SCHEMA,
    names.MV_ACTIVITY_TIME_SERIES,
    render("mv_activity_time_series.sql"),
    unique_key=("chapter_id", "activity_type_id", "day"),
)

MATERIALIZED_VIEWS = (MV_PEER_MENTOR_STATS, MV_ACTIVITY_TIME_SERIES)

#: The fallback for when refresh latency cannot meet the dashboard's promise: the same queries
#: as plain views (read_live_views in the refresh log switches the dashboard to them).
LIVE_PEER_MENTOR_STATS = PGView(
    schema=names.PRIVATE_SCHEMA,
    signature=names.LIVE_PEER_MENTOR_STATS,
    definition=render("mv_peer_mentor_stats.sql"),
)
LIVE_ACTIVITY_TIME_SERIES = PGView(
    schema=names.PRIVATE_SCHEMA,
    signature=names.LIVE_ACTIVITY_TIME_SERIES,
    definition=render("mv_activity_time_series.sql"),
)

VIEWS = (COUNTABLE_ACTIVITIES, LIVE_PEER_MENTOR_STATS, LIVE_ACTIVITY_TIME_SERIES)
