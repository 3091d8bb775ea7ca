"""The optional pg_cron jobs, for projects that cannot run the refresher process.

Whether a job is installed depends on whether pg_cron is present when the migration runs,
which autogenerate cannot express: this is the hand-written revision (``v0_1_0_pg_cron``). It
schedules the trailing edge (``refresh_pending()``) and the job that keeps that one's run history
(``cron.job_run_details``) from growing for ever. Their SQL is rendered here from the packaged
files, and a test holds each revision to that rendering, so the files stay the one source.
"""

from psycopg import sql

from activity_stats_schema.schema.functions import CALL_REFRESH_PENDING
from activity_stats_schema.sqlfiles import render


def history_command() -> str:
    """What the history job runs: delete the trailing-edge job's runs older than the kept
    history (and nothing of any other job)."""
    return render("cron_history_command.sql")


def schedule_refresh_job() -> str:
    """The trailing-edge job, if pg_cron is installed."""
    command = CALL_REFRESH_PENDING.as_string(None)
    return render("cron_schedule.sql", command=sql.Literal(command))


def schedule_history_job() -> str:
    """The history job, if pg_cron is installed."""
    return render("cron_history_schedule.sql", command=sql.Literal(history_command()))


def unschedule(job: str) -> str:
    """A job's removal (the downgrades), a no-op where pg_cron is not installed."""
    return render("cron_unschedule.sql", job=sql.Literal(job))
