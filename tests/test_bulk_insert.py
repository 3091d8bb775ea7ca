"""A 10,000-row insert queues one trigger event, runs one refresh, and counts every row.

Constraint triggers are row-level: without the trigger's WHEN clause, COMMIT would call the
function 10,000 times. The calls are counted by the server (track_functions) in the writer's
own transaction: SET CONSTRAINTS ALL IMMEDIATE fires the deferred events before COMMIT, where
pg_stat_get_xact_function_calls can still see them.
"""

from activity_stats_schema import names
from activity_stats_schema.functions import FORCE_REFRESH
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


def calls(conn, signature: str) -> int:
    row = conn.execute(
        "SELECT coalesce(pg_stat_get_xact_function_calls(%s::regprocedure), 0)", [signature]
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_ten_thousand_rows_fire_the_trigger_function_once(db):
    with db.connect() as conn:
        data = seed(conn)
        with conn.transaction():
            conn.execute("SET LOCAL track_functions = 'all'")
            insert_activities(conn, data, 10_000)
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            trigger_calls = calls(conn, f"{names.PRIVATE_SCHEMA}.{names.TRIGGER_FUNCTION}()")
            refresh_calls = calls(conn, f"{names.PRIVATE_SCHEMA}.{names.REFRESH_FUNCTION}(boolean)")
        assert trigger_calls == 1
        assert refresh_calls == 1
        log = refresh_log(conn)
        assert log["refresh_count"] == 1
        for view in names.MATERIALIZED_VIEWS:
            assert view_total(conn, view) == 10_000


def test_a_refresh_inside_an_immediate_transaction_lets_the_next_statement_queue_again(db):
    """With SET CONSTRAINTS IMMEDIATE and no window, the first statement's check refreshes and
    clears the transaction's marker; the next statement must then queue (and refresh) again."""
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="0 seconds")
        with conn.transaction():
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            insert_activities(conn, data, 5)
            insert_activities(conn, data, 5, chapter="B")
        log = refresh_log(conn)
        assert log["refresh_count"] == 2
        assert view_total(conn, names.MV_PEER_MENTOR_STATS) == 10


def test_later_immediate_statements_are_covered_by_the_transactions_marker(db):
    """Inside the window, only the first IMMEDIATE statement fires the function; the marker it
    leaves commits with the later statements' rows, so the trailing edge shows them all."""
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="1 hour")
        conn.execute(FORCE_REFRESH)  # the window is open: the commit will not refresh
        with conn.transaction():
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            insert_activities(conn, data, 5)
            insert_activities(conn, data, 5, chapter="B")
        assert pending(conn) == 1
        assert view_total(conn, names.MV_PEER_MENTOR_STATS) == 0
        make_due(conn)
        assert refresh_pending(conn) == "refreshed"
        assert view_total(conn, names.MV_PEER_MENTOR_STATS) == 10
        assert pending(conn) == 0


def test_a_rolled_back_savepoint_does_not_swallow_the_refresh(db):
    with db.connect() as conn:
        data = seed(conn)
        with conn.transaction():
            try:
                with conn.transaction():  # SAVEPOINT
                    insert_activities(conn, data, 1)
                    raise RuntimeError("roll back to the savepoint")
            except RuntimeError:
                pass
            insert_activities(conn, data, 2, chapter="B")
        assert refresh_log(conn)["refresh_count"] == 1
        assert view_total(conn, names.MV_PEER_MENTOR_STATS) == 2


def test_update_and_delete_reach_the_views(db):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="0 seconds")
        with conn.transaction():
            insert_activities(conn, data, 3, minutes=10)
        with conn.transaction():
            conn.execute("UPDATE activities SET duration_minutes = 20")
        row = conn.execute(
            "SELECT sum(total_minutes) FROM activity_stats.mv_peer_mentor_stats"
        ).fetchone()
        assert row == (60,)
        with conn.transaction():
            conn.execute("DELETE FROM activities WHERE id = (SELECT min(id) FROM activities)")
        assert view_total(conn, names.MV_PEER_MENTOR_STATS) == 2
        assert refresh_log(conn)["refresh_count"] == 3
