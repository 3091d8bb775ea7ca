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
-- That check reads markers above the last cleared id only (an index range scan over the newest
-- entries), never the deleted markers that wait for VACUUM below it; a marker the check cannot
-- see only costs an extra NOTIFY.
-- The commit refreshes only in the default mode: not in async mode (the refresher does it),
-- and not while the dashboard reads the live views (the fallback), where the refresher keeps
-- the materialized views current for switching back.
DECLARE
    v_async   boolean;
    v_live    boolean;
    v_cleared bigint;
BEGIN
    SELECT l.async_refresh, l.read_live_views, l.pending_cleared_through
      INTO v_async, v_live, v_cleared
      FROM {private}.{refresh_log} AS l;
    IF NOT EXISTS (SELECT FROM {private}.{pending_changes} AS p WHERE p.id > v_cleared) THEN
        PERFORM pg_catalog.pg_notify({changes_channel}, '');
    END IF;
    INSERT INTO {private}.{pending_changes} DEFAULT VALUES;
    IF NOT v_async AND NOT v_live THEN
        PERFORM {private}.{refresh_function}(false);
    END IF;
    -- Let a later statement queue again when constraints were made IMMEDIATE.
    PERFORM pg_catalog.set_config({queued_setting}, '', true);
    RETURN NULL;
END
$function$
