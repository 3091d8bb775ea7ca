"""``activity-stats-schema refresher``: the trailing edge as a process. Tests wait for the
refresh's own NOTIFY (activity_stats_refreshed), never for time to pass."""

import signal
import subprocess
import sys

import psycopg
import pytest
from psycopg import sql

from activity_stats_schema import names
from activity_stats_schema.refresher import APPLICATION_NAME
from tests.support.data import insert_activities, seed, set_log, view_total


def wait_for_refresh(listener: psycopg.Connection, timeout: float = 30) -> str:
    for notify in listener.notifies(timeout=timeout, stop_after=1):
        return notify.payload
    raise AssertionError(f"no refresh within {timeout} s")


@pytest.fixture
def listener(db):
    with db.connect() as conn:
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(names.REFRESHED_CHANNEL)))
        yield conn


@pytest.fixture
def refresher(db, listener, tmp_path):
    log = (tmp_path / "refresher.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "activity_stats_schema", "--database-url", db.url, "refresher"],
        stderr=log,
        stdout=log,
    )
    yield process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    log.close()


def refresher_pid(conn) -> int | None:
    row = conn.execute(
        "SELECT pid FROM pg_stat_activity"
        " WHERE application_name = %s AND datname = current_database()",
        [APPLICATION_NAME],
    ).fetchone()
    return None if row is None else int(row[0])


def test_a_change_inside_the_window_appears_with_no_further_write(db, listener, refresher):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="1 second")
        with conn.transaction():
            insert_activities(conn, data, 1)  # refreshes at commit
        assert wait_for_refresh(listener) == "refreshed"
        with conn.transaction():
            insert_activities(conn, data, 1, chapter="B")  # inside the window: debounced
        assert view_total(conn, names.MV_PEER_MENTOR_STATS) == 1
        assert wait_for_refresh(listener) == "refreshed"  # the refresher, once the window passed
        assert view_total(conn, names.MV_PEER_MENTOR_STATS) == 2


def test_the_refresher_reconnects_after_its_connection_is_killed_and_catches_up(
    db, listener, refresher
):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="0 seconds", async_refresh=True)
        with conn.transaction():
            insert_activities(conn, data, 1)
        assert wait_for_refresh(listener) == "refreshed"
        first = refresher_pid(conn)
        assert first is not None
        conn.execute("SELECT pg_terminate_backend(%s)", [first])
        with conn.transaction():
            insert_activities(conn, data, 1, chapter="B")  # while it is disconnected
        assert wait_for_refresh(listener) == "refreshed"
        assert view_total(conn, names.MV_PEER_MENTOR_STATS) == 2
        second = refresher_pid(conn)
        assert second is not None and second != first


def test_the_refresher_stops_cleanly_on_sigterm(db, listener, refresher, tmp_path):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, async_refresh=True)
        with conn.transaction():
            insert_activities(conn, data, 1)
        assert wait_for_refresh(listener) == "refreshed"
    refresher.send_signal(signal.SIGTERM)
    assert refresher.wait(timeout=30) == 0
    assert "stopped after 1 refreshes" in (tmp_path / "refresher.log").read_text()
