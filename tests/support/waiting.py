"""Waiting for a server-side condition, by asking the server, never by sleeping."""

import time

import psycopg


def wait_until_waiting_on_lock(observer: psycopg.Connection, pid: int, timeout: float = 30) -> None:
    """Return once backend ``pid`` is blocked on a heavyweight lock; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = observer.execute(
            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()
        if row is not None and row[0] == "Lock":
            return
        observer.execute("SELECT pg_stat_clear_snapshot()")
    raise AssertionError(f"backend {pid} did not block on a lock within {timeout}s")
