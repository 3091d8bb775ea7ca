CREATE FUNCTION {private}.{refresh_pending_function}()
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The trailing edge: refresh when committed changes are waiting (debounced like every refresh).
-- Called by `activity-stats-schema refresher` and, where pg_cron exists, by its job.
-- Returns 'clean' when nothing waits, else what refresh_stats did.
BEGIN
    IF NOT EXISTS (SELECT FROM {private}.{pending_changes}) THEN
        RETURN 'clean';
    END IF;
    RETURN {private}.{refresh_function}(false);
END
$function$
