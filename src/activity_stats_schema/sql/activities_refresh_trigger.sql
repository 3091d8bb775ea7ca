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
--
-- Every writing transaction leaves a marker (a plain insert: writers never wait on each other)
-- that stays until a refresh has seen the change: the trailing edge (refresher process or
-- pg_cron, refresh_pending()) picks up what the debounce or a busy refresh left behind. Only the
-- first change after a refresh NOTIFYs, so writers do not queue on the notification lock.
DECLARE
    v_async boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM {private}.{pending_changes}) THEN
        PERFORM pg_catalog.pg_notify({changes_channel}, '');
    END IF;
    INSERT INTO {private}.{pending_changes} DEFAULT VALUES;
    SELECT async_refresh INTO v_async FROM {private}.{refresh_log};
    IF NOT v_async THEN
        PERFORM {private}.{refresh_function}(false);
    END IF;
    -- Let a later statement queue again when constraints were made IMMEDIATE.
    PERFORM pg_catalog.set_config({queued_setting}, '', true);
    RETURN NULL;
END
$function$
