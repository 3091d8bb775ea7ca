"""Async mode: writers only leave their marker; no COMMIT refreshes. Switched with an UPDATE of
the log row, effective for the next COMMIT."""

import pytest

from activity_stats_schema import names
from tests.support.data import (
    insert_activities,
    pending,
    refresh_log,
    refresh_pending,
    seed,
    set_log,
    view_total,
)

#: Run as the server's superuser and again as a role shaped like Supabase's postgres.
pytestmark = pytest.mark.both_owners


def test_no_writers_commit_refreshes_in_async_mode(db):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, async_refresh=True, debounce_interval="0 seconds")
        for chapter in "ABC":
            with conn.transaction():
                insert_activities(conn, data, 10, chapter=chapter)
        assert refresh_log(conn)["refresh_count"] == 0
        assert pending(conn) == 3
        assert refresh_pending(conn) == "refreshed"
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 30


def test_switching_modes_takes_effect_at_once(db):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="0 seconds", async_refresh=True)
        with conn.transaction():
            insert_activities(conn, data, 1)
        assert refresh_log(conn)["refresh_count"] == 0
        set_log(conn, async_refresh=False)
        with conn.transaction():
            insert_activities(conn, data, 1, chapter="B")
        assert refresh_log(conn)["refresh_count"] == 1
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 2  # both changes
        set_log(conn, async_refresh=True)
        with conn.transaction():
            insert_activities(conn, data, 1, chapter="C")
        assert refresh_log(conn)["refresh_count"] == 1
