"""``activity-stats-schema refresher``: the trailing edge as a process. Tests wait for the
refresh's own NOTIFY (activity_stats_refreshed), never for time to pass."""

import datetime as dt
import signal

import psycopg
import pytest
from psycopg import sql

from activity_stats_schema import names
from activity_stats_schema.operations.refresher import (
    APPLICATION_NAME,
    VIEW_APPLICATION_NAME,
    WRITERS_IN_PROGRESS,
    Refresher,
)
from activity_stats_schema.schema.functions import CALL_REFRESH_BEGIN
from tests.support.data import (
    OSLO,
    hold_view_lock,
    insert_activities,
    pending,
    seed,
    set_log,
    view_total,
)
from tests.support.pooler import pgbouncer, transaction_pooler
from tests.support.processes import running_refresher
from tests.support.waiting import (
    BackgroundTransaction,
    statement_start,
    wait_for,
    wait_until_idle_after,
    wait_until_waiting_on_lock,
)

#: Run as the server's superuser and again as a role shaped like Supabase's postgres.
pytestmark = pytest.mark.both_owners

#: For the tests that run the refresher behind a transaction-mode pooler.
needs_pgbouncer = pytest.mark.skipif(
    pgbouncer() is None, reason="PgBouncer is not installed (nox -s test installs it when root)"
)

#: A deferred trigger that fires after ours (names sort) in the transactions that ask for it,
#: and waits there for an advisory lock the test holds: a COMMIT held up after our trigger ran,
#: as another deferred trigger or constraint waiting on a lock would hold it.
HELD_COMMIT = """
CREATE FUNCTION test_hold_commit() RETURNS trigger LANGUAGE plpgsql
AS 'BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NULL; END';
CREATE CONSTRAINT TRIGGER zz_hold_commit AFTER INSERT ON activities
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN (current_setting('test.hold_commit', true) = 'on')
EXECUTE FUNCTION test_hold_commit();
"""


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
    with running_refresher(db.url, tmp_path / "refresher.log") as process:
        yield process


#: The refresher's backend in the test's database.
REFRESHER_BACKEND = (
    "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()"
)


def connected_refresher_pid(conn, timeout: float = 30) -> int:
    """The refresher's backend, once the process has connected (it starts with the test)."""
    row = wait_for(
        conn,
        REFRESHER_BACKEND,
        [APPLICATION_NAME],
        timeout,
        f"the refresher did not connect within {timeout} s",
    )
    return int(row[0])


def refresher_pid(conn) -> int | None:
    row = conn.execute(REFRESHER_BACKEND, [APPLICATION_NAME]).fetchone()
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
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1
        assert wait_for_refresh(listener) == "refreshed"  # the refresher, once the window passed
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 2


@pytest.mark.parametrize(
    ("options", "view_connections"), [((), 0), (("--view-sessions",), 1)], ids=["default", "view"]
)
def test_the_refresher_opens_a_view_connection_only_when_asked(
    db, listener, tmp_path, options, view_connections
):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, async_refresh=True)
        with running_refresher(db.url, tmp_path / "refresher.log", *options):
            connected_refresher_pid(conn)
            with conn.transaction():
                insert_activities(conn, data, 1)  # async: the commit only marks it
            assert wait_for_refresh(listener) == "refreshed"
            assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1
            assert view_total(conn, names.ACTIVITY_TIME_SERIES_TIERS) == 1
            # Still connected; its view connections, if any, are open as long as it is.
            assert refresher_pid(conn) is not None
            views = conn.execute(REFRESHER_BACKEND, [VIEW_APPLICATION_NAME]).fetchall()
            assert len(views) == view_connections


#: Before the test template's history boundary (2000): a backdated registration.
BACKDATED = dt.datetime(1999, 6, 1, 10, 0, tzinfo=OSLO)
#: Whether one of the refresher's connections waits for a heavyweight lock.
REFRESHER_WAITING_ON_A_LOCK = sql.SQL(
    "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()"
    " AND starts_with(application_name, {}) AND wait_event_type = 'Lock')"
).format(sql.Literal(APPLICATION_NAME))
RECENT_TIER_SHOWS_ONE = sql.SQL("SELECT EXISTS (SELECT FROM {})").format(
    sql.Identifier(names.PRIVATE_SCHEMA, names.MV_PEER_MENTOR_STATS_RECENT)
)


def test_the_recent_tier_is_refreshed_while_a_refresh_of_history_waits(db, tmp_path):
    """Async mode, where only the refresher refreshes: it refreshes history on a connection of
    its own, so a refresh of history held up (here by a lock another session holds on the
    history view, for longer than the test waits) does not hold up the recent tier's."""
    with db.connect() as conn, db.connect() as blocker:
        data = seed(conn)
        set_log(conn, async_refresh=True, refresh_lock_timeout="10 minutes")
        with conn.transaction():
            insert_activities(conn, data, 1, occurred_at=BACKDATED)
        blocker.execute("BEGIN")
        hold_view_lock(blocker, names.MV_PEER_MENTOR_STATS_HISTORY)
        with running_refresher(db.url, tmp_path / "refresher.log"):
            wait_for(conn, REFRESHER_WAITING_ON_A_LOCK, [], 30, "the refresh of history ran")
            with conn.transaction():
                insert_activities(conn, data, 1, chapter="B")  # recent; async: only marked
            wait_for(conn, RECENT_TIER_SHOWS_ONE, [], 30, "the recent tier waited for history")
            assert view_total(conn, (names.MV_PEER_MENTOR_STATS_HISTORY,)) == 0
            blocker.execute("ROLLBACK")
            wait_for(
                conn,
                sql.SQL("SELECT NOT EXISTS (SELECT FROM {})").format(
                    sql.Identifier(names.PRIVATE_SCHEMA, names.PENDING_CHANGES)
                ),
                [],
                30,
                "the refresher did not finish the refresh of history",
            )
        assert pending(conn) == 0
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 2


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
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 2
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
    log = (tmp_path / "refresher.log").read_text()
    assert "stopped after 1 refreshes" in log
    assert "notifications arrive" in log  # its probe on connect came back


def test_a_change_whose_commit_outlasts_the_refreshers_last_check_is_still_picked_up(
    db, listener, refresher
):
    """Lost wake-up: a writer's trigger sees the marker of a change that the running refresh
    has taken (so it does not NOTIFY), and its COMMIT ends only after the refresher, done with
    that refresh, found nothing waiting. The refresher must not then sleep for POLL_SECONDS."""
    with db.connect() as conn, db.connect() as views, db.connect() as holder, db.connect() as late:
        data = seed(conn)
        conn.execute(HELD_COMMIT)
        set_log(conn, debounce_interval="1 second", async_refresh=True)
        holder.execute("SELECT pg_advisory_lock(4242)")
        views.execute("BEGIN")
        hold_view_lock(views)
        with conn.transaction():
            insert_activities(conn, data, 1)  # marked; NOTIFY: the refresher starts a refresh
        pid = connected_refresher_pid(conn)
        wait_until_waiting_on_lock(conn, pid)  # the change is in its work list; it waits
        refreshing_since = statement_start(conn, pid)

        def held(c: psycopg.Connection) -> None:
            c.execute("SET LOCAL test.hold_commit = 'on'")
            insert_activities(c, data, 1, chapter="B")

        commit = BackgroundTransaction(late, held)
        try:
            # Its trigger has run (it saw the first change's marker: no NOTIFY); its COMMIT
            # waits.
            wait_until_waiting_on_lock(conn, late.info.backend_pid)
            views.execute("ROLLBACK")
            assert wait_for_refresh(listener) == "refreshed"  # the first change only
            # It has checked again, and found nothing committed:
            wait_until_idle_after(conn, pid, refreshing_since, names.REFRESH_BEGIN_FUNCTION)
        finally:
            # Also when an assertion above fails: the COMMIT then ends, and its connection
            # can close (closing it while the COMMIT waits would hang the test).
            holder.execute("SELECT pg_advisory_unlock(4242)")
        assert commit.join() == {"committed": True}
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1
        # Well inside POLL_SECONDS (30 s), with no further write:
        assert wait_for_refresh(listener, timeout=10) == "refreshed"
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 2


@needs_pgbouncer
def test_behind_a_transaction_pooler_a_change_still_appears_with_no_further_write(
    db, listener, tmp_path
):
    """Supabase's pooler on port 6543 (here PgBouncer, pool_mode = transaction) drops the
    notifications the refresher LISTENs for. It finds that out on connect and checks every
    second instead of every POLL_SECONDS (30 s)."""
    log_path = tmp_path / "refresher.log"
    with (
        db.connect() as conn,
        transaction_pooler(db.url) as pooled,
        running_refresher(pooled, log_path),
    ):
        data = seed(conn)
        set_log(conn, async_refresh=True)  # only the refresher refreshes
        # It has connected, probed and caught up (nothing to do): it now waits.
        wait_for(
            conn,
            "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()"
            " AND state = 'idle' AND query LIKE %s)",
            [f"%{names.REFRESH_BEGIN_FUNCTION}%"],
            30,
            "the refresher did not check for changes within 30 s",
        )
        with conn.transaction():
            insert_activities(conn, data, 1)  # marked; its NOTIFY is dropped in the pool
        assert wait_for_refresh(listener, timeout=10) == "refreshed"  # well inside 30 s
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1
    assert "do not reach this connection" in log_path.read_text()


def open_two_server_connections(pooled: str) -> None:
    """Make the pooler open a second server connection: two clients in a transaction at once.
    From then on, its round robin runs a client's consecutive transactions on both in turn."""
    with psycopg.connect(pooled) as first, psycopg.connect(pooled) as second:
        first.execute("SELECT 1")  # holds its server connection until it commits
        second.execute("SELECT 1")
        first.commit()
        second.commit()


@needs_pgbouncer
def test_behind_a_transaction_pooler_the_refreshers_statements_run_again_and_again(db):
    """psycopg prepares a statement server-side once it has run it five times; behind a
    transaction-mode pooler the next run goes to a server connection that never saw it. The
    refresher runs the same few statements for as long as it lives, on connections that never
    prepare."""
    check = (CALL_REFRESH_BEGIN, [False, True, True])
    statements = [(WRITERS_IN_PROGRESS, None), check] * 10
    with transaction_pooler(db.url) as pooled:
        open_two_server_connections(pooled)
        # The harm is real here: a connection that prepares fails by the sixth run.
        with (
            psycopg.connect(pooled, autocommit=True) as preparing,
            pytest.raises(psycopg.errors.InvalidSqlStatementName),
        ):
            for statement, params in statements:
                preparing.execute(statement, params).fetchone()
        with Refresher(pooled).connect() as conn:
            answers = [
                conn.execute(statement, params).fetchone() for statement, params in statements
            ]
    assert answers[1::2] == [("clean", None, None, None)] * 10  # every check ran; nothing to do
