CREATE FUNCTION {private}.{trigger_function}()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- Fired at COMMIT by the deferred constraint trigger on activities. The trigger's WHEN clause
-- queues one event per transaction, so this runs once, not once per row. The transaction's
-- statements have already left their markers (mark_stats_change).
-- SECURITY DEFINER: writers (e.g. Supabase's authenticated) need no privilege on the private
-- schema or the refresh function.
--
-- The commit refreshes the recent tier only, and not at all when every waiting change reaches
-- before the history boundary: those are left to the trailing edge, which refreshes history
-- off every writer's COMMIT path. Nor does it refresh in async mode (the refresher does it), or
-- while the dashboard reads the live views (the fallback), where the refresher keeps the
-- materialized views current for switching back.
-- Every commit pays for this function, so the common case is one query: the mode and the
-- debounce (the same test refresh_begin makes; it tests again under the row lock). Inside the
-- window no refresh function is called.
DECLARE
    v_due boolean;
BEGIN
    SELECT NOT (l.async_refresh OR l.read_live_views)
               AND NOT l.last_attempt_at > pg_catalog.clock_timestamp() - l.debounce_interval
      INTO v_due
      FROM {private}.{refresh_log} AS l;
    -- When due, skip the refresh if changes wait and every one reaches before the boundary.
    -- No marker at all means refresh: with constraints made IMMEDIATE this runs at the end of
    -- the statement before the statement's own marker is written (statement-level triggers
    -- fire after row-level ones), and the refresh sees the statement's rows regardless.
    IF v_due
       AND NOT (EXISTS (SELECT FROM {private}.{pending_changes})
                AND NOT EXISTS (SELECT FROM {private}.{pending_changes} AS p,
                                            {private}.{refresh_log} AS l
                                 WHERE p.touched_from >= l.history_boundary)) THEN
        PERFORM {private}.{refresh_function}(false, false, false);
    END IF;
    -- Let a later statement queue again when constraints were made IMMEDIATE: its changes get
    -- their own check.
    PERFORM pg_catalog.set_config({queued_setting}, '', true);
    RETURN NULL;
END
$function$
