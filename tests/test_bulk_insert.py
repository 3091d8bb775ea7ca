"""A 10,000-row insert queues one trigger event, runs one refresh, and counts every row.

Constraint triggers are row-level: without the trigger's WHEN clause, COMMIT would call the
function 10,000 times. The calls are counted by the server (track_functions) in the writer's
own transaction: SET CONSTRAINTS ALL IMMEDIATE fires the deferred events before COMMIT, where
pg_stat_get_xact_function_calls can still see them.
"""

import pytest

from activity_stats_schema import names
from tests.support.data import insert_activities, refresh_log, seed, set_log, view_total

#: Run as the server's superuser and again as a role shaped like Supabase's postgres.
pytestmark = pytest.mark.both_owners


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
            # The embedded server counts already; only a superuser may switch it on.
            conn.execute(
                "SELECT set_config('track_functions', 'all', true)"
                " WHERE current_setting('track_functions') <> 'all'"
            )
            insert_activities(conn, data, 10_000)
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            trigger_calls = calls(conn, f"{names.PRIVATE_SCHEMA}.{names.TRIGGER_FUNCTION}()")
            refresh_calls = calls(
                conn, f"{names.PRIVATE_SCHEMA}.{names.REFRESH_FUNCTION}(boolean, boolean, boolean)"
            )
        assert trigger_calls == 1
        assert refresh_calls == 1
        log = refresh_log(conn)
        assert log["refresh_count"] == 1
        for tiers in (names.PEER_MENTOR_STATS_TIERS, names.ACTIVITY_TIME_SERIES_TIERS):
            assert view_total(conn, tiers) == 10_000


def test_each_statement_queues_again_when_constraints_are_immediate(db):
    """With SET CONSTRAINTS IMMEDIATE, each statement's changes get their own refresh check."""
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="0 seconds")
        with conn.transaction():
            conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
            insert_activities(conn, data, 5)
            insert_activities(conn, data, 5, chapter="B")
        log = refresh_log(conn)
        assert log["refresh_count"] == 2
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 10


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
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 2


def test_update_and_delete_reach_the_views(db):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="0 seconds")
        with conn.transaction():
            insert_activities(conn, data, 3, minutes=10)
        with conn.transaction():
            conn.execute("UPDATE activities SET duration_minutes = 20")
        row = conn.execute(
            "SELECT sum(total_minutes) FROM dashboard_peer_mentor_stats()"
        ).fetchone()
        assert row == (60,)
        with conn.transaction():
            conn.execute("DELETE FROM activities WHERE id = (SELECT min(id) FROM activities)")
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 2
        assert refresh_log(conn)["refresh_count"] == 3
