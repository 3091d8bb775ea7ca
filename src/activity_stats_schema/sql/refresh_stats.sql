CREATE FUNCTION {private}.{refresh_function}(p_force boolean DEFAULT false)
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
 SET enable_seqscan TO 'on'
AS $function$
-- Refreshes both materialized views CONCURRENTLY, debounced through the single log row, in
-- this backend: refresh_begin, refresh_view for each view, refresh_end (where each step says
-- what it does). Returns what it did: 'refreshed', 'failed', 'debounced', 'busy' or
-- 'skipped_snapshot'. It never raises for a failed refresh: the caller is usually a writer's
-- COMMIT. Each view is refreshed in a subtransaction of its own; both are tried, and if either
-- fails the markers stay (a view that was refreshed is simply current).
--
-- SECURITY DEFINER so it runs as the views' owner whoever writes (a non-owner's REFRESH fails
-- with 42501); search_path pinned and every name schema-qualified. enable_seqscan on: the
-- commit's trigger function, which calls this, turns it off for its marker probe, and the
-- refresh must plan as usual.
DECLARE
    v_state       text;
    v_pending     bigint[];
    v_error       text;
    v_view_error  text;
BEGIN
    SELECT b.state, b.pending INTO v_state, v_pending
      FROM {private}.{refresh_begin_function}(p_force, false) AS b;
    IF v_state <> 'started' THEN
        RETURN v_state;
    END IF;
    v_error := {private}.{refresh_view_function}({mv_peer_mentor_stats_name});
    v_view_error := {private}.{refresh_view_function}({mv_activity_time_series_name});
    RETURN {private}.{refresh_end_function}(v_pending, COALESCE(v_error, v_view_error));
END
$function$
