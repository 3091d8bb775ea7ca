"""The design's two contingency switches, flipped in production without a release.

* The notice: the app shows users that the dashboard's numbers are indicative while a
  divergence from the Bufdir export is being fixed (``public.dashboard_notice()`` reads it).
* The single-chapter scope: every coordinator is narrowed to their primary chapter, on every
  path, while multi-chapter access is suspect; switching back restores it at once.

Both are one row (``activity_stats.contingency_switches``) that the owner or service_role
changes with an UPDATE; these functions are that UPDATE, for the command line and the
validator. A change is visible to the next statement of every session.
"""

from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from activity_stats_schema import names

SWITCHES = sql.Identifier(names.PRIVATE_SCHEMA, names.CONTINGENCY)

#: "since" is when the notice went on: setting it again with another message keeps it.
SET_NOTICE = sql.SQL(
    """
    UPDATE {} SET notice_active = true, notice_message = %(message)s,
                  notice_reason = %(reason)s,
                  notice_since = CASE WHEN notice_active THEN notice_since
                                      ELSE pg_catalog.clock_timestamp() END
    WHERE singleton
    """
).format(SWITCHES)
CLEAR_NOTICE = sql.SQL(
    "UPDATE {} SET notice_active = false, notice_message = NULL, notice_reason = NULL,"
    " notice_since = NULL WHERE singleton"
).format(SWITCHES)
SET_SCOPE = sql.SQL(
    """
    UPDATE {} SET single_chapter_scope = %(single)s,
                  single_chapter_scope_since = CASE
                      WHEN NOT %(single)s THEN NULL
                      WHEN single_chapter_scope THEN single_chapter_scope_since
                      ELSE pg_catalog.clock_timestamp() END
    WHERE singleton
    """
).format(SWITCHES)
READ = sql.SQL(
    "SELECT notice_active, notice_message, notice_since, notice_reason, single_chapter_scope,"
    " single_chapter_scope_since FROM {}"
).format(SWITCHES)


def set_notice(conn: psycopg.Connection, message: str, reason: str | None = None) -> None:
    if not message.strip():
        raise ValueError("the notice needs a message to show")
    conn.execute(SET_NOTICE, {"message": message, "reason": reason})


def clear_notice(conn: psycopg.Connection) -> None:
    conn.execute(CLEAR_NOTICE)


def set_single_chapter_scope(conn: psycopg.Connection, single: bool) -> None:
    conn.execute(SET_SCOPE, {"single": single})


def read(conn: psycopg.Connection) -> dict[str, Any]:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(READ).fetchone()
    assert row is not None, "the switches' row is kept by a trigger"
    return row
