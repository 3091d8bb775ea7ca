"""pg_cron job history kept to a day

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24

Written by hand, like 0007 and for the same reason: whether the job is installed depends on
whether pg_cron is present when the migration runs. pg_cron keeps every run of a job in
cron.job_run_details and never deletes one; 0007's job (every 5 seconds) would add 17,280 rows a
day. This job deletes that job's runs older than a day, every hour. The SQL is
src/activity_stats_schema/sql/cron_history_schedule.sql (upgrade) and cron_unschedule.sql
(downgrade) as rendered on this date (activity_stats_schema.cron; tests/test_cron_revisions.py
holds this file to it); both are safe to run again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "-- pg_cron records every run of a job in cron.job_run_details and never deletes one: the\n"
            "-- trailing-edge job (every 5 seconds) would add 17,280 rows a day for ever. This second job\n"
            "-- deletes that job's runs older than the kept history, every hour; other jobs' history is left\n"
            "-- alone. Installed only where the pg_cron extension is, like the job it tidies after.\n"
            "-- Enabled pg_cron later? Run migrations/sql/0007.upgrade.sql, then this statement\n"
            "-- (migrations/sql/0016.upgrade.sql), as the role that migrates: cron.schedule replaces the job\n"
            "-- of the same name and role, so both are safe to repeat (another role would add a second job).\n"
            "DO $cron$\n"
            "BEGIN\n"
            "    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN\n"
            "        RAISE NOTICE 'pg_cron is not installed: no job history to keep';\n"
            "        RETURN;\n"
            "    END IF;\n"
            "    PERFORM cron.schedule('activity-stats-refresh-pending-history', '23 * * * *', 'DELETE FROM cron.job_run_details AS d\n"
            " USING cron.job AS j\n"
            " WHERE j.jobid = d.jobid\n"
            "   AND j.jobname = ''activity-stats-refresh-pending''\n"
            "   AND COALESCE(d.end_time, d.start_time) < pg_catalog.now() - ''1 day''::interval');\n"
            "END\n"
            "$cron$\n"
        )
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "DO $cron$\n"
            "BEGIN\n"
            "    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN\n"
            "        PERFORM cron.unschedule(jobid) FROM cron.job WHERE jobname = 'activity-stats-refresh-pending-history';\n"
            "    END IF;\n"
            "END\n"
            "$cron$\n"
        )
    )
