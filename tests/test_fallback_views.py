"""The plain-view fallback: the same rows as the materialized views, through the same
dashboard functions, current without a refresh."""

import pytest
from psycopg import sql

from activity_stats_schema import names
from tests.support import reference
from tests.support.data import insert_activities, seed, set_log, view_rows

#: Run as the server's superuser and again as a role shaped like Supabase's postgres.
pytestmark = pytest.mark.both_owners


def rows(conn, view):
    return conn.execute(
        sql.SQL("SELECT * FROM {} ORDER BY 1, 2, 3").format(
            sql.Identifier(names.PRIVATE_SCHEMA, view)
        )
    ).fetchall()


def test_the_time_series_tiers_together_hold_the_live_view_s_rows(db):
    """Each reporting day lies in one tier, so the tiers' rows are the live view's rows."""
    with db.connect() as conn:
        reference.load(conn)
        conn.execute("SELECT activity_stats.refresh_stats(true)")
        series = view_rows(conn, names.ACTIVITY_TIME_SERIES_TIERS)
        assert len(series) >= 6
        assert rows(conn, names.LIVE_ACTIVITY_TIME_SERIES) == series


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM dashboard_peer_mentor_stats()",
        "SELECT * FROM dashboard_activity_time_series()",
        "SELECT * FROM dashboard_activity_time_series('2026-02-01', '2026-02-28')",
    ],
)
def test_the_dashboard_reads_the_same_through_either_source(db, query):
    with db.connect() as conn:
        reference.load(conn)
        conn.execute("SELECT activity_stats.refresh_stats(true)")
        materialized = conn.execute(query).fetchall()
        set_log(conn, read_live_views=True)
        assert conn.execute(query).fetchall() == materialized


def test_in_fallback_mode_the_dashboard_is_current_without_a_refresh(db):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="1 hour", async_refresh=True, read_live_views=True)
        with conn.transaction():
            insert_activities(conn, data, 3)
        stats = conn.execute("SELECT sum(activity_count) FROM dashboard_peer_mentor_stats()")
        assert stats.fetchone() == (3,)
        set_log(conn, read_live_views=False)  # back to the (stale) materialized views
        stats = conn.execute("SELECT sum(activity_count) FROM dashboard_peer_mentor_stats()")
        assert stats.fetchone() == (None,)
