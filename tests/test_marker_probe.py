"""What each COMMIT's trigger reads: the marker probe (is this the first change since the last
refresh?) goes through the index to the newest markers, never over the deleted ones that wait for
VACUUM, and the refresh it may call still plans with sequential scans allowed.

The table counters of the test's own transaction (pg_stat_xact_user_tables) tell which scans
ran: SET CONSTRAINTS ALL IMMEDIATE fires the deferred trigger at the INSERT, inside it."""

import datetime as dt

import psycopg
import pytest

from activity_stats_schema import names
from tests.support.data import (
    Seed,
    insert_activities,
    leave_cleared_markers,
    make_due,
    refresh_log,
    seed,
    set_log,
)


def scans(conn: psycopg.Connection, schema: str, table: str) -> tuple[int, int]:
    """(sequential, index) scans of the table so far in the current transaction."""
    row = conn.execute(
        "SELECT coalesce(seq_scan, 0), coalesce(idx_scan, 0) FROM pg_stat_xact_user_tables"
        " WHERE schemaname = %s AND relname = %s",
        [schema, table],
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def insert_firing_the_trigger(conn: psycopg.Connection, data: Seed) -> tuple[int, int]:
    """Insert one activity with the trigger fired at once; the marker table's scans meanwhile."""
    with conn.transaction(force_rollback=True):
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
        before = scans(conn, names.PRIVATE_SCHEMA, names.PENDING_CHANGES)
        insert_activities(conn, data, 1)
        after = scans(conn, names.PRIVATE_SCHEMA, names.PENDING_CHANGES)
    return after[0] - before[0], after[1] - before[1]


#: Log states in which the commit's trigger only marks (no refresh whose scans would count).
ONLY_MARKS = {
    "async": {"async_refresh": True},
    "inside the window": {
        "debounce_interval": dt.timedelta(days=1),
        "last_attempt_at": dt.datetime.now(dt.UTC),
    },
}


@pytest.mark.parametrize("state", ONLY_MARKS.values(), ids=ONLY_MARKS.keys())
def test_the_commits_marker_probe_uses_the_index_not_the_deleted_markers(db, state):
    with db.connect() as conn:
        data = seed(conn)
        leave_cleared_markers(conn, 5_000)
        set_log(conn, **state)
    with db.connect() as conn:  # a new session plans the trigger's queries afresh
        assert insert_firing_the_trigger(conn, data) == (0, 1)  # (sequential, index) scans


def test_a_refresh_run_by_the_commit_plans_with_sequential_scans_allowed(db):
    """The marking function turns sequential scans off for its probe; the refresh at COMMIT
    plans as usual, or REFRESH CONCURRENTLY's diff would read each (small) view through its
    index."""
    views = names.RECENT_VIEWS
    with db.connect() as conn:
        data = seed(conn)
        with conn.transaction():
            insert_activities(conn, data, 20)  # due: refreshes at this commit
        make_due(conn)
    with db.connect() as conn, conn.transaction(force_rollback=True):
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
        before = [scans(conn, names.PRIVATE_SCHEMA, view)[0] for view in views]
        insert_activities(conn, data, 1)
        after = [scans(conn, names.PRIVATE_SCHEMA, view)[0] for view in views]
        refreshes = refresh_log(conn)["refresh_count"]
    assert refreshes == 2  # this statement's trigger refreshed
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1]
