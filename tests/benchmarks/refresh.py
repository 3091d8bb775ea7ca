"""Cost of the deferred refresh trigger for writers, as ratios measured in one run.

``nox -s bench``: on an embedded throwaway server, with the debounce window open (no refresh
runs) unless said otherwise:

* a 10,000-row insert: this library's trigger / no trigger, and a straightforward per-row
  trigger (same function, no WHEN clause) / no trigger;
* single-row insert transactions per second: trigger / no trigger;
* refreshing both views CONCURRENTLY / plain REFRESH, at the benchmark's row count.

Modes alternate run by run, so drift on the machine hits all of them alike; medians are shown.
"""

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable

import psycopg
from psycopg import sql

from activity_stats_schema import emulation, names
from activity_stats_schema.embedded import embedded_server
from activity_stats_schema.migrate import upgrade

ACTIVITIES = sql.Identifier(names.ACTIVITIES)
OURS = sql.Identifier(names.REFRESH_TRIGGER)
NAIVE = sql.Identifier("bench_per_row_refresh")
LOG = sql.Identifier(names.PRIVATE_SCHEMA, names.REFRESH_LOG)
TRIGGER_FUNCTION = sql.Identifier(names.PRIVATE_SCHEMA, names.TRIGGER_FUNCTION)

INSERT = """
INSERT INTO activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at,
                        duration_minutes)
SELECT 1, 1, 1, timestamptz '2026-01-01' + g * interval '1 minute', 30
FROM generate_series(1, %(rows)s) AS g
"""


def setup(conn: psycopg.Connection) -> None:
    conn.execute("INSERT INTO chapters (name) VALUES ('bench')")
    conn.execute("INSERT INTO peer_mentors (chapter_id, display_name) VALUES (1, 'bench')")
    conn.execute("INSERT INTO activity_types (name) VALUES ('bench')")
    # The straightforward version: the same function, fired for every row.
    conn.execute(
        sql.SQL(
            "CREATE CONSTRAINT TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {}()"
        ).format(NAIVE, ACTIVITIES, TRIGGER_FUNCTION)
    )
    open_window(conn)


def open_window(conn: psycopg.Connection) -> None:
    """Inside the debounce window: every commit's check finds a recent refresh."""
    conn.execute(
        sql.SQL(
            "UPDATE {} SET debounce_interval = '1 day', last_attempt_at = clock_timestamp()"
        ).format(LOG)
    )


def use(conn: psycopg.Connection, mode: str) -> None:
    for trigger, enabled in ((OURS, mode == "ours"), (NAIVE, mode == "per-row")):
        action = sql.SQL("ENABLE" if enabled else "DISABLE")
        conn.execute(sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(ACTIVITIES, action, trigger))


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bulk(conn: psycopg.Connection, rows: int) -> float:
    conn.execute("TRUNCATE activities")

    def run() -> None:
        with conn.transaction():
            conn.execute(INSERT, {"rows": rows})

    return timed(run)


def single_rows(conn: psycopg.Connection, count: int) -> float:
    def run() -> None:
        for _ in range(count):
            with conn.transaction():
                conn.execute(INSERT, {"rows": 1})

    return count / timed(run)


def refresh_both(conn: psycopg.Connection, concurrently: bool) -> float:
    how = sql.SQL("CONCURRENTLY " if concurrently else "")

    def run() -> None:
        for view in names.MATERIALIZED_VIEWS:
            conn.execute(
                sql.SQL("REFRESH MATERIALIZED VIEW {}{}").format(
                    how, sql.Identifier(names.PRIVATE_SCHEMA, view)
                )
            )

    return timed(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the bulk insert")
    parser.add_argument("--repeat", type=int, default=9, help="runs per mode")
    parser.add_argument("--single", type=int, default=1_000, help="single-row transactions")
    args = parser.parse_args()
    modes = ("none", "ours", "per-row")
    with embedded_server() as server:
        conn = psycopg.connect(server.url(), autocommit=True)
        emulation.bootstrap(conn)
        upgrade(server.url())
        setup(conn)
        print(
            f"PostgreSQL {server.server_version()}, {args.rows} rows per bulk insert,"
            f" {args.repeat} runs per mode, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
        )

        bulk_times: dict[str, list[float]] = {m: [] for m in modes}
        for _ in range(args.repeat):
            for mode in modes:
                use(conn, mode)
                bulk_times[mode].append(bulk(conn, args.rows))
        tps: dict[str, list[float]] = {m: [] for m in ("none", "ours")}
        conn.execute("TRUNCATE activities")
        for _ in range(3):
            for mode in tps:
                use(conn, mode)
                tps[mode].append(single_rows(conn, args.single))
        use(conn, "none")
        bulk(conn, args.rows)  # the views' size for the refresh timing
        refresh = {"concurrently": [], "plain": []}
        for _ in range(5):
            refresh["concurrently"].append(refresh_both(conn, True))
            refresh["plain"].append(refresh_both(conn, False))
        conn.close()

    med = {m: statistics.median(v) for m, v in bulk_times.items()}
    tps_med = {m: statistics.median(v) for m, v in tps.items()}
    ref = {m: statistics.median(v) for m, v in refresh.items()}
    rows = [
        (
            f"{args.rows}-row insert, trigger (window open) / none",
            med["ours"] / med["none"],
            f"{med['ours'] * 1000:.1f} / {med['none'] * 1000:.1f} ms",
        ),
        (
            f"{args.rows}-row insert, per-row trigger / none",
            med["per-row"] / med["none"],
            f"{med['per-row'] * 1000:.1f} / {med['none'] * 1000:.1f} ms",
        ),
        (
            "single-row insert TPS, trigger / none (1 client)",
            tps_med["ours"] / tps_med["none"],
            f"{tps_med['ours']:.0f} / {tps_med['none']:.0f} tx/s",
        ),
        (
            f"refresh both views at {args.rows} rows, CONCURRENTLY / plain",
            ref["concurrently"] / ref["plain"],
            f"{ref['concurrently'] * 1000:.1f} / {ref['plain'] * 1000:.1f} ms",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'ratio':>7}  medians")
    for label, ratio, detail in rows:
        print(f"{label:<{width}}  {ratio:7.3f}  {detail}")


if __name__ == "__main__":
    main()
