"""The refresh cases the design names: one insert, two inside the interval, a bulk insert,
a failed refresh, and another session's refresh in progress."""

import datetime as dt

import psycopg
import pytest
from psycopg import sql

from activity_stats_schema import names
from activity_stats_schema.schema.functions import FORCE_REFRESH
from tests.support.data import (
    hold_view_lock,
    insert_activities,
    make_due,
    refresh_log,
    seed,
    set_log,
    view_total,
)

#: Run as the server's superuser and again as a role shaped like Supabase's postgres.
pytestmark = pytest.mark.both_owners

STATISTICS = (names.PEER_MENTOR_STATS_TIERS, names.ACTIVITY_TIME_SERIES_TIERS)
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def warnings_of(conn: psycopg.Connection) -> list[str]:
    seen: list[str] = []
    conn.add_notice_handler(
        lambda d: seen.append(f"{d.severity_nonlocalized}: {d.message_primary}")
    )
    return seen


def test_one_insert_refreshes_once_and_reaches_both_views(db):
    with db.connect() as conn:
        data = seed(conn)
        before = refresh_log(conn)
        with conn.transaction():
            insert_activities(conn, data, 1)
        after = refresh_log(conn)
        assert after["refresh_count"] == before["refresh_count"] + 1
        assert after["failure_count"] == 0
        assert after["last_refreshed_at"] > before["last_refreshed_at"]
        assert after["last_duration"] is not None
        for view in STATISTICS:
            assert view_total(conn, view) == 1, view


def test_two_inserts_inside_the_interval_refresh_once(db):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="1 hour")
        make_due(conn)
        with conn.transaction():
            insert_activities(conn, data, 1)
        with conn.transaction():
            insert_activities(conn, data, 1, chapter="B")
        log = refresh_log(conn)
        assert log["refresh_count"] == 1
        # The second write waits for a later refresh (the trailing edge is not this test's).
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1


def test_a_hundred_rows_in_one_transaction_refresh_exactly_once(db):
    with db.connect() as conn:
        data = seed(conn)
        with conn.transaction():
            for i in range(100):  # a statement per row, as an app registering one by one
                insert_activities(conn, data, 1, occurred_at=START + dt.timedelta(minutes=i))
        log = refresh_log(conn)
        assert log["refresh_count"] == 1
        assert log["failure_count"] == 0
        for view in STATISTICS:
            assert view_total(conn, view) == 100


def test_a_hundred_row_proxy_bulk_is_counted_in_full(db):
    with db.connect() as conn:
        data = seed(conn)
        with conn.transaction():
            insert_activities(conn, data, 100, chapter="B")
        assert refresh_log(conn)["refresh_count"] == 1
        for view in STATISTICS:
            assert view_total(conn, view) == 100


@pytest.mark.parametrize("view", names.RECENT_VIEWS)
def test_insert_commits_and_failure_is_recorded_when_unique_index_is_gone(db, view):
    with db.connect() as conn:
        data = seed(conn)
        with conn.transaction():
            conn.execute(
                sql.SQL("DROP INDEX {}").format(sql.Identifier(names.PRIVATE_SCHEMA, f"{view}_key"))
            )
        seen = warnings_of(conn)
        with conn.transaction():
            insert_activities(conn, data, 3)
        log = refresh_log(conn)
        assert log["failure_count"] == 1
        assert log["refresh_count"] == 0
        assert log["last_error"].startswith("55000: ")  # object_not_in_prerequisite_state
        assert f'{view}" concurrently' in log["last_error"]
        # The debounce restarts at the failure's end.
        assert log["last_attempt_at"] == log["last_error_at"]
        assert any(w.startswith("WARNING: activity_stats: refresh") for w in seen), seen
        assert conn.execute("SELECT count(*) FROM activities").fetchone() == (3,)


def test_insert_commits_when_a_view_is_dropped(db):
    with db.connect() as conn:
        data = seed(conn)
        with conn.transaction():
            conn.execute(
                sql.SQL("DROP MATERIALIZED VIEW {}").format(
                    sql.Identifier(names.PRIVATE_SCHEMA, names.MV_ACTIVITY_TIME_SERIES_RECENT)
                )
            )
        with conn.transaction():
            insert_activities(conn, data, 1)
        log = refresh_log(conn)
        assert log["failure_count"] == 1
        assert log["last_error"].startswith("42P01: ")  # undefined_table
        assert conn.execute("SELECT count(*) FROM activities").fetchone() == (1,)


def test_insert_commits_when_a_view_lock_is_held_past_lock_timeout(db):
    with db.connect() as conn, db.connect() as holder:
        data = seed(conn)
        set_log(conn, refresh_lock_timeout="50 milliseconds")
        with holder.transaction():
            hold_view_lock(holder)
            with conn.transaction():
                insert_activities(conn, data, 1)
            log = refresh_log(conn)
        assert log["failure_count"] == 1
        assert log["last_error"].startswith("55P03: ")  # lock_not_available
        assert conn.execute("SELECT count(*) FROM activities").fetchone() == (1,)
        # The writer's own lock_timeout is untouched by the refresh's bounded one.
        assert conn.execute("SHOW lock_timeout").fetchone() == ("0",)


def test_a_failed_refresh_moves_the_debounce_forward(db):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="1 hour")
        with conn.transaction():
            conn.execute(
                sql.SQL("DROP INDEX {}").format(
                    sql.Identifier(names.PRIVATE_SCHEMA, f"{names.MV_PEER_MENTOR_STATS_RECENT}_key")
                )
            )
        for _ in range(5):
            with conn.transaction():
                insert_activities(conn, data, 1)
        log = refresh_log(conn)
        assert log["failure_count"] == 1  # not 5: each later insert was debounced


def test_another_sessions_refresh_in_progress_is_skipped_without_waiting(db):
    with db.connect() as conn, db.connect() as refresher:
        data = seed(conn)
        # If the writer waited for the row, its COMMIT would fail on this lock_timeout instead
        # of hanging the test.
        conn.execute("SET lock_timeout = '2s'")
        with refresher.transaction():
            # What a refresh in progress holds: the log row, FOR UPDATE.
            refresher.execute(
                sql.SQL("SELECT * FROM {} FOR UPDATE").format(
                    sql.Identifier(names.PRIVATE_SCHEMA, names.REFRESH_LOG)
                )
            )
            with conn.transaction():
                insert_activities(conn, data, 1)
                outcome = conn.execute(FORCE_REFRESH).fetchone()
            assert outcome == ("busy",)
        log = refresh_log(conn)
        assert log["refresh_count"] == 0
        assert log["failure_count"] == 0
        assert conn.execute("SELECT count(*) FROM activities").fetchone() == (1,)


def test_refresh_settings_apply_to_the_refresh_only(db):
    with db.connect() as conn:
        conn.execute("SET work_mem = '4MB'")
        set_log(conn, refresh_work_mem="128MB")
        with conn.transaction():
            assert conn.execute(FORCE_REFRESH).fetchone() == ("refreshed",)
            assert conn.execute("SHOW work_mem").fetchone() == ("4MB",)


def test_a_bad_refresh_work_mem_fails_the_refresh_not_the_write(db):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, refresh_work_mem="lots", debounce_interval="0 seconds")
        with conn.transaction():
            insert_activities(conn, data, 1)
        log = refresh_log(conn)
        assert log["failure_count"] == 1
        assert "work_mem" in log["last_error"]
        assert conn.execute("SELECT count(*) FROM activities").fetchone() == (1,)
