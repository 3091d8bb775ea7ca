"""Days are Europe/Oslo days whatever the TimeZone of the session that triggered the refresh."""

import datetime as dt

import pytest

from activity_stats_schema import names
from tests.support.data import insert_activities, seed, set_log, view_rows

# 23:30 in Oslo on 31 March (CEST, UTC+2) is 21:30 UTC: still 31 March in Oslo, but already
# 1 April in Tokyo and still 31 March in Los Angeles. 00:15 Oslo on 1 March (CET) is 23:15 UTC
# on 28 February.
LATE_EVENING = dt.datetime(2026, 3, 31, 21, 30, tzinfo=dt.UTC)
JUST_AFTER_MIDNIGHT = dt.datetime(2026, 2, 28, 23, 15, tzinfo=dt.UTC)


@pytest.fixture
def seeded(db):
    with db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="0 seconds")
        conn.execute("SET TimeZone TO 'UTC'")
        insert_activities(conn, data, 1, occurred_at=LATE_EVENING)
        insert_activities(conn, data, 1, occurred_at=JUST_AFTER_MIDNIGHT, chapter="B")
    return db


def refresh_from(db, time_zone: str) -> list[tuple]:
    """Fire the refresh from a session in ``time_zone`` and read the time series."""
    with db.connect() as conn:
        conn.execute("SELECT set_config('TimeZone', %s, false)", [time_zone])
        with conn.transaction():  # a change that alters nothing but still fires the refresh
            conn.execute("UPDATE activities SET duration_minutes = duration_minutes")
        conn.execute("SET TimeZone TO 'UTC'")
        return view_rows(conn, names.ACTIVITY_TIME_SERIES_TIERS)


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/Los_Angeles", "UTC"])
def test_day_buckets_are_oslo_days(seeded, zone):
    days = sorted(row[2] for row in refresh_from(seeded, zone))
    assert days == [dt.date(2026, 3, 1), dt.date(2026, 3, 31)]


def test_refreshes_from_different_time_zones_give_identical_views(seeded):
    first = refresh_from(seeded, "Pacific/Kiritimati")  # UTC+14
    second = refresh_from(seeded, "Pacific/Pago_Pago")  # UTC-11
    assert first == second
    assert len(first) == 2
