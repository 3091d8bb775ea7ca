"""The trailing edge as a process: ``activity-stats-schema refresher``.

Waits (LISTEN) for the first change after a refresh, then calls ``refresh_pending()`` as soon as
the debounce interval allows, and again while changes keep arriving. Every committed change
therefore reaches the views within max(debounce interval, refresh) + refresh: the refresh
running when it committed cannot include it, and the next starts one interval after that one
started (the debounce counts from a refresh's start). Only the first change after a refresh
NOTIFYs; a writer whose trigger saw a change the running refresh had taken, and whose COMMIT
ended only after the check that followed that refresh, sent none: so while transactions that
had written were open at a check, it checks again every ``RECHECK_SECONDS`` (and at least
every ``POLL_SECONDS`` in any case). A lost connection or a server restart is retried with
back-off; after reconnecting it catches up at once (the work list is a table, so nothing that
happened meanwhile is missed). SIGTERM stops it between two refreshes.

Behind a transaction-mode pooler (Supabase's pooler on port 6543, PgBouncer with
``pool_mode = transaction``), LISTEN is registered on a server connection that goes back to the
pool after each statement, and a notification that reaches it there is dropped. So on every
connect the refresher sends itself a probe from a second connection; if it does not arrive, it
says so and checks every ``RECHECK_SECONDS`` instead of waiting for notifications, which keeps
the bound (one second later at most). A direct or session-mode connection is still the one to
give it. Its statements are never prepared server-side, which such a pooler would also break.

Each refresh runs the refresh's three steps (``refresh_begin``, ``refresh_views``,
``refresh_end``) in one transaction, as ``refresh_stats`` does. The recent tier is refreshed on
the connection that LISTENs. A refresh that includes history (a waiting change reaches before
the history boundary, or the boundary is due to move, which only the trailing edge does, never a
writer's COMMIT) runs on a connection of its own, opened for it, in a thread of its own: a
refresh of history alone does not hold the log row, so the recent tier goes on being refreshed
meanwhile, which in async mode only the refresher does.

With ``view_sessions`` (``refresher --view-sessions``) a refresh of the recent tier is spread
over connections: the main one refreshes the first view while a second connection refreshes the
other at the same time; the main one then records the outcome and commits. A refresh that
includes history runs on its one connection: a boundary move and both tiers must commit
together. On an idle server both views then take less time; but on a server with few cores the
refresh then takes every core from the writers, lengthening their COMMITs without shortening
staleness (docs/benchmarks.md measures both). Hence the default: one connection, one core. If a
connection is lost, the transaction rolls back: the markers stay, and the refresh is done again
after reconnecting.
"""

import datetime as dt
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import NamedTuple

import psycopg
from psycopg import sql

from activity_stats_schema import names
from activity_stats_schema.operations.database import libpq_url
from activity_stats_schema.schema.functions import (
    CALL_REFRESH_BEGIN,
    CALL_REFRESH_END,
    CALL_REFRESH_VIEW,
    CALL_REFRESH_VIEWS,
)

log = logging.getLogger("activity_stats_schema.operations.refresher")

APPLICATION_NAME = "activity-stats-refresher"
#: The connections that refresh a view each, beside the one that holds the log row.
VIEW_APPLICATION_NAME = f"{APPLICATION_NAME} view"
#: The connection of a refresh that includes history.
HISTORY_APPLICATION_NAME = f"{APPLICATION_NAME} history"
#: How long a hand-off waits for the history connection to take its locks (connect and begin).
HISTORY_BEGIN_SECONDS = 15.0
#: Re-check at least this often even without a notification (a lost NOTIFY, a clock change).
POLL_SECONDS = 30.0
#: Check again this often while a transaction that was writing at the last check is open.
RECHECK_SECONDS = 1.0
#: Wake at least this often to notice a stop request.
STOP_CHECK_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 5.0
#: How long the check on connect waits for its probe notification to come back.
PROBE_SECONDS = 5.0

UNTIL_DUE = sql.SQL(
    "SELECT greatest(0, extract(epoch FROM last_attempt_at + debounce_interval"
    " - clock_timestamp()))::float8 FROM {}"
).format(sql.Identifier(names.PRIVATE_SCHEMA, names.REFRESH_LOG))

#: Whether a transaction that has written (it has an xid) is in progress now.
WRITERS_IN_PROGRESS = sql.SQL(
    "SELECT EXISTS (SELECT FROM pg_catalog.pg_snapshot_xip(pg_catalog.pg_current_snapshot()))"
)


def _always(_: psycopg.Notify) -> bool:
    return True


def _never(_: psycopg.Notify) -> bool:
    return False


class Refresher:
    def __init__(
        self, url: str, stop: threading.Event | None = None, *, view_sessions: bool = False
    ) -> None:
        self.url = libpq_url(url)
        self.stop = stop or threading.Event()
        #: Whether each view after the first is refreshed on a connection of its own, at once.
        self.view_sessions = view_sessions
        self.refreshes = 0
        #: How long to wait with nothing to do: POLL_SECONDS while notifications arrive.
        self.idle_seconds = POLL_SECONDS
        #: Runs the refreshes that include history, once ``run`` has started it.
        self.history = HistoryWorker(self)

    def run(self) -> None:
        self.history.start()
        try:
            self._run()
        finally:
            self.history.join()

    def _run(self) -> None:
        backoff = 0.5
        while not self.stop.is_set():
            try:
                with self.connect() as conn, self.view_connections() as helpers:
                    for channel in (
                        names.CHANGES_CHANNEL,
                        names.REFRESHED_CHANNEL,
                        names.PROBE_CHANNEL,
                    ):
                        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    if self._notifications_arrive(conn):
                        self.idle_seconds = POLL_SECONDS
                        log.info("connected; notifications arrive; catching up")
                    else:
                        self.idle_seconds = RECHECK_SECONDS
                        log.warning(
                            "connected, but notifications sent by other sessions do not reach"
                            " this connection (a transaction-mode pooler, such as port 6543 on"
                            " Supabase?): checking every %.0f s instead of waiting for them."
                            " Give the refresher a direct or session-mode connection.",
                            RECHECK_SECONDS,
                        )
                    backoff = 0.5
                    self._serve(conn, helpers)
            except psycopg.OperationalError as exc:
                if self.stop.is_set():
                    break
                log.warning("connection lost (%s); retrying in %.1f s", _first_line(exc), backoff)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        log.info("stopped after %d refreshes", self.refreshes)

    def connect(self, application_name: str = APPLICATION_NAME) -> psycopg.Connection:
        """A connection as the refresher opens its own: autocommit, named, and with no
        server-side prepared statements (psycopg prepares a statement after its fifth
        execution; a transaction-mode pooler would send the next execution to a server
        connection that never saw it)."""
        return psycopg.connect(
            self.url,
            autocommit=True,
            application_name=application_name,
            connect_timeout=10,
            prepare_threshold=None,
        )

    @contextmanager
    def view_connections(self) -> Iterator[list[psycopg.Connection]]:
        """One connection for each view after the first (which the main connection refreshes),
        closed on leaving; none without ``view_sessions``."""
        others = names.RECENT_VIEWS[1:] if self.view_sessions else ()
        with ExitStack() as stack:
            yield [stack.enter_context(self.connect(VIEW_APPLICATION_NAME)) for _ in others]

    def refresh_once(
        self, conn: psycopg.Connection, helpers: Sequence[psycopg.Connection], force: bool = False
    ) -> str:
        """One refresh if changes wait or the history boundary is due, and the debounce allows
        (whatever waits, and both tiers, with ``force``); what happened, as ``refresh_stats``
        says it. A recent-tier refresh puts its first view on ``conn`` and each other on a
        helper of its own at the same time. One that includes history goes to the history
        worker once ``run`` has started it (then this refreshes the recent tier), else it runs
        on ``conn``.

        Unforced, it first asks outside a transaction: the usual answers ('clean', 'debounced',
        'busy') then cost one statement, and leave no transaction open. ``refresh_begin`` writes
        nothing, so the answer 'started' there holds nothing once the statement ends; it is
        asked again in the transaction that refreshes (another session may have begun since).
        """
        history = not self.history.running.is_set()
        if not force:
            begun = self._begin(conn, force, history)
            if begun.state != "started":
                return begun.state
            if history and self.history.started and set(begun.views) & set(names.HISTORY_VIEWS):
                self.history.hand_off()
                history = False
        return self.refresh(conn, helpers, force, history)

    def refresh(
        self,
        conn: psycopg.Connection,
        helpers: Sequence[psycopg.Connection],
        force: bool,
        history: bool,
        begun_hook: Callable[[], None] | None = None,
    ) -> str:
        """The three steps in one transaction on ``conn``; ``begun_hook`` is called once
        ``refresh_begin`` has answered (the refresh then holds its locks, if it started)."""
        with conn.transaction():
            begun = self._begin(conn, force, history)
            if begun_hook is not None:
                begun_hook()
            if begun.state != "started":
                return begun.state
            if helpers and set(begun.views) <= set(names.RECENT_VIEWS):
                error = _refresh_spread(conn, helpers, begun.views)
            else:
                row = conn.execute(CALL_REFRESH_VIEWS, [begun.views, begun.boundary]).fetchone()
                error = None if row is None or row[0] is None else str(row[0])
            row = conn.execute(CALL_REFRESH_END, [begun.pending, error]).fetchone()
        return str(row[0]) if row else "?"

    @staticmethod
    def _begin(conn: psycopg.Connection, force: bool, history: bool) -> "Begun":
        row = conn.execute(CALL_REFRESH_BEGIN, [force, not force, history]).fetchone()
        assert row is not None
        return Begun(str(row[0]), list(row[1] or []), list(row[2] or []), row[3])

    def _notifications_arrive(self, conn: psycopg.Connection) -> bool:
        """Whether a NOTIFY sent by another session reaches ``conn``.

        The probe comes from a second connection: a session's own NOTIFY is delivered inside
        its own statement, so it comes back even through a transaction-mode pooler.
        """
        nonce = secrets.token_hex(8)
        with self.connect(f"{APPLICATION_NAME} probe") as sender:
            sender.execute("SELECT pg_catalog.pg_notify(%s, %s)", [names.PROBE_CHANNEL, nonce])
        return self._wait(
            conn,
            PROBE_SECONDS,
            lambda notify: notify.channel == names.PROBE_CHANNEL and notify.payload == nonce,
        )

    def _serve(self, conn: psycopg.Connection, helpers: Sequence[psycopg.Connection]) -> None:
        while not self.stop.is_set():
            started = time.perf_counter()
            # Asked before the check, so that it covers every writer the check cannot see.
            row = conn.execute(WRITERS_IN_PROGRESS).fetchone()
            writers_in_progress = bool(row and row[0])
            outcome = self.refresh_once(conn, helpers)
            if outcome in ("refreshed", "failed"):
                self.refreshes += outcome == "refreshed"
                log.info("%s in %.0f ms", outcome, (time.perf_counter() - started) * 1000)
                continue  # changes may have arrived during the refresh
            if outcome == "clean":
                # A writer NOTIFYs only when it sees no change waiting. One whose trigger saw a
                # change that the refresh just done had taken, and whose COMMIT ends after this
                # check, has neither notified nor been seen: it was in progress at this check.
                # So while writers were, look again soon instead of waiting for a NOTIFY.
                wait = RECHECK_SECONDS if writers_in_progress else self.idle_seconds
            elif outcome == "debounced":
                due = conn.execute(UNTIL_DUE).fetchone()
                wait = float(due[0]) if due else 0.0
            else:  # busy (another session refreshes) or skipped: its NOTIFY wakes us
                wait = self.idle_seconds
            # Debounced: nothing to do before it is due, whatever arrives.
            self._wait(conn, wait, _never if outcome == "debounced" else _always)

    def _wait(
        self, conn: psycopg.Connection, seconds: float, wake: Callable[[psycopg.Notify], bool]
    ) -> bool:
        """Wait up to ``seconds`` (less on a stop request), consuming notifications; True as soon
        as one satisfies ``wake``."""
        deadline = time.monotonic() + seconds
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            for notify in conn.notifies(timeout=min(remaining, STOP_CHECK_SECONDS)):
                if wake(notify):
                    return True
        return False


class HistoryWorker:
    """Runs the refreshes that include history, one at a time, on a connection opened for each
    (they are rare: a backdated change, the weekly move), in a thread of its own. The main
    connection hands one off and goes on with the recent tier: a refresh of history alone holds
    the history lock, not the log row. A lost connection or a failure leaves the markers, and
    the main loop hands the refresh off again."""

    def __init__(self, refresher: Refresher) -> None:
        self._refresher = refresher
        self._wanted = threading.Event()
        self._begun = threading.Event()
        self._closing = threading.Event()
        #: Set from a hand-off until the refresh has ended (or failed to start).
        self.running = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def started(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._serve, name="history refresh", daemon=True)
        self._thread.start()

    def join(self) -> None:
        """Stop after the refresh under way, if any (the refresher stops, or failed)."""
        self._closing.set()
        if self._thread is not None:
            self._thread.join()

    def hand_off(self) -> None:
        """Ask for a refresh that includes history; return once it has begun (it then holds
        its locks, so the main connection's next begin finds history taken) or given up."""
        self._begun.clear()
        self.running.set()
        self._wanted.set()
        self._begun.wait(HISTORY_BEGIN_SECONDS)

    def _serve(self) -> None:
        refresher = self._refresher
        while not (refresher.stop.is_set() or self._closing.is_set()):
            if not self._wanted.wait(STOP_CHECK_SECONDS):
                continue
            self._wanted.clear()
            started = time.perf_counter()
            try:
                with refresher.connect(HISTORY_APPLICATION_NAME) as conn:
                    outcome = refresher.refresh(conn, (), False, True, self._begun.set)
                log.info("history: %s in %.0f ms", outcome, (time.perf_counter() - started) * 1000)
            except psycopg.Error as exc:
                log.warning(
                    "refresh of history abandoned (%s); its changes stay marked", _first_line(exc)
                )
            finally:
                self._begun.set()
                self.running.clear()


def _first_line(exc: BaseException) -> str:
    """A database error's first line, for a log line ("lost" when it says nothing)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else "lost"


class Begun(NamedTuple):
    """What ``refresh_begin`` answered: the state and, when 'started', the markers to clear, the
    views to refresh and where the history boundary stands for them."""

    state: str
    pending: list[int]
    views: list[str]
    boundary: dt.datetime | None


def _refresh_spread(
    conn: psycopg.Connection, helpers: Sequence[psycopg.Connection], views: Sequence[str]
) -> str | None:
    """The first of ``views`` on ``conn``, each of the others on a helper of its own at the same
    time (on ``conn`` after the first, those no helper takes); the first error, or None."""
    first, *others = views
    away, here = others[: len(helpers)], [first, *others[len(helpers) :]]
    with ThreadPoolExecutor(max_workers=max(1, len(away))) as pool:
        elsewhere = [
            pool.submit(_refresh_view, helper, view)
            for helper, view in zip(helpers, away, strict=True)
        ]
        errors = [_refresh_view(conn, view) for view in here]
        errors += [f.result() for f in elsewhere]
    return next((e for e in errors if e is not None), None)


def _refresh_view(conn: psycopg.Connection, view: str) -> str | None:
    """Refresh ``view`` on ``conn``; None, or the error as refresh_view returns it."""
    row = conn.execute(CALL_REFRESH_VIEW, [view]).fetchone()
    return None if row is None or row[0] is None else str(row[0])
