"""The refresh log has exactly one row, and its tunables are checked data."""

import psycopg
import pytest

from tests.support.data import refresh_log

LOG = "activity_stats.stats_refresh_log"


def test_there_is_exactly_one_row_after_migration(db):
    with db.connect() as conn:
        assert conn.execute(f"SELECT count(*) FROM {LOG}").fetchone() == (1,)
        log = refresh_log(conn)
        assert str(log["debounce_interval"]) == "0:00:10"
        assert log["refresh_count"] == 0


def test_a_second_row_is_refused(db):
    with db.connect() as conn:
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(f"INSERT INTO {LOG} (singleton) VALUES (true)")
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(f"INSERT INTO {LOG} (singleton) VALUES (false)")


@pytest.mark.parametrize("statement", [f"DELETE FROM {LOG}", f"TRUNCATE {LOG}"])
def test_the_row_cannot_be_removed(db, statement):
    with db.connect() as conn:
        with pytest.raises(psycopg.errors.RestrictViolation, match="cannot be removed"):
            conn.execute(statement)
        assert conn.execute(f"SELECT count(*) FROM {LOG}").fetchone() == (1,)


@pytest.mark.parametrize(
    ("column", "value"),
    [("debounce_interval", "-1 second"), ("refresh_lock_timeout", "0 seconds")],
)
def test_nonsense_tunables_are_refused(db, column, value):
    with db.connect() as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute(f"UPDATE {LOG} SET {column} = %s::interval", [value])
