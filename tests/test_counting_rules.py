"""On the reference dataset, the views, the Bufdir export and the hand-derived totals agree."""

import datetime as dt

import psycopg
import pytest

from activity_stats_schema import names
from tests.support import reference
from tests.support.access import add_coordinator
from tests.support.supabase import as_api_user

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


@pytest.fixture
def loaded(db):
    with db.connect() as conn:
        ids = reference.load(conn)
        conn.execute("SELECT activity_stats.refresh_stats(true)")
    return ids


def named(ids, kind):
    return {v: k for k, v in ids[kind].items()}


def test_time_series_matches_expected_monthly_totals(db, loaded):
    chapter, kind = named(loaded, "chapter"), named(loaded, "type")
    with db.connect() as conn:
        got = {
            (chapter[c], kind[t], m): (int(n), int(minutes))
            for c, t, m, n, minutes in conn.execute(
                "SELECT chapter_id, activity_type_id, to_char(day, 'YYYY-MM'),"
                " sum(activity_count), sum(total_minutes)"
                " FROM dashboard_activity_time_series() GROUP BY 1, 2, 3"
            )
        }
    expected = {
        (r["chapter"], r["activity_type"], r["month"]): (
            int(r["activities"]),
            int(r["total_minutes"]),
        )
        for r in reference.rows("expected_monthly.csv")
    }
    assert got == expected


def test_peer_mentor_stats_match_expected_totals(db, loaded):
    mentor, chapter = named(loaded, "mentor"), named(loaded, "chapter")
    with db.connect() as conn:
        got = {
            (mentor[m], chapter[c]): (int(n), int(minutes))
            for m, c, n, minutes in conn.execute(
                "SELECT peer_mentor_id, chapter_id, activity_count, total_minutes"
                " FROM dashboard_peer_mentor_stats()"
            )
        }
    expected = {
        (r["peer_mentor"], r["chapter"]): (int(r["activities"]), int(r["total_minutes"]))
        for r in reference.rows("expected_peer_mentors.csv")
    }
    assert got == expected


def test_export_matches_expected_totals(db, loaded):
    chapter, kind = named(loaded, "chapter"), named(loaded, "type")
    with db.connect() as conn:
        got = {
            (chapter[c], kind[t]): (int(n), int(mentors), int(minutes))
            for c, t, n, mentors, minutes in conn.execute("SELECT * FROM bufdir_export(%s, %s)", Q1)
        }
    expected = {
        (r["chapter"], r["activity_type"]): (
            int(r["activities"]),
            int(r["peer_mentors"]),
            int(r["total_minutes"]),
        )
        for r in reference.rows("expected_export_2026q1.csv")
    }
    assert got == expected


def test_export_by_month_equals_the_dashboard_by_month(db, loaded):
    with db.connect() as conn:
        for month in (
            dt.date(2025, 12, 1),
            dt.date(2026, 1, 1),
            dt.date(2026, 2, 1),
            dt.date(2026, 3, 1),
            dt.date(2026, 4, 1),
        ):
            end = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            export = {
                (c, t): (n, m)
                for c, t, n, _, m in conn.execute(
                    "SELECT * FROM bufdir_export(%s, %s)", [month, end]
                )
            }
            dashboard = {
                (c, t): (n, m)
                for c, t, n, m in conn.execute(
                    "SELECT chapter_id, activity_type_id, sum(activity_count), sum(total_minutes)"
                    " FROM dashboard_activity_time_series(%s, %s) GROUP BY 1, 2",
                    [month, end],
                )
            }
            assert export == dashboard, month


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_views_and_export_do_not_depend_on_the_session_time_zone(db, loaded, zone):
    with db.connect() as conn:
        reference_rows = conn.execute("SELECT * FROM dashboard_activity_time_series()").fetchall()
        conn.execute("SELECT set_config('TimeZone', %s, false)", [zone])
        conn.execute("SELECT activity_stats.refresh_stats(true)")
        assert (
            conn.execute("SELECT * FROM dashboard_activity_time_series()").fetchall()
            == reference_rows
        )
        assert len(conn.execute("SELECT * FROM bufdir_export(%s, %s)", Q1).fetchall()) == 6


def test_export_refuses_a_reversed_period(db):
    with db.connect() as conn, pytest.raises(psycopg.errors.InvalidParameterValue) as error:
        conn.execute("SELECT * FROM bufdir_export('2026-03-31', '2026-01-01')")
    assert "period_end 2026-01-01 is before period_start 2026-03-31" in str(error.value)


def test_time_series_refuses_a_reversed_range_as_the_export_does(db):
    with db.connect() as conn, pytest.raises(psycopg.errors.InvalidParameterValue) as error:
        conn.execute("SELECT * FROM dashboard_activity_time_series('2026-03-31', '2026-01-01')")
    assert "to_day 2026-01-01 is before from_day 2026-03-31" in str(error.value)


@pytest.mark.parametrize("period", [(None, "2026-03-31"), ("2026-01-01", None)])
def test_export_refuses_an_open_ended_period(db, period):
    with db.connect() as conn, pytest.raises(psycopg.errors.NullValueNotAllowed) as error:
        conn.execute("SELECT * FROM bufdir_export(%s::date, %s::date)", period)
    assert "needs both period_start and period_end" in str(error.value)


def test_export_is_scoped_like_the_dashboard(db, loaded):
    import uuid

    coordinator = uuid.uuid4()
    with db.connect() as conn:
        add_coordinator(conn, coordinator, [loaded["chapter"]["Bergen"]])
        with as_api_user(conn, names.AUTHENTICATED_ROLE, coordinator):
            mine = {r[0] for r in conn.execute("SELECT chapter_id FROM bufdir_export(%s, %s)", Q1)}
        with as_api_user(conn, names.SERVICE_ROLE):
            every = {r[0] for r in conn.execute("SELECT chapter_id FROM bufdir_export(%s, %s)", Q1)}
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with as_api_user(conn, names.ANON_ROLE):
                conn.execute("SELECT * FROM bufdir_export(%s, %s)", Q1)
    assert mine == {loaded["chapter"]["Bergen"]}
    assert every == set(loaded["chapter"].values())
