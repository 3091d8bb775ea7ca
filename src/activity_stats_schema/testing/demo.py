"""The main job, end to end, on an embedded throwaway PostgreSQL (``nox -s demo``).

Applies the migrations as a role that is not a superuser (as Supabase's ``postgres`` is), inserts
a single activity, a rapid second one and a 100-row proxy bulk, shows what the deferred refresh
did (refresh log, what the dashboard reads, commit timings), points at the SQL a reviewer reads,
downgrades to base, confirms nothing is left, and stops the server.
"""

import argparse
import datetime as dt
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from activity_stats_schema import names
from activity_stats_schema.operations.cli import main as cli
from activity_stats_schema.operations.migrate import downgrade, revisions, upgrade
from activity_stats_schema.testing import emulation
from activity_stats_schema.testing.embedded import embedded_server
from activity_stats_schema.testing.golden import GOLDEN_DIR

#: Short for the demo so the bulk insert lands after the window; the shipped default is 10 s.
DEMO_DEBOUNCE = dt.timedelta(seconds=2)
LOG = sql.Identifier(names.PRIVATE_SCHEMA, names.REFRESH_LOG)
SERVICE_ROLE = sql.Identifier(names.SERVICE_ROLE)
DASHBOARD_STATS = sql.Identifier(names.PUBLIC_SCHEMA, names.DASHBOARD_PEER_MENTOR_STATS)
DASHBOARD_SERIES = sql.Identifier(names.PUBLIC_SCHEMA, names.DASHBOARD_ACTIVITY_TIME_SERIES)


def cell(value: object) -> str:
    """A value as a person reads it: times to the second, durations in seconds."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, dt.timedelta):
        return f"{value.total_seconds():.3f} s"
    return str(value)


def print_table(rows: Sequence[Mapping[str, object]]) -> None:
    """Rows as an aligned table, one column per key, numbers right-aligned."""
    if not rows:
        print("  (no rows)")
        return
    columns = list(rows[0])
    cells = [[cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row[c], int | float) for row in rows) for c in columns]

    def line(values: Sequence[str]) -> str:
        return (
            "  "
            + "  ".join(
                v.rjust(w) if n else v.ljust(w)
                for v, w, n in zip(values, widths, numeric, strict=True)
            ).rstrip()
        )

    print(line(columns))
    print("  " + "  ".join("-" * w for w in widths))
    for values in cells:
        print(line(values))


def query(conn: psycopg.Connection, statement: sql.Composed) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(statement).fetchall()


def heading(text: str) -> None:
    print(f"\n== {text} " + "=" * max(0, 74 - len(text)))


@contextmanager
def timed(label: str, timings: dict[str, float]) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[label] = (time.perf_counter() - start) * 1000


def log_row(conn: psycopg.Connection) -> dict[str, object]:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(
            sql.SQL(
                "SELECT refresh_count, failure_count, last_refreshed_at, last_attempt_at,"
                " last_duration, debounce_interval, last_error FROM {}"
            ).format(LOG)
        ).fetchone()
    assert row is not None
    return row


#: Each statistic by the name the demo shows, with its two materialized tiers.
STATISTICS = {
    "peer-mentor stats": names.PEER_MENTOR_STATS_TIERS,
    "time series": names.ACTIVITY_TIME_SERIES_TIERS,
}


def view_counts(conn: psycopg.Connection) -> dict[str, int]:
    """How many activities each statistic counts, both tiers together."""
    counts = {}
    for label, tiers in STATISTICS.items():
        both = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT activity_count FROM {}").format(
                sql.Identifier(names.PRIVATE_SCHEMA, tier)
            )
            for tier in tiers
        )
        row = conn.execute(
            sql.SQL("SELECT coalesce(sum(activity_count), 0) FROM ({}) AS t").format(both)
        ).fetchone()
        counts[label] = int(row[0]) if row else 0
    return counts


def state_row(conn: psycopg.Connection, step: str, commit_ms: float) -> dict[str, object]:
    """What one write left: its COMMIT's time (the refresh inside it included), the refresh
    log's counts, and how many activities each view counts."""
    log = log_row(conn)
    row = conn.execute("SELECT count(*) FROM activities").fetchone()
    return {
        "write": step,
        "commit ms": round(commit_ms, 1),
        "activities": row[0] if row else 0,
        "refreshes": log["refresh_count"],
        "failures": log["failure_count"],
        **{f"in {view}": count for view, count in view_counts(conn).items()},
    }


def insert(conn: psycopg.Connection, ids: dict[str, object], count: int, offset: int) -> None:
    conn.execute(
        """
        INSERT INTO activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at,
                                duration_minutes, registered_by)
        SELECT %(mentor)s, %(chapter)s, %(type)s,
               %(start)s + (g + %(offset)s) * interval '1 hour', 45, %(registered_by)s
        FROM generate_series(0, %(count)s - 1) AS g
        """,
        {**ids, "count": count, "offset": offset},
    )


#: The reviewed SQL of the baseline, and the statement shown from it.
BASELINE_SQL = GOLDEN_DIR / f"{revisions()[0]}.upgrade.sql"
EXCERPT_START = f'CREATE OR REPLACE FUNCTION "{names.PUBLIC_SCHEMA}"."{names.BUFDIR_EXPORT}"'


def show_reviewed_sql() -> None:
    """Where the SQL a reviewer reads is, and one statement of it: the funder's export as the
    API exposes it (``activity-stats-schema sql`` prints all of it)."""
    heading("the SQL a reviewer reads (golden files, one per revision and direction)")
    for path in sorted(GOLDEN_DIR.glob("*.sql")):
        lines = path.read_text().count("\n")
        print(f"  {path.relative_to(GOLDEN_DIR.parent.parent.parent.parent)}  ({lines} lines)")
    text = BASELINE_SQL.read_text()
    excerpt = text[text.index(EXCERPT_START) :].split(";\n", 1)[0]
    print(f"\n  excerpt of {BASELINE_SQL.name}:\n")
    for line in excerpt.splitlines():
        print(f"    {line}")


def run(print_sql: bool = True) -> None:
    timings: dict[str, float] = {}
    with embedded_server() as server:
        heading(f"embedded PostgreSQL {server.server_version()} on port {server.port}")
        dbname = "activity_stats_demo"
        # As on Supabase, a role that is not a superuser migrates and owns the schema; Supabase's
        # roles, auth.uid() and default privileges are set up here, not by the migrations.
        url = emulation.create_project_database(server, dbname)
        print(f"migrating and writing as {names.PROJECT_OWNER}, not a superuser, as on Supabase")
        with psycopg.connect(url, autocommit=True) as conn:
            with timed("upgrade head", timings):
                upgrade(url)
            print(f"migrations applied in {timings['upgrade head']:.0f} ms")

            heading("seed: a chapter, a peer mentor, a coordinator registering by proxy")
            coordinator = uuid.uuid4()
            with conn.transaction():
                chapter = conn.execute(
                    "INSERT INTO chapters (name) VALUES ('Oslo') RETURNING id"
                ).fetchone()
                assert chapter is not None
                mentor = conn.execute(
                    "INSERT INTO peer_mentors (chapter_id, user_id, display_name)"
                    " VALUES (%s, %s, 'Kari') RETURNING id",
                    [chapter[0], uuid.uuid4()],
                ).fetchone()
                kind = conn.execute(
                    "INSERT INTO activity_types (name) VALUES ('home visit') RETURNING id"
                ).fetchone()
                conn.execute(
                    sql.SQL("UPDATE {} SET debounce_interval = %s").format(LOG), [DEMO_DEBOUNCE]
                )
            assert chapter and mentor and kind
            ids = {
                "mentor": mentor[0],
                "chapter": chapter[0],
                "type": kind[0],
                "start": dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC),
                "registered_by": coordinator,
            }
            print(
                f"debounce interval set to {DEMO_DEBOUNCE.total_seconds():.0f} s for the demo"
                f" (default {names.DEFAULT_DEBOUNCE_INTERVAL})"
            )

            heading("writes (the refresh runs inside COMMIT, debounced)")
            with timed("single insert", timings), conn.transaction():
                insert(conn, ids, 1, 0)
            writes = [state_row(conn, "1. single activity", timings["single insert"])]
            with timed("rapid second insert", timings), conn.transaction():
                insert(conn, ids, 1, 1)
            writes.append(
                state_row(conn, "2. rapid second (in window)", timings["rapid second insert"])
            )

            # Let the debounce window pass (a demo shows real time; tests never sleep).
            log = log_row(conn)
            window_end = log["last_attempt_at"] + DEMO_DEBOUNCE  # type: ignore[operator]
            now = conn.execute("SELECT clock_timestamp()").fetchone()[0]  # type: ignore[index]
            remaining = max(0.0, (window_end - now).total_seconds()) + 0.05
            print(f"   ... waiting {remaining:.2f} s for the debounce window to pass")
            time.sleep(remaining)

            with timed("100-row proxy bulk", timings), conn.transaction():
                insert(conn, ids, 100, 2)
            writes.append(state_row(conn, "3. 100-row proxy bulk", timings["100-row proxy bulk"]))
            print_table(writes)

            heading("refresh log")
            print_table([{"column": k, "value": cell(v)} for k, v in log_row(conn).items()])

            heading("what the dashboard reads: dashboard_peer_mentor_stats() as service_role")
            with conn.transaction():
                conn.execute(
                    sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(names.SERVICE_ROLE))
                )
                print_table(query(conn, sql.SQL("SELECT * FROM {}()").format(DASHBOARD_STATS)))
                heading("dashboard_activity_time_series() (Europe/Oslo days, first 5)")
                print_table(
                    query(conn, sql.SQL("SELECT * FROM {}() LIMIT 5").format(DASHBOARD_SERIES))
                )

        heading("$ activity-stats-schema status")
        cli(["status", "--database-url", url])
        heading("$ activity-stats-schema check")
        cli(["check", "--database-url", url])

        if print_sql:
            show_reviewed_sql()

        heading("downgrade to base")
        with timed("downgrade base", timings):
            downgrade(url, "base")
        with psycopg.connect(url, autocommit=True) as conn:
            left = conn.execute(
                """
                SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = %s OR (n.nspname = %s AND c.relname = ANY(%s))
                """,
                [
                    names.PRIVATE_SCHEMA,
                    names.PUBLIC_SCHEMA,
                    [names.CHAPTERS, names.PEER_MENTORS, names.ACTIVITY_TYPES, names.ACTIVITIES],
                ],
            ).fetchone()
            schema = conn.execute("SELECT to_regnamespace(%s)", [names.PRIVATE_SCHEMA]).fetchone()
        assert left == (0,) and schema == (None,), "objects left after downgrade"
        print(
            f"nothing left: 0 relations, schema {names.PRIVATE_SCHEMA} gone"
            f" ({timings['downgrade base']:.0f} ms)"
        )

        heading("timings (ms)")
        for label, ms in timings.items():
            print(f"  {label:<22} {ms:8.1f}")
    print("\nserver stopped; its data folder is removed.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-sql", action="store_true", help="do not print the upgrade SQL")
    args = parser.parse_args()
    run(print_sql=not args.no_sql)


if __name__ == "__main__":
    main()
