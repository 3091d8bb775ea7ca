-- The trailing edge for projects that cannot run the refresher process: a pg_cron job calling
-- refresh_pending(), installed only where the pg_cron extension is; every second where pg_cron
-- schedules seconds (1.5 and later), else every minute. Enabled pg_cron later? Run this
-- revision's upgrade again (migrations/sql/v0_1_0_pg_cron.upgrade.sql) as the role that
-- migrates: cron.schedule replaces the job of the same name and role, so it is safe to repeat.
DO $cron$
DECLARE
    v_version int[];
BEGIN
    SELECT pg_catalog.string_to_array(pg_catalog.split_part(extversion, '-', 1), '.')::int[]
      INTO v_version
      FROM pg_catalog.pg_extension WHERE extname = 'pg_cron';
    IF v_version IS NULL THEN
        RAISE NOTICE 'pg_cron is not installed: run `activity-stats-schema refresher` instead';
        RETURN;
    END IF;
    PERFORM cron.schedule(
        {cron_job},
        CASE WHEN v_version >= ARRAY[1, 5] THEN {cron_schedule} ELSE {cron_schedule_old} END,
        {command});
END
$cron$
