"""the optional pg_cron jobs of release 0.1.0

Revision ID: v0_1_0_pg_cron
Revises: v0_1_0_schema
Create Date: 2026-12-06

Written by hand: whether the jobs are installed depends on whether pg_cron is present when the
migration runs, which autogenerate cannot express. The first job runs the trailing edge
(refresh_pending()); the second keeps the first one's run history (cron.job_run_details) to a
day. The SQL is src/activity_stats_schema/sql/cron_schedule.sql, cron_history_schedule.sql and
cron_unschedule.sql as rendered (activity_stats_schema.schema.cron; tests/test_cron_revision.py
holds this file to it); every statement is safe to run again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "v0_1_0_pg_cron"
down_revision: str | Sequence[str] | None = "v0_1_0_schema"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "-- The trailing edge for projects that cannot run the refresher process: a pg_cron job calling\n"
            "-- refresh_pending(), installed only where the pg_cron extension is; every second where pg_cron\n"
            "-- schedules seconds (1.5 and later), else every minute. Enabled pg_cron later? Run this\n"
            "-- revision's upgrade again (migrations/sql/v0_1_0_pg_cron.upgrade.sql) as the role that\n"
            "-- migrates: cron.schedule replaces the job of the same name and role, so it is safe to repeat.\n"
            "DO $cron$\n"
            "DECLARE\n"
            "    v_version int[];\n"
            "BEGIN\n"
            "    SELECT pg_catalog.string_to_array(pg_catalog.split_part(extversion, '-', 1), '.')::int[]\n"
            "      INTO v_version\n"
            "      FROM pg_catalog.pg_extension WHERE extname = 'pg_cron';\n"
            "    IF v_version IS NULL THEN\n"
            "        RAISE NOTICE 'pg_cron is not installed: run `activity-stats-schema refresher` instead';\n"
            "        RETURN;\n"
            "    END IF;\n"
            "    PERFORM cron.schedule(\n"
            "        'activity-stats-refresh-pending',\n"
            "        CASE WHEN v_version >= ARRAY[1, 5] THEN '1 second' ELSE '* * * * *' END,\n"
            '        \'SELECT "activity_stats"."refresh_pending"()\');\n'
            "END\n"
            "$cron$"
        )
    )
    op.execute(
        sa.text(
            "-- pg_cron records every run of a job in cron.job_run_details and never deletes one, so the\n"
            "-- trailing-edge job, which runs every second, would grow that table for ever. This second\n"
            "-- job deletes that job's runs older than the kept history, every hour; other jobs' history is\n"
            "-- left alone. Installed only where the pg_cron extension is, like the job it tidies after.\n"
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
            "$cron$"
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
            "$cron$"
        )
    )
    op.execute(
        sa.text(
            "DO $cron$\n"
            "BEGIN\n"
            "    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN\n"
            "        PERFORM cron.unschedule(jobid) FROM cron.job WHERE jobname = 'activity-stats-refresh-pending';\n"
            "    END IF;\n"
            "END\n"
            "$cron$"
        )
    )
