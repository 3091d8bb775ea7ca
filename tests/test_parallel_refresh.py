"""With view sessions, the refresher refreshes each view on a session of its own, at the same
time, while one transaction holds the log row (refresh_begin, refresh_view, refresh_end); by
default, one after the other in that transaction. Tests hold a view's lock to stop a refresh
where they want to look, and ask the server what each session holds."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql

from activity_stats_schema import names
from activity_stats_schema.operations.refresher import (
    APPLICATION_NAME,
    VIEW_APPLICATION_NAME,
    Refresher,
)
from activity_stats_schema.schema.functions import (
    CALL_REFRESH_BEGIN,
    CALL_REFRESH_END,
    FORCE_REFRESH,
)
from tests.support.data import (
    hold_view_lock,
    insert_activities,
    make_due,
    pending,
    refresh_log,
    seed,
    set_log,
    view_total,
)
from tests.support.waiting import wait_for

#: Run as the server's superuser and again as a role shaped like Supabase's postgres.
pytestmark = pytest.mark.both_owners

#: The refresher's main session holds the lock of its own view's refresh (so it refreshed it,
#: in its still open transaction) while its view session waits for the time series' lock.
BOTH_UNDER_WAY = """
SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                WHERE a.application_name = %s AND a.datname = current_database()
                  AND l.relation = %s::regclass AND l.mode = 'ExclusiveLock'
                  AND l.granted)
   AND EXISTS (SELECT FROM pg_stat_activity a
                WHERE a.application_name = %s AND a.datname = current_database()
                  AND a.wait_event_type = 'Lock')
"""


@contextmanager
def time_series_held(conn: psycopg.Connection) -> Iterator[None]:
    """The lock every refresh of the time series waits for, held until the block ends."""
    conn.execute("BEGIN")
    hold_view_lock(conn, names.MV_ACTIVITY_TIME_SERIES_RECENT)
    try:
        yield
    finally:
        conn.execute("ROLLBACK")


class RefreshInThread:
    """One ``Refresher.refresh_once`` on its own connections (with view sessions, unless told
    otherwise: what most tests here look at), in a thread."""

    def __init__(self, url: str, view_sessions: bool = True) -> None:
        self.refresher = Refresher(url, view_sessions=view_sessions)
        self.outcome: list[object] = []
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        try:
            with (
                self.refresher.connect() as conn,
                self.refresher.view_connections() as helpers,
            ):
                self.outcome.append(self.refresher.refresh_once(conn, helpers))
        except Exception as exc:
            self.outcome.append(exc)

    def result(self, timeout: float = 60) -> object:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"the refresh did not end within {timeout} s"
        return self.outcome[0]


def wait_at_the_time_series(observer: psycopg.Connection, query: str, failure: str) -> None:
    """Wait until ``query`` (asked with the refresher's session name, the first view, and the
    view sessions' name) says the refresh has reached the held time series."""
    params = [
        APPLICATION_NAME,
        f"{names.PRIVATE_SCHEMA}.{names.MV_PEER_MENTOR_STATS_RECENT}",
        VIEW_APPLICATION_NAME,
    ]
    wait_for(observer, query, params, 30, f"{failure} within 30 s")


def both_under_way(observer: psycopg.Connection) -> None:
    wait_at_the_time_series(
        observer, BOTH_UNDER_WAY, "the two views' refreshes were not under way at the same time"
    )


def one_change_marked(conn: psycopg.Connection, refresh_lock_timeout: str) -> None:
    """One activity committed in async mode (the commit only marks it), with the log row's bound
    on each view's lock wait: long for a test that looks while a refresh waits, short for one
    that makes it fail."""
    data = seed(conn)
    set_log(conn, async_refresh=True, refresh_lock_timeout=refresh_lock_timeout)
    with conn.transaction():
        insert_activities(conn, data, 1)


def test_with_view_sessions_the_refresher_refreshes_the_two_views_at_once(db):
    with db.connect() as conn, db.connect() as holder:
        one_change_marked(conn, "60 seconds")
        before = refresh_log(conn)
        with time_series_held(holder):
            refresh = RefreshInThread(db.url)
            both_under_way(conn)
            # Meanwhile the log row is held: any other refresh (a writer's COMMIT, pg_cron, a
            # forced one) returns at once instead of waiting.
            assert conn.execute(FORCE_REFRESH).fetchone() == ("busy",)
            # Nothing is shown before both are done: the first view's refresh is not committed.
            assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 0
        assert refresh.result() == "refreshed"
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1
        assert view_total(conn, names.ACTIVITY_TIME_SERIES_TIERS) == 1
        assert pending(conn) == 0
        after = refresh_log(conn)
        assert after["refresh_count"] == before["refresh_count"] + 1
        assert after["last_refreshed_at"] > before["last_refreshed_at"]


#: The default refresher's one session, having refreshed the first view in its open
#: transaction, waits for the time series' lock; and no view session exists.
ONE_SESSION_AT_THE_SECOND_VIEW = """
SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                WHERE a.application_name = %s AND a.datname = current_database()
                  AND l.relation = %s::regclass AND l.mode = 'ExclusiveLock'
                  AND l.granted AND a.wait_event_type = 'Lock')
   AND NOT EXISTS (SELECT FROM pg_stat_activity a
                    WHERE a.application_name = %s AND a.datname = current_database())
"""


def test_by_default_the_refresher_refreshes_the_views_one_after_the_other_on_one_session(db):
    with db.connect() as conn, db.connect() as holder:
        one_change_marked(conn, "60 seconds")
        with time_series_held(holder):
            refresh = RefreshInThread(db.url, view_sessions=False)
            wait_at_the_time_series(
                conn,
                ONE_SESSION_AT_THE_SECOND_VIEW,
                "the refresher's one session did not reach the second view",
            )
            assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 0
        assert refresh.result() == "refreshed"
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1
        assert view_total(conn, names.ACTIVITY_TIME_SERIES_TIERS) == 1
        assert pending(conn) == 0


def test_a_view_that_fails_keeps_the_changes_marked_and_the_other_view_is_refreshed(db):
    with db.connect() as conn, db.connect() as holder:
        one_change_marked(conn, "100 milliseconds")
        with time_series_held(holder):
            assert RefreshInThread(db.url).result() == "failed"
        log = refresh_log(conn)
        assert log["failure_count"] == 1
        assert log["last_error"].startswith("55P03: ")  # lock_timeout, on the view session
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1
        assert view_total(conn, names.ACTIVITY_TIME_SERIES_TIERS) == 0
        assert pending(conn) == 1  # the trailing edge will try again
        make_due(conn)  # a failure restarts the debounce window
        assert RefreshInThread(db.url).result() == "refreshed"
        assert view_total(conn, names.ACTIVITY_TIME_SERIES_TIERS) == 1
        assert pending(conn) == 0


def test_a_lost_view_session_rolls_the_refresh_back_and_keeps_the_changes(db):
    with db.connect() as conn, db.connect() as holder:
        one_change_marked(conn, "60 seconds")
        before = refresh_log(conn)
        with time_series_held(holder):
            refresh = RefreshInThread(db.url)
            both_under_way(conn)
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = %s AND datname = current_database()",
                [VIEW_APPLICATION_NAME],
            )
            assert isinstance(refresh.result(), psycopg.OperationalError)
        # The main session's transaction rolled back: no refresh recorded, the row is free,
        # the first view's refresh undone, and the change still marked.
        assert refresh_log(conn) == before
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 0
        assert pending(conn) == 1
        assert RefreshInThread(db.url).result() == "refreshed"
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1
        assert view_total(conn, names.ACTIVITY_TIME_SERIES_TIERS) == 1


def test_refresh_end_without_refresh_begin_in_its_transaction_is_refused(db):
    with db.connect() as conn:
        one_change_marked(conn, "2 seconds")
        make_due(conn)
        before = refresh_log(conn)
        # Begun in a transaction of its own (autocommit): it wrote nothing, and held the row
        # only for that statement.
        state, marked, _views, _boundary = conn.execute(
            CALL_REFRESH_BEGIN, [False, True, True]
        ).fetchone()
        assert (state, len(marked)) == ("started", 1)
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="no refresh was"):
            conn.execute(CALL_REFRESH_END, [marked, None])
        assert refresh_log(conn) == before
        assert pending(conn) == 1
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 0


def test_refresh_view_refuses_a_name_that_is_not_a_statistics_view(db):
    with db.connect() as conn:
        call = sql.SQL("SELECT {}(%s)").format(
            sql.Identifier(names.PRIVATE_SCHEMA, names.REFRESH_VIEW_FUNCTION)
        )
        for name in (names.ACTIVITIES, names.LIVE_PEER_MENTOR_STATS, None):
            with pytest.raises(
                psycopg.errors.InvalidParameterValue, match="is not one of the statistics views"
            ):
                conn.execute(call, [name])
