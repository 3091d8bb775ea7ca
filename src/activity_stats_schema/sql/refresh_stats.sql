CREATE FUNCTION {private}.{refresh_function}(p_force boolean DEFAULT false)
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
 SET enable_seqscan TO 'on'
AS $function$
-- Refreshes both materialized views CONCURRENTLY, debounced through the single log row.
-- Returns what it did: 'refreshed', 'failed', 'debounced', 'busy' or 'skipped_snapshot'.
-- It never raises for a failed refresh: the caller is usually a writer's COMMIT.
--
-- SECURITY DEFINER so it runs as the views' owner whoever writes (a non-owner's REFRESH fails
-- with 42501); search_path pinned and every name schema-qualified. enable_seqscan on: the
-- commit's trigger function, which calls this, turns it off for its marker probe, and the
-- refresh must plan as usual.
DECLARE
    v_log         {private}.{refresh_log}%ROWTYPE;
    v_started     timestamptz;
    v_finished    timestamptz;
    v_lock_timeout text;
    v_work_mem    text;
    v_state       text;
    v_message     text;
    v_pending     bigint[];
BEGIN
    -- (1) Debounce, judged by the real clock. now() is the writer's transaction start: a long
    -- transaction would compare an old time, and a stamp taken from it would be in the past.
    -- The interval counts from the start of the last refresh, so refreshes start at most once
    -- per interval, and a change waits at most max(interval, refresh) + refresh, not
    -- interval + 2 refreshes: the time a refresh takes is not added to the wait for the next.
    -- After a failed attempt it counts from the failure's end (see 4a).
    SELECT * INTO v_log FROM {private}.{refresh_log};
    IF NOT p_force
       AND v_log.last_attempt_at > pg_catalog.clock_timestamp() - v_log.debounce_interval THEN
        RETURN 'debounced';
    END IF;

    -- A REPEATABLE READ or SERIALIZABLE transaction would refresh from its old snapshot (and
    -- stamp stale data as fresh), and locking the log row could raise a serialization failure
    -- outside any handler, failing the COMMIT. Leave the refresh to the next writer.
    IF pg_catalog.current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE DEBUG 'activity_stats: refresh skipped in a % transaction',
            pg_catalog.current_setting('transaction_isolation');
        RETURN 'skipped_snapshot';
    END IF;

    -- (2) One refresh at a time: whoever holds the row is refreshing; do not wait for it.
    SELECT * INTO v_log FROM {private}.{refresh_log} FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN 'busy';
    END IF;
    -- The row may have been stamped between the first read and the lock.
    IF NOT p_force
       AND v_log.last_attempt_at > pg_catalog.clock_timestamp() - v_log.debounce_interval THEN
        RETURN 'debounced';
    END IF;

    -- (3) Refresh inside a subtransaction, with a bounded wait for the views' locks (a refresh
    -- run by hand elsewhere must not hold a writer's COMMIT for long). query_canceled is named
    -- because WHEN OTHERS does not catch it: a cancel during a commit-time refresh abandons the
    -- refresh, never the write.
    -- The changes committed before this point are in the refresh below (READ COMMITTED: each
    -- REFRESH takes a newer snapshot); only their markers are cleared afterwards. A change that
    -- commits later keeps its marker for the next refresh.
    v_pending := ARRAY(SELECT p.id FROM {private}.{pending_changes} AS p);
    v_lock_timeout := pg_catalog.current_setting('lock_timeout');
    v_work_mem := pg_catalog.current_setting('work_mem');
    v_started := pg_catalog.clock_timestamp();
    BEGIN
        -- Settings for the refresh only; the caller's are restored below (and by the
        -- subtransaction's rollback on failure).
        PERFORM pg_catalog.set_config('lock_timeout',
            (pg_catalog.date_part('epoch', v_log.refresh_lock_timeout) * 1000)::bigint::text,
            true);
        PERFORM pg_catalog.set_config('work_mem', v_log.refresh_work_mem, true);
        REFRESH MATERIALIZED VIEW CONCURRENTLY {private}.{mv_peer_mentor_stats};
        REFRESH MATERIALIZED VIEW CONCURRENTLY {private}.{mv_activity_time_series};
        PERFORM pg_catalog.set_config('work_mem', v_work_mem, true);
        PERFORM pg_catalog.set_config('lock_timeout', v_lock_timeout, true);
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        GET STACKED DIAGNOSTICS v_state := RETURNED_SQLSTATE, v_message := MESSAGE_TEXT;
        v_finished := pg_catalog.clock_timestamp();
        -- (4a) Record the failed attempt. It moves the debounce forward too, from the failure's
        -- end: a failure that outlasts the interval (a lock wait up to refresh_lock_timeout, a
        -- refresh failing late) would otherwise be retried by the very next COMMIT, writer
        -- after writer each paying for it. A broken view costs one failed attempt per
        -- interval + attempt, not one per insert.
        UPDATE {private}.{refresh_log}
           SET last_attempt_at = v_finished,
               failure_count = failure_count + 1,
               last_error = v_state || ': ' || v_message,
               last_error_at = v_finished,
               last_duration = v_finished - v_started
         WHERE singleton;
        RAISE WARNING 'activity_stats: refresh of the statistics views failed (%: %); '
            'the write is kept and the views stay as they were', v_state, v_message;
        PERFORM pg_catalog.pg_notify({refreshed_channel}, 'failed');
        RETURN 'failed';
    END;

    -- (4) Record the refresh. last_refreshed_at is when the refresh started: the views hold
    -- the data committed by then.
    DELETE FROM {private}.{pending_changes} WHERE id = ANY (v_pending);
    v_finished := pg_catalog.clock_timestamp();
    UPDATE {private}.{refresh_log}
       SET last_refreshed_at = v_started,
           pending_cleared_through = GREATEST(pending_cleared_through,
               COALESCE((SELECT pg_catalog.max(x) FROM pg_catalog.unnest(v_pending) AS x), 0)),
           last_attempt_at = v_started,
           refresh_count = refresh_count + 1,
           last_duration = v_finished - v_started
     WHERE singleton;
    PERFORM pg_catalog.pg_notify({refreshed_channel}, 'refreshed');
    RETURN 'refreshed';
END
$function$
