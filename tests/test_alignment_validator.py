"""``activity-stats-schema validate-alignment``: passes on agreeing sides, names every
difference (and exits non-zero) when one side is altered."""

import re

import pytest

from activity_stats_schema.operations.cli import FAILED, FOUND, OK, main
from tests.support import reference

DIVERGENT_EXPORT = """
CREATE OR REPLACE FUNCTION public.bufdir_export(period_start date, period_end date)
 RETURNS TABLE(chapter_id bigint, activity_type_id bigint, activities bigint,
               peer_mentors bigint, total_minutes bigint)
 LANGUAGE sql STABLE SECURITY DEFINER SET search_path TO 'pg_catalog', 'pg_temp'
AS $$
    -- restates the rules, wrongly: duplicates are not collapsed
    SELECT a.chapter_id, a.activity_type_id, count(*), count(DISTINCT a.peer_mentor_id),
           sum(a.duration_minutes)
    FROM public.activities a JOIN public.activity_types t ON t.id = a.activity_type_id
    WHERE t.counts_for_bufdir
      AND (a.occurred_at AT TIME ZONE 'Europe/Oslo')::date BETWEEN period_start AND period_end
    GROUP BY 1, 2
$$
"""


@pytest.fixture
def loaded(db):
    with db.connect() as conn:
        reference.load(conn)
    return db


def test_validator_passes_on_the_reference_dataset(loaded, capsys):
    assert main(["--database-url", loaded.url, "validate-alignment"]) == OK
    assert "agree: no differences" in capsys.readouterr().out


def test_validator_names_each_difference_when_the_export_restates_the_rules(loaded, capsys):
    with loaded.connect() as conn:
        conn.execute(DIVERGENT_EXPORT)
    assert main(["--database-url", loaded.url, "validate-alignment"]) == FOUND
    out = capsys.readouterr().out
    # D1 (oslo-1's proxy copies), D2 (oslo-2's calls), D6/D7 (bergen-2): all counted again.
    # chapter, type, month, dashboard n, export n, dashboard minutes, export minutes
    assert re.search(r"^Oslo\s+visit\s+2026-01\s+17\s+22\s+1005\s+1380\s*$", out, re.M), out
    assert re.search(r"^Bergen\s+visit\s+2026-01\s+18\s+21\s+1060\s+1260\s*$", out, re.M), out
    assert re.search(r"^Oslo\s+phone\s+2026-01\s+6\s+8\s+130\s+170\s*$", out, re.M), out
    assert "difference(s) between the dashboard and the Bufdir export" in out


def test_validator_reports_stale_views_unless_it_refreshes(loaded, capsys):
    with loaded.connect() as conn:
        conn.execute("SELECT activity_stats.refresh_stats(true)")
        conn.execute("ALTER TABLE activities DISABLE TRIGGER activities_refresh_stats")
        conn.execute("DELETE FROM activities WHERE id = (SELECT min(id) FROM activities)")
    assert main(["--database-url", loaded.url, "validate-alignment", "--no-refresh"]) == FOUND
    assert "Oslo" in capsys.readouterr().out
    assert main(["--database-url", loaded.url, "validate-alignment"]) == OK


def test_validator_says_when_the_database_is_not_migrated(empty_db, capsys):
    assert main(["--database-url", empty_db.url, "validate-alignment"]) == FAILED
    assert "not migrated" in capsys.readouterr().err
