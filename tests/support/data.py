"""Test data and readers for the refresh log and the views."""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from activity_stats_schema import names
from activity_stats_schema.schema.functions import CALL_REFRESH_PENDING

PRIVATE = names.PRIVATE_SCHEMA
LOG = sql.Identifier(PRIVATE, names.REFRESH_LOG)
OSLO = dt.timezone(dt.timedelta(hours=1))  # Oslo in winter (CET)
#: The test template's history boundary and recent_minimum: the boundary stands before every
#: fixed date the tests write, and is not due to move (see tests/pg_plugin.py).
TEST_BOUNDARY = dt.datetime(2000, 1, 3, tzinfo=OSLO)  # a Monday, as the boundary's moves leave it
TEST_RECENT_MINIMUM = dt.timedelta(days=36525)


@dataclass
class Seed:
    chapters: dict[str, int]
    counting_type: int
    other_type: int
    not_counting_type: int
    mentors: dict[str, int]  # chapter name -> a mentor of that chapter
    mentor_users: dict[str, uuid.UUID]


def seed(conn: psycopg.Connection) -> Seed:
    """Three chapters (A, B, C), a mentor in each, two counting types and one that does not."""
    chapters = {}
    mentors = {}
    users = {}
    with conn.transaction():
        for name in ("A", "B", "C"):
            row = conn.execute(
                "INSERT INTO chapters (name) VALUES (%s) RETURNING id", [f"Chapter {name}"]
            ).fetchone()
            assert row
            chapters[name] = row[0]
            users[name] = uuid.uuid4()
            row = conn.execute(
                "INSERT INTO peer_mentors (chapter_id, user_id, display_name)"
                " VALUES (%s, %s, %s) RETURNING id",
                [chapters[name], users[name], f"Mentor {name}"],
            ).fetchone()
            assert row
            mentors[name] = row[0]
        types = {}
        for name, counts in (("visit", True), ("phone call", True), ("internal meeting", False)):
            row = conn.execute(
                "INSERT INTO activity_types (name, counts_for_bufdir) VALUES (%s, %s) RETURNING id",
                [name, counts],
            ).fetchone()
            assert row
            types[name] = row[0]
    return Seed(
        chapters, types["visit"], types["phone call"], types["internal meeting"], mentors, users
    )


def insert_activities(
    conn: psycopg.Connection,
    seed: Seed,
    count: int = 1,
    chapter: str = "A",
    occurred_at: dt.datetime | None = None,
    minutes: int = 30,
    activity_type: int | None = None,
) -> None:
    """``count`` distinct activities (one minute apart, so none collapse as duplicates)."""
    start = occurred_at or dt.datetime(2026, 3, 2, 10, 0, tzinfo=OSLO)
    conn.execute(
        """
        INSERT INTO activities
            (peer_mentor_id, chapter_id, activity_type_id, occurred_at, duration_minutes,
             registered_by)
        SELECT %(mentor)s, %(chapter)s, %(type)s, %(start)s + g * interval '1 minute',
               %(minutes)s, %(user)s
        FROM generate_series(0, %(count)s - 1) AS g
        """,
        {
            "mentor": seed.mentors[chapter],
            "chapter": seed.chapters[chapter],
            "type": activity_type or seed.counting_type,
            "start": start,
            "minutes": minutes,
            "user": seed.mentor_users[chapter],
            "count": count,
        },
    )


def refresh_log(conn: psycopg.Connection) -> dict[str, Any]:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(sql.SQL("SELECT * FROM {}").format(LOG)).fetchone()
    assert row is not None
    return row


def set_log(conn: psycopg.Connection, **values: Any) -> None:
    """UPDATE the log row's columns (debounce_interval, last_attempt_at …)."""
    assignments = sql.SQL(", ").join(
        sql.SQL("{} = {}").format(sql.Identifier(k), sql.Placeholder(k)) for k in values
    )
    with conn.transaction():
        conn.execute(sql.SQL("UPDATE {} SET {}").format(LOG, assignments), values)


def hold_view_lock(conn: psycopg.Connection, view: str = names.MV_PEER_MENTOR_STATS_RECENT) -> None:
    """Inside the caller's open transaction, refresh ``view`` by hand: the transaction then
    holds the lock every other refresh of that view must wait for (LOCK TABLE does not take
    materialized views)."""
    conn.execute(
        sql.SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY {}").format(
            sql.Identifier(names.PRIVATE_SCHEMA, view)
        )
    )


def make_due(conn: psycopg.Connection) -> None:
    """Let the next commit refresh: the last attempt is far older than any interval."""
    set_log(conn, last_attempt_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))


def _tiers(views: Sequence[str]) -> sql.Composable:
    """The rows of every tier of a statistic, one after the other."""
    return sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT * FROM {}").format(sql.Identifier(PRIVATE, view)) for view in views
    )


def view_total(conn: psycopg.Connection, views: Sequence[str]) -> int:
    """Sum of activity_count over the tiers of a statistic (``names.*_TIERS``)."""
    row = conn.execute(
        sql.SQL("SELECT coalesce(sum(activity_count), 0) FROM ({}) AS t").format(_tiers(views))
    ).fetchone()
    assert row is not None
    return int(row[0])


def view_rows(conn: psycopg.Connection, views: Sequence[str]) -> list[tuple[Any, ...]]:
    """The rows of every tier, ordered (the time series' tiers never share a day)."""
    return conn.execute(
        sql.SQL("SELECT * FROM ({}) AS t ORDER BY 1, 2, 3").format(_tiers(views))
    ).fetchall()


def countable_total(conn: psycopg.Connection) -> int:
    row = conn.execute(
        sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier(PRIVATE, names.COUNTABLE_ACTIVITIES)
        )
    ).fetchone()
    assert row is not None
    return int(row[0])


def leave_cleared_markers(conn: psycopg.Connection, count: int) -> None:
    """``count`` markers added and cleared, as refreshes clear them (the log's cleared id moved
    past them): deleted rows that wait for VACUUM, which the commit's marker probe must not read."""
    markers = sql.Identifier(PRIVATE, names.PENDING_CHANGES)
    with conn.transaction():
        row = conn.execute(
            sql.SQL(
                "WITH added AS (INSERT INTO {} SELECT FROM generate_series(1, %s) RETURNING id)"
                " SELECT max(id) FROM added"
            ).format(markers),
            [count],
        ).fetchone()
        assert row is not None
        conn.execute(sql.SQL("DELETE FROM {} WHERE id <= %s").format(markers), [row[0]])
    set_log(conn, pending_cleared_through=row[0])


def pending(conn: psycopg.Connection) -> int:
    """Changes marked as not yet seen by a refresh."""
    row = conn.execute(
        sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(PRIVATE, names.PENDING_CHANGES))
    ).fetchone()
    assert row is not None
    return int(row[0])


def refresh_pending(conn: psycopg.Connection) -> str:
    """The trailing edge's call, as the refresher makes it; returns what it did."""
    row = conn.execute(CALL_REFRESH_PENDING).fetchone()
    assert row is not None
    return str(row[0])
