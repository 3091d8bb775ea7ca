CREATE FUNCTION {private}.{refresh_pending_function}()
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The trailing edge: refresh when committed changes are waiting or the history boundary is
-- due to move (debounced like every refresh), both tiers when a waiting change reaches before
-- the boundary. Called by `activity-stats-schema refresher` and, where pg_cron exists, by its
-- job. Returns 'clean' when there is nothing to do, else what refresh_stats did.
BEGIN
    RETURN {private}.{refresh_function}(false, true, true);
END
$function$
