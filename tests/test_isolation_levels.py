"""Writers in REPEATABLE READ or SERIALIZABLE: the write is never lost, nothing stale is stamped.

Their snapshot predates their COMMIT: a refresh would see old data, and locking a log row that
changed since the snapshot raises a serialization failure outside the refresh's handler,
failing the COMMIT. The refresh is left to the next READ COMMITTED writer.
"""

import pytest
from psycopg import IsolationLevel

from activity_stats_schema import names
from tests.support.data import insert_activities, refresh_log, seed, set_log, view_total


@pytest.mark.parametrize("level", [IsolationLevel.REPEATABLE_READ, IsolationLevel.SERIALIZABLE])
def test_write_commits_and_log_is_not_stamped(db, level):
    with db.connect() as setup:
        data = seed(setup)
    with db.connect() as writer, db.connect() as other:
        writer.isolation_level = level
        with writer.transaction():
            writer.execute("SELECT 1")  # the snapshot is taken here
            # The log row changes after the writer's snapshot (another refresh, an operator).
            set_log(other, debounce_interval="5 seconds")
            after_change = refresh_log(other)
            insert_activities(writer, data, 1)
        assert writer.execute("SELECT count(*) FROM activities").fetchone() == (1,)
        assert refresh_log(other) == after_change  # nothing stamped from the old snapshot
    with db.connect() as next_writer:
        with next_writer.transaction():
            insert_activities(next_writer, data, 1, chapter="B")
        assert refresh_log(next_writer)["refresh_count"] == 1
        assert view_total(next_writer, names.PEER_MENTOR_STATS_TIERS) == 2
