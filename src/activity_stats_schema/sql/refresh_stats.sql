CREATE FUNCTION {private}.{refresh_function}(p_force boolean DEFAULT false, p_history boolean DEFAULT true, p_if_pending boolean DEFAULT false)
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- Refreshes the materialized views CONCURRENTLY, debounced through the single log row, in this
-- backend: refresh_begin (which views, which markers), refresh_views (all of them or none,
-- moving the history boundary first when it is due), refresh_end (where each step says what it
-- does). Returns what it did: 'refreshed', 'failed', 'clean', 'debounced', 'busy' or
-- 'skipped_snapshot'. It never raises for a failed refresh: the caller is usually a writer's
-- COMMIT.
--
-- p_force: whatever the debounce, and with p_history both tiers (the manual refresh after a
-- load that skipped the triggers). p_history: the history tier too when a waiting change
-- reaches before the boundary or the boundary is due (the trailing edge); without it only the
-- recent tier (a writer's COMMIT). p_if_pending: 'clean' when nothing waits for those tiers
-- (and, with p_history, the boundary is not due).
--
-- A refresh of history alone (refresh_begin's 'history') is followed by one of the recent tier,
-- in this transaction: it holds the log row only for the recent tier's refresh, so COMMITs
-- refresh the recent tier while history is refreshed. Either failing makes the result 'failed'.
--
-- SECURITY DEFINER so it runs as the views' owner whoever writes (a non-owner's REFRESH fails
-- with 42501); search_path pinned and every name schema-qualified.
DECLARE
    v_state    text;
    v_pending  bigint[];
    v_views    text[];
    v_boundary timestamptz;
    v_outcome  text;
BEGIN
    FOR v_round IN 1..2 LOOP
        SELECT b.state, b.pending, b.views, b.boundary
          INTO v_state, v_pending, v_views, v_boundary
          FROM {private}.{refresh_begin_function}(p_force, p_if_pending,
                                                  p_history AND v_round = 1) AS b;
        IF v_state <> 'started' THEN
            RETURN COALESCE(v_outcome, v_state);
        END IF;
        v_state := {private}.{refresh_end_function}(v_pending,
            {private}.{refresh_views_function}(v_views, v_boundary));
        v_outcome := CASE WHEN v_outcome = 'failed' THEN v_outcome ELSE v_state END;
        EXIT WHEN v_views && {recent_view_names};
    END LOOP;
    RETURN v_outcome;
END
$function$
