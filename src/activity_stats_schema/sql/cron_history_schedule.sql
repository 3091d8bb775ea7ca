-- pg_cron records every run of a job in cron.job_run_details and never deletes one, so the
-- trailing-edge job, which runs every second, would grow that table for ever. This second
-- job deletes that job's runs older than the kept history, every hour; other jobs' history is
-- left alone. Installed only where the pg_cron extension is, like the job it tidies after.
DO $cron$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE NOTICE 'pg_cron is not installed: no job history to keep';
        RETURN;
    END IF;
    PERFORM cron.schedule({cron_history_job}, {cron_history_schedule}, {command});
END
$cron$
