"""No lost changes: a change the debounce or a busy refresh left out of the views stays marked
until a later refresh shows it (refresh_pending(), called by the refresher or pg_cron)."""

import pytest
from psycopg import IsolationLevel, sql

from activity_stats_schema import names
from tests.support.data import (
    insert_activities,
    make_due,
    pending,
    refresh_log,
    refresh_pending,
    seed,
    set_log,
    view_total,
)

#: Run as the server's superuser and again as a role shaped like Supabase's postgres.
pytestmark = pytest.mark.both_owners


def test_a_change_inside_the_window_appears_once_the_window_passes(db):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="1 hour")
        with conn.transaction():
            insert_activities(conn, data, 1)  # refreshes (first attempt)
        with conn.transaction():
            insert_activities(conn, data, 1, chapter="B")  # inside the window
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1
        assert pending(conn) == 1
        assert refresh_pending(conn) == "debounced"  # the window is still open
        make_due(conn)  # the window has passed (it is data)
        assert refresh_pending(conn) == "refreshed"  # no further write needed
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 2
        assert pending(conn) == 0
        assert refresh_pending(conn) == "clean"


def test_a_change_committed_while_another_refresh_runs_appears_afterwards(db):
    with db.connect() as conn, db.connect() as refresher:
        data = seed(conn)
        with refresher.transaction():
            refresher.execute(
                sql.SQL("SELECT * FROM {} FOR UPDATE").format(
                    sql.Identifier(names.PRIVATE_SCHEMA, names.REFRESH_LOG)
                )
            )
            with conn.transaction():
                insert_activities(conn, data, 1)  # busy: skipped
        assert refresh_log(conn)["refresh_count"] == 0
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 0
        assert refresh_pending(conn) == "refreshed"
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1


def test_a_refresh_clears_only_the_changes_it_has_seen(db):
    """A change that commits after a refresh captured its work list keeps its marker."""
    with db.connect() as conn, db.connect() as late:
        data = seed(conn)
        set_log(conn, debounce_interval="1 hour")
        late.execute("BEGIN")
        insert_activities(late, data, 1, chapter="C")  # not committed yet
        with conn.transaction():
            insert_activities(conn, data, 1)  # refreshes; the late change is not visible
        late.execute("COMMIT")  # commits now: debounced, its marker stays
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1
        assert pending(conn) == 1
        make_due(conn)  # the window has passed (it is data)
        assert refresh_pending(conn) == "refreshed"
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 2


@pytest.mark.parametrize("level", [IsolationLevel.REPEATABLE_READ, IsolationLevel.SERIALIZABLE])
def test_a_repeatable_read_writers_change_is_picked_up_later(db, level):
    with db.connect() as conn, db.connect() as writer:
        data = seed(conn)
        writer.isolation_level = level
        with writer.transaction():
            insert_activities(writer, data, 1)
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 0
        assert refresh_pending(conn) == "refreshed"
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1


def test_a_failed_refresh_keeps_the_changes_pending(db):
    with db.connect() as conn:
        data = seed(conn)
        conn.execute("DROP INDEX activity_stats.mv_peer_mentor_stats_recent_key")
        with conn.transaction():
            insert_activities(conn, data, 1)
        assert refresh_log(conn)["failure_count"] == 1
        assert pending(conn) == 1


def test_the_first_change_after_a_refresh_notifies_the_refresher(db):
    with db.connect() as listener, db.connect() as conn:
        listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(names.CHANGES_CHANNEL)))
        data = seed(conn)
        set_log(conn, debounce_interval="1 hour", async_refresh=True)
        for chapter in "ABC":
            with conn.transaction():
                insert_activities(conn, data, 1, chapter=chapter)
        channels = [n.channel for n in listener.notifies(timeout=0.5, stop_after=5)]
    assert channels == [names.CHANGES_CHANNEL]  # one NOTIFY for three waiting changes
