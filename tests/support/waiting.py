"""Waiting for a server-side condition, by asking the server, never by sleeping."""

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg


def wait_for(
    observer: psycopg.Connection, query: str, params: list[Any], timeout: float, failure: str
) -> tuple[Any, ...]:
    """Run ``query`` until its first row's first column is true (or a value), and return that
    row; fail with ``failure`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = observer.execute(query, params).fetchone()
        if row is not None and row[0]:
            return tuple(row)
        observer.execute("SELECT pg_stat_clear_snapshot()")
    raise AssertionError(failure)


def wait_until_waiting_on_lock(
    observer: psycopg.Connection, pid: int, timeout: float = 30, for_at_least: float = 0
) -> None:
    """Return once backend ``pid`` is blocked on a heavyweight lock, in a statement that has run
    for at least ``for_at_least`` seconds (by the server's clock); fail after ``timeout``."""
    wait_for(
        observer,
        "SELECT wait_event_type = 'Lock'"
        " AND clock_timestamp() - query_start >= make_interval(secs => %s)"
        " FROM pg_stat_activity WHERE pid = %s",
        [for_at_least, pid],
        timeout,
        f"backend {pid} did not block on a lock within {timeout}s",
    )


def statement_start(observer: psycopg.Connection, pid: int) -> dt.datetime:
    """When backend ``pid`` started its current (or last) statement, by the server's clock."""
    row = observer.execute(
        "SELECT query_start FROM pg_stat_activity WHERE pid = %s", [pid]
    ).fetchone()
    assert row is not None and row[0] is not None, f"backend {pid} has run no statement"
    observer.execute("SELECT pg_stat_clear_snapshot()")
    return row[0]  # type: ignore[no-any-return]


def wait_until_idle_after(
    observer: psycopg.Connection,
    pid: int,
    started_after: dt.datetime,
    naming: str,
    timeout: float = 30,
) -> None:
    """Return once backend ``pid`` is idle after a statement whose text contains ``naming``
    and that it started later than ``started_after`` (see ``statement_start``); fail after
    ``timeout``."""
    wait_for(
        observer,
        "SELECT state = 'idle' AND query_start > %s AND strpos(query, %s) > 0"
        " FROM pg_stat_activity WHERE pid = %s",
        [started_after, naming, pid],
        timeout,
        f"backend {pid} ran no further {naming} within {timeout}s",
    )


class BackgroundTransaction:
    """``work`` run on ``conn`` inside a transaction, in a thread: for a test that acts while
    the COMMIT waits (its deferred refresh blocked on a lock the test holds)."""

    def __init__(self, conn: psycopg.Connection, work: Callable[[psycopg.Connection], None]):
        self.conn, self.work = conn, work
        self.outcome: dict[str, object] = {}
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        try:
            with self.conn.transaction():
                self.work(self.conn)
            self.outcome["committed"] = True
        except Exception as exc:  # pragma: no cover - reported by the caller's assertion
            self.outcome["error"] = exc

    def join(self, timeout: float = 60) -> dict[str, object]:
        """Wait for the transaction to end; what happened: ``{"committed": True}`` or the error."""
        self.thread.join(timeout=timeout)
        assert not self.thread.is_alive(), f"the transaction did not end within {timeout}s"
        return self.outcome
