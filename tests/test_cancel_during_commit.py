"""A cancel that arrives while COMMIT runs the refresh abandons the refresh, not the write.

query_canceled is not caught by WHEN OTHERS; the refresh function names it, records the attempt
as failed and lets the COMMIT finish. (A terminated backend still loses its transaction: that
cannot be caught.)
"""

from tests.support.data import hold_view_lock, insert_activities, refresh_log, seed, set_log
from tests.support.waiting import BackgroundTransaction, wait_until_waiting_on_lock


def test_cancel_during_commit_time_refresh_keeps_the_write(db):
    with db.connect() as writer, db.connect() as holder, db.connect() as observer:
        data = seed(writer)
        set_log(observer, refresh_lock_timeout="5 minutes")
        pid = writer.info.backend_pid

        with holder.transaction():
            hold_view_lock(holder)
            commit = BackgroundTransaction(writer, lambda conn: insert_activities(conn, data, 1))
            wait_until_waiting_on_lock(observer, pid)  # the COMMIT is inside the refresh
            assert observer.execute("SELECT pg_cancel_backend(%s)", [pid]).fetchone() == (True,)
            assert commit.join() == {"committed": True}
        assert observer.execute("SELECT count(*) FROM activities").fetchone() == (1,)
        log = refresh_log(observer)
        assert log["failure_count"] == 1
        assert log["last_error"].startswith("57014: ")  # query_canceled
