"""Waiting for a server-side condition, by asking the server, never by sleeping."""

import time

import psycopg


def wait_until_waiting_on_lock(
    observer: psycopg.Connection, pid: int, timeout: float = 30, for_at_least: float = 0
) -> None:
    """Return once backend ``pid`` is blocked on a heavyweight lock, in a statement that has run
    for at least ``for_at_least`` seconds (by the server's clock); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = observer.execute(
            "SELECT wait_event_type, clock_timestamp() - query_start >= make_interval(secs => %s)"
            " FROM pg_stat_activity WHERE pid = %s",
            [for_at_least, pid],
        ).fetchone()
        if row is not None and row[0] == "Lock" and row[1]:
            return
        observer.execute("SELECT pg_stat_clear_snapshot()")
    raise AssertionError(f"backend {pid} did not block on a lock within {timeout}s")
