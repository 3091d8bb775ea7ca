-- pg_cron records every run of a job in cron.job_run_details and never deletes one: the
-- trailing-edge job (every 5 seconds) would add 17,280 rows a day for ever. This second job
-- deletes that job's runs older than the kept history, every hour; other jobs' history is left
-- alone. Installed only where the pg_cron extension is, like the job it tidies after.
-- Enabled pg_cron later? Run migrations/sql/0007.upgrade.sql, then this statement
-- (migrations/sql/0016.upgrade.sql), as the role that migrates: cron.schedule replaces the job
-- of the same name and role, so both are safe to repeat (another role would add a second job).
DO $cron$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'pg_cron') THEN
        RAISE NOTICE 'pg_cron is not installed: no job history to keep';
        RETURN;
    END IF;
    PERFORM cron.schedule({cron_history_job}, {cron_history_schedule}, {command});
END
$cron$
