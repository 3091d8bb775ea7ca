"""The hand-written revision (the optional pg_cron jobs) runs exactly what the packaged SQL
renders to, so ``src/activity_stats_schema/sql/cron_*.sql`` stay its one source. What the jobs
do where pg_cron is (these servers have none) is proved by ``nox -s sqlcheck``, on Debian's
PostgreSQL 15 with pg_cron."""

from activity_stats_schema import names
from activity_stats_schema.schema import cron
from activity_stats_schema.testing.golden import golden_sql

REVISION = "v0_1_0_pg_cron"


def test_the_cron_revision_schedules_both_jobs_as_the_packaged_sql_renders_them():
    sql = golden_sql(REVISION)
    upgrade = sql["upgrade"]
    assert cron.schedule_refresh_job() in upgrade
    assert cron.schedule_history_job() in upgrade
    assert upgrade.index(cron.schedule_refresh_job()) < upgrade.index(cron.schedule_history_job())


def test_the_cron_revision_unschedules_both_jobs_history_job_first():
    downgrade = golden_sql(REVISION)["downgrade"]
    history, refresh = cron.unschedule(names.CRON_HISTORY_JOB), cron.unschedule(names.CRON_JOB)
    assert history in downgrade and refresh in downgrade
    assert downgrade.index(history) < downgrade.index(refresh)
