"""The counting rules read activities through the counting index: in the rules' own order (no
sort) and from the index alone (no heap), with the time series' reporting day read from it too
(not converted per row), which is what keeps a refresh at 1M activities within its budget. Fails
if the view's minute or day expression and the index drift apart."""

import json

import psycopg
import pytest

from activity_stats_schema import names
from tests.support.data import insert_activities, seed

QUERIES = [
    "SELECT count(*), sum(duration_minutes) FROM activity_stats.countable_activities",
    "SELECT * FROM activity_stats.live_peer_mentor_stats",
    "SELECT * FROM activity_stats.live_activity_time_series",
]


def nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def plan_nodes(conn: psycopg.Connection, query: str, verbose: bool = False) -> list[dict]:
    """The plan's nodes on a small table, judging what the index can do (not the planner's
    choice at this size)."""
    data = seed(conn)
    for chapter in ("A", "B"):
        insert_activities(conn, data, 500, chapter=chapter)
    conn.execute("VACUUM ANALYZE activities")
    with conn.transaction():
        conn.execute("SET LOCAL enable_seqscan = off")
        conn.execute("SET LOCAL enable_bitmapscan = off")
        conn.execute("SET LOCAL enable_sort = off")
        options = "FORMAT JSON, VERBOSE" if verbose else "FORMAT JSON"
        plan = conn.execute(f"EXPLAIN ({options}) {query}").fetchone()[0]
    return list(nodes((plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]))


def activity_scans(found: list[dict]) -> list[dict]:
    return [n for n in found if n.get("Relation Name") == names.ACTIVITIES]


@pytest.mark.parametrize("query", QUERIES)
def test_the_counting_rules_read_the_counting_index_without_sorting_activities(db, query):
    with db.connect() as conn:
        found = plan_nodes(conn, query)
        assert [(n["Node Type"], n["Index Name"]) for n in activity_scans(found)] == [
            ("Index Only Scan", names.COUNTING_INDEX)
        ]
        sorts_below_dedup = [
            n
            for n in found
            if n["Node Type"] in ("Sort", "Incremental Sort")
            and any(c.get("Relation Name") == names.ACTIVITIES for c in nodes(n))
            and not any(c["Node Type"] in ("Aggregate", "Unique") for c in nodes(n))
        ]
        assert sorts_below_dedup == []


def test_the_time_series_reads_the_reporting_day_from_the_counting_index(db):
    """EXPLAIN VERBOSE prints a value read from an index expression column wrapped in its own
    parentheses, ``(((a.occurred_at AT TIME ZONE ...))::date)``; the same expression computed
    from occurred_at per row prints as ``((a.occurred_at AT TIME ZONE ...))::date``."""
    with db.connect() as conn:
        found = plan_nodes(conn, QUERIES[2], verbose=True)
        [scan] = activity_scans(found)
        days = [o for o in scan["Output"] if "AT TIME ZONE" in o and names.REPORTING_TIME_ZONE in o]
        assert days, scan["Output"]
        assert all(o.startswith("(") and o.endswith(")") for o in days), days
