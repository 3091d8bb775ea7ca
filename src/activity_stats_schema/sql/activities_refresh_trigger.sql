CREATE FUNCTION {private}.{trigger_function}()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- Fired at COMMIT by the deferred constraint trigger on activities. The trigger's WHEN clause
-- queues one event per transaction, so this runs once, not once per row.
-- SECURITY DEFINER: writers (e.g. Supabase's authenticated) need no privilege on the private
-- schema or the refresh function.
BEGIN
    PERFORM {private}.{refresh_function}(false);
    -- Let a later statement queue again when constraints were made IMMEDIATE.
    PERFORM pg_catalog.set_config({queued_setting}, '', true);
    RETURN NULL;
END
$function$
