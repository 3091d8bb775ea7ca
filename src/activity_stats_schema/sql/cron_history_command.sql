DELETE FROM cron.job_run_details AS d
 USING cron.job AS j
 WHERE j.jobid = d.jobid
   AND j.jobname = {cron_job}
   AND COALESCE(d.end_time, d.start_time) < pg_catalog.now() - {cron_history_keep}::interval
