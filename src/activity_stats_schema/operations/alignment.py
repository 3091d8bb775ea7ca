"""Do the dashboard and the Bufdir export count alike?

Compares, per chapter, activity type and Europe/Oslo month, the dashboard's totals (what
``dashboard_activity_time_series`` returns: both materialized tiers, or the live views) with
``bufdir_export`` run for that month, and per chapter the peer-mentor statistics' totals
(``dashboard_peer_mentor_stats``) with the export over the whole span. Both sides read the same
counting definition, so any difference means a view or the export restates the rules (or a view
is stale, which ``refresh=True`` rules out first).
"""

import datetime as dt
from dataclasses import dataclass

import psycopg
from psycopg import sql

from activity_stats_schema import names
from activity_stats_schema.schema.functions import FORCE_REFRESH

PRIVATE = names.PRIVATE_SCHEMA
#: What the dashboard reads, as the connecting role (the owner and service_role see every chapter).
DASHBOARD_SERIES = sql.Identifier(names.PUBLIC_SCHEMA, names.DASHBOARD_ACTIVITY_TIME_SERIES)
DASHBOARD_STATS = sql.Identifier(names.PUBLIC_SCHEMA, names.DASHBOARD_PEER_MENTOR_STATS)


@dataclass(frozen=True)
class Difference:
    chapter: str
    activity_type: str
    period: str
    dashboard: tuple[int, int]  # (activities, minutes)
    export: tuple[int, int]


def _months(conn: psycopg.Connection) -> list[dt.date]:
    """First days of every reporting month from the first to the last activity."""
    row = conn.execute(
        sql.SQL(
            "SELECT min(date_trunc('month', occurred_at AT TIME ZONE {tz}))::date,"
            " max(date_trunc('month', occurred_at AT TIME ZONE {tz}))::date FROM {activities}"
        ).format(
            tz=sql.Literal(names.REPORTING_TIME_ZONE),
            activities=sql.Identifier(names.PUBLIC_SCHEMA, names.ACTIVITIES),
        )
    ).fetchone()
    if row is None or row[0] is None:
        return []
    first, last = row
    months = []
    while first <= last:
        months.append(first)
        first = (first + dt.timedelta(days=32)).replace(day=1)
    return months


def _month_end(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _labels(conn: psycopg.Connection, table: str) -> dict[int, str]:
    query = sql.SQL("SELECT id, name FROM {}").format(sql.Identifier(names.PUBLIC_SCHEMA, table))
    return {row[0]: row[1] for row in conn.execute(query)}


def compare(conn: psycopg.Connection, refresh: bool = True) -> list[Difference]:
    """Every difference between the dashboard and the export, in a stable order."""
    if refresh:
        conn.execute(FORCE_REFRESH)
    chapters = _labels(conn, names.CHAPTERS)
    types = _labels(conn, names.ACTIVITY_TYPES)
    export_fn = sql.Identifier(names.PUBLIC_SCHEMA, names.BUFDIR_EXPORT)

    dashboard: dict[tuple[int, int, str], tuple[int, int]] = {}
    for chapter, kind, month, count, minutes in conn.execute(
        sql.SQL(
            "SELECT chapter_id, activity_type_id, to_char(day, 'YYYY-MM'),"
            " sum(activity_count), sum(total_minutes) FROM {}() GROUP BY 1, 2, 3"
        ).format(DASHBOARD_SERIES)
    ):
        dashboard[(chapter, kind, month)] = (int(count), int(minutes))

    export: dict[tuple[int, int, str], tuple[int, int]] = {}
    months = _months(conn)
    for month in months:
        for chapter, kind, count, _mentors, minutes in conn.execute(
            sql.SQL("SELECT * FROM {}(%s, %s)").format(export_fn), [month, _month_end(month)]
        ):
            export[(chapter, kind, f"{month:%Y-%m}")] = (int(count), int(minutes))

    differences = [
        Difference(
            chapters.get(key[0], str(key[0])),
            types.get(key[1], str(key[1])),
            key[2],
            dashboard.get(key, (0, 0)),
            export.get(key, (0, 0)),
        )
        for key in sorted(dashboard.keys() | export.keys())
        if dashboard.get(key, (0, 0)) != export.get(key, (0, 0))
    ]

    # Per chapter, all time: the peer-mentor view against the export over the whole span.
    if months:
        whole = f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}"
        mentor_totals = {
            row[0]: (int(row[1]), int(row[2]))
            for row in conn.execute(
                sql.SQL(
                    "SELECT chapter_id, sum(activity_count), sum(total_minutes) FROM {}()"
                    " GROUP BY 1"
                ).format(DASHBOARD_STATS)
            )
        }
        export_totals: dict[int, tuple[int, int]] = {}
        for chapter, _kind, count, _mentors, minutes in conn.execute(
            sql.SQL("SELECT * FROM {}(%s, %s)").format(export_fn),
            [months[0], _month_end(months[-1])],
        ):
            before = export_totals.get(chapter, (0, 0))
            export_totals[chapter] = (before[0] + int(count), before[1] + int(minutes))
        for chapter in sorted(mentor_totals.keys() | export_totals.keys()):
            ours, theirs = mentor_totals.get(chapter, (0, 0)), export_totals.get(chapter, (0, 0))
            if ours != theirs:
                differences.append(
                    Difference(
                        chapters.get(chapter, str(chapter)),
                        "(all types, per mentor view)",
                        whole,
                        ours,
                        theirs,
                    )
                )
    return differences


def report(differences: list[Difference]) -> str:
    """A readable table of the differences (or a one-line all-clear)."""
    if not differences:
        return "dashboard and Bufdir export agree: no differences"
    header = (
        "chapter",
        "activity type",
        "period",
        "dashboard n",
        "export n",
        "dashboard min",
        "export min",
    )
    rows = [
        (
            d.chapter,
            d.activity_type,
            d.period,
            str(d.dashboard[0]),
            str(d.export[0]),
            str(d.dashboard[1]),
            str(d.export[1]),
        )
        for d in differences
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(f"{len(differences)} difference(s) between the dashboard and the Bufdir export")
    return "\n".join(lines)
