CREATE FUNCTION {private}.{trigger_function}()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
 SET enable_seqscan TO 'off'
AS $function$
-- Fired at COMMIT by the deferred constraint trigger on activities. The trigger's WHEN clause
-- queues one event per transaction, so this runs once, not once per row.
-- Also fired per statement by changes no row trigger sees (TRUNCATE of activities, a type's
-- counts_for_bufdir switched). Those only mark the change: a refresh inside the statement would
-- miss the transaction's later changes and hold the views' lock until it ends.
-- SECURITY DEFINER: writers (e.g. Supabase's authenticated) need no privilege on the private
-- schema or the refresh function.
--
-- Every writing transaction leaves a marker (a plain insert: writers never wait on each other)
-- that stays until a refresh has seen the change: the trailing edge (refresher process or
-- pg_cron, refresh_pending()) picks up what the debounce or a busy refresh left behind. Only the
-- first change after a refresh NOTIFYs, so writers do not queue on the notification lock.
-- That check reads markers above the last cleared id only (an index range scan over the newest
-- entries), never the deleted markers that wait for VACUUM below it; a marker the check cannot
-- see only costs an extra NOTIFY. enable_seqscan is off in this function to keep it so: costed
-- for its first row at the default selectivity of id > (a column), the EXISTS looks cheapest as
-- a sequential scan, which reads every deleted marker VACUUM has not yet removed. The log's
-- one row is still read by a sequential scan (it has no other plan); refresh_stats turns the
-- setting back on for the refresh.
-- The commit refreshes only in the default mode: not in async mode (the refresher does it),
-- and not while the dashboard reads the live views (the fallback), where the refresher keeps
-- the materialized views current for switching back.
-- Every commit pays for this function, so the common case is one query: the mode, the debounce
-- (the same test refresh_stats makes; it tests again under the row lock) and the marker probe.
-- Inside the window no refresh function is called.
DECLARE
    v_due   boolean;
    v_first boolean;
BEGIN
    SELECT NOT (l.async_refresh OR l.read_live_views)
               AND NOT l.last_attempt_at > pg_catalog.clock_timestamp() - l.debounce_interval,
           NOT EXISTS (SELECT FROM {private}.{pending_changes} AS p
                        WHERE p.id > l.pending_cleared_through)
      INTO v_due, v_first
      FROM {private}.{refresh_log} AS l;
    IF v_first THEN
        PERFORM pg_catalog.pg_notify({changes_channel}, '');
    END IF;
    INSERT INTO {private}.{pending_changes} DEFAULT VALUES;
    IF v_due AND TG_LEVEL = 'ROW' THEN
        PERFORM {private}.{refresh_function}(false);
    END IF;
    -- Let a later statement queue again when constraints were made IMMEDIATE: its changes get
    -- their own check (and their own marker, in case a refresh here cleared this one).
    PERFORM pg_catalog.set_config({queued_setting}, '', true);
    RETURN NULL;
END
$function$
