"""The two hand-written revisions (the optional pg_cron jobs) run exactly what the packaged SQL
renders to, so ``src/activity_stats_schema/sql/cron_*.sql`` stay their one source. What the jobs
do where pg_cron is (these servers have none) is proved by ``nox -s sqlcheck``, on Debian's
PostgreSQL 15 with pg_cron."""

import pytest

from activity_stats_schema import cron, names
from activity_stats_schema.migrate import golden_sql

REVISIONS = {
    "0007": (cron.schedule_refresh_job, names.CRON_JOB),
    "0016": (cron.schedule_history_job, names.CRON_HISTORY_JOB),
}


@pytest.mark.parametrize("revision", sorted(REVISIONS))
def test_a_cron_revision_runs_the_packaged_sql_as_rendered(revision):
    schedule, job = REVISIONS[revision]
    sql = golden_sql(revision)
    assert schedule() in sql["upgrade"]
    assert cron.unschedule(job) in sql["downgrade"]
