"""The debounce is judged, and refreshes are stamped, by the real clock.

``now()`` is the writer's transaction start. A long transaction judged by it would see a recent
refresh as "within the interval" and never refresh; a stamp taken from it would lie in the past
and let the next writer refresh again at once. No sleeps: the log's times are data, set to
straddle the moment the long transaction started; an attempt that must outlast the interval
waits on a lock the test holds, for as long as the server says it has waited.
"""

import datetime as dt

from tests.support.data import hold_view_lock, insert_activities, refresh_log, seed, set_log
from tests.support.waiting import BackgroundTransaction, wait_until_waiting_on_lock


def clock(conn) -> dt.datetime:
    row = conn.execute("SELECT clock_timestamp()").fetchone()
    assert row is not None
    return row[0]


def test_a_long_transaction_is_judged_by_the_clock_not_its_start(db):
    with db.connect() as writer, db.connect() as other:
        data = seed(writer)
        set_log(other, debounce_interval="1 hour")
        with writer.transaction():
            started = writer.execute("SELECT now()").fetchone()[0]
            insert_activities(writer, data, 1)
            # Another refresh happened after the writer began, but more than the interval ago
            # by the clock at commit; by the writer's now() it would look 'recent'.
            moment = clock(other)
            assert moment > started
            set_log(other, last_attempt_at=moment - dt.timedelta(hours=1))
        log = refresh_log(other)
        assert log["refresh_count"] == 1, "judged by now(), the commit would have debounced"


def test_refresh_is_stamped_with_the_clock_at_commit(db):
    with db.connect() as writer, db.connect() as other:
        data = seed(writer)
        with writer.transaction():
            started = writer.execute("SELECT now()").fetchone()[0]
            insert_activities(writer, data, 1)
            before_commit = clock(other)
        log = refresh_log(other)
        assert log["refresh_count"] == 1
        assert started < before_commit
        assert log["last_refreshed_at"] >= before_commit
        # The debounce counts from the attempt's start: the refresh's own duration is not
        # added to the wait for the next one.
        assert log["last_attempt_at"] == log["last_refreshed_at"]
        assert log["last_duration"] > dt.timedelta(0)


def test_initial_stamps_allow_interval_arithmetic(db):
    """'-infinity' minus an interval raises on some majors and would fail every insert."""
    with db.connect() as conn:
        log = refresh_log(conn)
        assert log["last_refreshed_at"].year == 1970
        assert log["last_attempt_at"].year == 1970
        row = conn.execute(
            "SELECT last_attempt_at > clock_timestamp() - debounce_interval,"
            "       clock_timestamp() - last_attempt_at > debounce_interval"
            " FROM activity_stats.stats_refresh_log"
        ).fetchone()
        assert row == (False, True)
        data = seed(conn)
        with conn.transaction():
            insert_activities(conn, data, 1)
        assert refresh_log(conn)["refresh_count"] == 1


def test_a_refresh_that_outlasts_the_interval_leaves_the_next_one_due(db):
    """The debounce counts from a refresh's start: the time the refresh took is not added.

    The first commit's refresh waits for a view another session holds until it has run for
    longer than the 150 ms interval, then succeeds. The next commit comes right after it ended:
    counted from the end it would be debounced, counted from the start it is due.
    """
    with db.connect() as writer, db.connect() as holder, db.connect() as observer:
        data = seed(writer)
        set_log(observer, debounce_interval="150 milliseconds", refresh_lock_timeout="5 minutes")
        with holder.transaction():
            hold_view_lock(holder)
            commit = BackgroundTransaction(writer, lambda conn: insert_activities(conn, data, 1))
            wait_until_waiting_on_lock(observer, writer.info.backend_pid, for_at_least=0.3)
        assert commit.join() == {"committed": True}
        first = refresh_log(observer)
        assert first["refresh_count"] == 1
        assert first["last_duration"] > dt.timedelta(milliseconds=150)
        assert first["last_attempt_at"] == first["last_refreshed_at"]
        with writer.transaction():
            insert_activities(writer, data, 1, chapter="B")
        log = refresh_log(observer)
        assert log["refresh_count"] == 2, "the next commit was debounced by the long refresh"


def test_a_failed_attempt_that_outlasts_the_interval_is_not_retried_by_the_next_commit(db):
    """After a failure the debounce counts from the failure's end.

    Counted from the start, a failure that takes longer than the interval (here a 1.2 s lock
    wait against a 1 s interval) would leave the next commit due at once, and every writer in
    turn would pay the lock wait for nothing while the view stays held.
    """
    with db.connect() as conn, db.connect() as holder:
        data = seed(conn)
        set_log(conn, debounce_interval="1 second", refresh_lock_timeout="1200 milliseconds")
        with holder.transaction():
            hold_view_lock(holder)
            with conn.transaction():
                insert_activities(conn, data, 1)
            first = refresh_log(conn)
            assert first["failure_count"] == 1
            assert first["last_duration"] >= dt.timedelta(milliseconds=1200)
            assert first["last_attempt_at"] == first["last_error_at"]
            with conn.transaction():
                insert_activities(conn, data, 1, chapter="B")
            log = refresh_log(conn)
        assert log["failure_count"] == 1, "the next commit retried the refresh at once"
        assert log["refresh_count"] == 0
        assert conn.execute("SELECT count(*) FROM activities").fetchone() == (2,)
