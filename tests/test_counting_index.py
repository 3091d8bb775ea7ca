"""The counting rules read activities through activities_counting_order_idx: in the rules' own
order (no sort) and from the index alone (no heap), which is what keeps a refresh at 1M
activities within its budget. Fails if the view's minute expression and the index drift apart."""

import json

import pytest

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


@pytest.mark.parametrize("query", QUERIES)
def test_the_counting_rules_read_the_counting_order_index_without_sorting_activities(db, query):
    with db.connect() as conn:
        data = seed(conn)
        for chapter in ("A", "B"):
            insert_activities(conn, data, 500, chapter=chapter)
        conn.execute("VACUUM ANALYZE activities")
        with conn.transaction():
            # Judge what the index can do, not the planner's choice on a tiny table.
            conn.execute("SET LOCAL enable_seqscan = off")
            conn.execute("SET LOCAL enable_bitmapscan = off")
            conn.execute("SET LOCAL enable_sort = off")
            plan = conn.execute(f"EXPLAIN (FORMAT JSON) {query}").fetchone()[0]
        found = list(nodes((plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]))
        scans = [n for n in found if n.get("Relation Name") == "activities"]
        assert [(n["Node Type"], n["Index Name"]) for n in scans] == [
            ("Index Only Scan", "activities_counting_order_idx")
        ]
        sorts_below_dedup = [
            n
            for n in found
            if n["Node Type"] in ("Sort", "Incremental Sort")
            and any(c.get("Relation Name") == "activities" for c in nodes(n))
            and not any(c["Node Type"] in ("Aggregate", "Unique") for c in nodes(n))
        ]
        assert sorts_below_dedup == []
