"""optional pg_cron job for the trailing edge

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

Written by hand, the one revision that is: installing the job depends on whether pg_cron is
present when the migration runs, which autogenerate cannot express. The SQL is
src/activity_stats_schema/sql/cron_schedule.sql and cron_unschedule.sql as rendered on this
date; both are safe to run again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "-- The trailing edge for projects that cannot run the refresher process: a pg_cron job calling\n"
            "-- refresh_pending(), installed only where the pg_cron extension is. Enabled pg_cron later?\n"
            "-- Run this statement again (migrations/sql/0007.upgrade.sql): cron.schedule with a job name\n"
            "-- replaces the job of that name, so it is safe to repeat.\n"
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
            "        CASE WHEN v_version >= ARRAY[1, 5] THEN '5 seconds' ELSE '* * * * *' END,\n"
            '        \'SELECT "activity_stats"."refresh_pending"()\');\n'
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
            "        PERFORM cron.unschedule(jobid) FROM cron.job WHERE jobname = 'activity-stats-refresh-pending';\n"
            "    END IF;\n"
            "END\n"
            "$cron$\n"
        )
    )
