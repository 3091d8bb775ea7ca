CREATE FUNCTION {private}.{refresh_end_function}(p_pending bigint[], p_error text)
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The last of a refresh's three steps, in the transaction that called refresh_begin (which
-- still holds the refresh's lock). p_pending is what refresh_begin returned; p_error is NULL
-- when every view was refreshed, else the first error refresh_view returned. Returns
-- 'refreshed' or 'failed', records it, and NOTIFYs it. It never raises for a failed refresh; it
-- raises if this transaction did not begin a refresh (nothing is then written). A refresh of
-- history alone, which does not hold the log row, writes it here: it waits for a refresh of
-- the recent tier that holds it, never the other way round.
DECLARE
    v_tiers    text;
    v_started  timestamptz;
    v_finished timestamptz;
BEGIN
    v_started := pg_catalog.to_timestamp(
        NULLIF(pg_catalog.current_setting({started_setting}, true), '')::double precision);
    IF v_started IS NULL THEN
        RAISE EXCEPTION 'activity_stats: no refresh was begun in this transaction'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call refresh_begin() first, in the same transaction.';
    END IF;
    PERFORM pg_catalog.set_config({started_setting}, '', true);
    v_tiers := pg_catalog.current_setting({tiers_setting}, true);
    PERFORM pg_catalog.set_config({tiers_setting}, '', true);
    v_finished := pg_catalog.clock_timestamp();

    IF p_error IS NOT NULL THEN
        -- (4a) Record the failed attempt; the markers stay, so the trailing edge tries again.
        -- It moves the debounce forward too, from the failure's end: a failure that outlasts
        -- the interval (a lock wait up to refresh_lock_timeout, a refresh failing late) would
        -- otherwise be retried by the very next COMMIT, writer after writer each paying for it.
        -- A broken view costs one failed attempt per interval + attempt, not one per insert.
        UPDATE {private}.{refresh_log}
           SET last_attempt_at = v_finished,
               failure_count = failure_count + 1,
               last_error = p_error,
               last_error_at = v_finished,
               last_duration = v_finished - v_started
         WHERE singleton;
        RAISE WARNING 'activity_stats: refresh of the statistics views failed (%); '
            'the write is kept and its change stays marked for the next refresh', p_error;
        PERFORM pg_catalog.pg_notify({refreshed_channel}, 'failed');
        RETURN 'failed';
    END IF;

    -- (4) A refresh of history alone: the history tier now holds the changes it settles. What
    -- of them lies at or after the boundary (an update that moved an activity across it, a
    -- transaction that also wrote recent activities) still waits for a refresh of the recent
    -- tier: their markers now reach from the boundary, as a recent change's do, and the recent
    -- refresh that follows (refresh_stats, the refresher's next) clears them.
    IF v_tiers = 'history' THEN
        UPDATE {private}.{pending_changes}
           SET touched_from = (SELECT l.history_boundary FROM {private}.{refresh_log} AS l)
         WHERE id = ANY (p_pending);
        UPDATE {private}.{refresh_log} SET history_refreshed_at = v_started WHERE singleton;
        PERFORM pg_catalog.pg_notify({refreshed_channel}, 'refreshed');
        RETURN 'refreshed';
    END IF;

    -- (5) Record the refresh. last_refreshed_at is when the refresh started: the views hold
    -- the data committed by then (of the history tier, when it was included: the markers of
    -- older changes that a recent-only refresh left wait for the trailing edge).
    DELETE FROM {private}.{pending_changes} WHERE id = ANY (p_pending);
    UPDATE {private}.{refresh_log}
       SET last_refreshed_at = v_started,
           pending_cleared_through = GREATEST(pending_cleared_through,
               COALESCE((SELECT pg_catalog.max(x) FROM pg_catalog.unnest(p_pending) AS x), 0)),
           last_attempt_at = v_started,
           refresh_count = refresh_count + 1,
           last_duration = v_finished - v_started,
           history_refreshed_at = CASE WHEN v_tiers = 'all' THEN v_started
                                       ELSE history_refreshed_at END
     WHERE singleton;
    PERFORM pg_catalog.pg_notify({refreshed_channel}, 'refreshed');
    RETURN 'refreshed';
END
$function$
