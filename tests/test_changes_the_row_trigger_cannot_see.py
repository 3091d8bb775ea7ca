"""Changes to what the views show that fire no row trigger on activities: a TRUNCATE, and a
type switched to count (or not) for Bufdir. Each is marked for the trailing edge and notifies
the refresher, without refreshing inside the statement."""

import pytest
from psycopg import sql

from activity_stats_schema import names
from tests.support.data import (
    countable_total,
    insert_activities,
    make_due,
    pending,
    refresh_pending,
    seed,
    view_total,
)

#: Run as the server's superuser and again as a role shaped like Supabase's postgres.
pytestmark = pytest.mark.both_owners

CHANGES = sql.SQL("LISTEN {}").format(sql.Identifier(names.CHANGES_CHANNEL))


def test_a_truncate_of_activities_leaves_the_views_once_the_trailing_edge_runs(db):
    with db.connect() as conn, db.connect() as listener:
        data = seed(conn)
        with conn.transaction():
            insert_activities(conn, data, 3)  # due: refreshes at commit
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 3
        listener.execute(CHANGES)
        make_due(conn)
        with conn.transaction():
            conn.execute("TRUNCATE activities")
        # Marked and announced; not refreshed inside the statement, although a refresh was due.
        assert [n.channel for n in listener.notifies(timeout=1, stop_after=1)] == [
            names.CHANGES_CHANNEL
        ]
        assert pending(conn) == 1
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 3
        assert refresh_pending(conn) == "refreshed"
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 0
        assert view_total(conn, names.ACTIVITY_TIME_SERIES_TIERS) == 0


def test_a_type_that_stops_counting_leaves_the_views_without_a_write_to_activities(db):
    with db.connect() as conn, db.connect() as listener:
        data = seed(conn)
        with conn.transaction():
            insert_activities(conn, data, 2, activity_type=data.counting_type)
            insert_activities(conn, data, 1, chapter="B", activity_type=data.other_type)
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 3
        listener.execute(CHANGES)
        make_due(conn)
        with conn.transaction():
            conn.execute(
                "UPDATE activity_types SET counts_for_bufdir = false WHERE id = %s",
                [data.counting_type],
            )
        assert [n.channel for n in listener.notifies(timeout=1, stop_after=1)] == [
            names.CHANGES_CHANNEL
        ]
        assert pending(conn) == 1
        assert countable_total(conn) == 1  # the rules changed at once
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 3  # the views wait for the edge
        assert refresh_pending(conn) == "refreshed"
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1
        assert view_total(conn, names.ACTIVITY_TIME_SERIES_TIERS) == 1


def test_renaming_a_type_marks_nothing(db):
    with db.connect() as conn:
        data = seed(conn)
        with conn.transaction():
            insert_activities(conn, data, 1)
        assert pending(conn) == 0
        with conn.transaction():
            conn.execute(
                "UPDATE activity_types SET name = 'home visit' WHERE id = %s", [data.counting_type]
            )
        assert pending(conn) == 0


def test_a_rolled_back_truncate_leaves_no_mark(db):
    with db.connect() as conn:
        data = seed(conn)
        with conn.transaction():
            insert_activities(conn, data, 1)
        conn.execute("BEGIN")
        conn.execute("TRUNCATE activities")
        conn.execute("ROLLBACK")
        assert pending(conn) == 0
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1
