CREATE FUNCTION {private}.{refresh_begin_function}(p_force boolean DEFAULT false, p_if_pending boolean DEFAULT false, OUT state text, OUT pending bigint[])
 RETURNS record
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The first of a refresh's three steps (refresh_begin, refresh_view per view, refresh_end), so
-- that the views can be refreshed by several sessions at once while one transaction holds the
-- log row: refresh_stats runs the three in one backend; the refresher process runs each view on
-- a connection of its own when asked (on a server with cores to spare, both views take less
-- time at once than one after the other). The caller's transaction must call refresh_end
-- before it ends.
--
-- state is 'started' when this transaction now holds the log row; pending then lists the
-- markers this refresh will clear if it succeeds (pass it to refresh_end). Otherwise state says
-- why not, and nothing is held: 'clean' (p_if_pending and no change waits), 'debounced',
-- 'busy' (another session holds the row) or 'skipped_snapshot'. Nothing is written here: a
-- caller that never calls refresh_end (or rolls back) leaves the log and the markers as they
-- were.
DECLARE
    v_log {private}.{refresh_log}%ROWTYPE;
BEGIN
    IF p_if_pending AND NOT EXISTS (SELECT FROM {private}.{pending_changes}) THEN
        state := 'clean';
        RETURN;
    END IF;

    -- (1) Debounce, judged by the real clock. now() is the writer's transaction start: a long
    -- transaction would compare an old time, and a stamp taken from it would be in the past.
    -- The interval counts from the start of the last refresh, so refreshes start at most once
    -- per interval, and a change waits at most max(interval, refresh) + refresh, not
    -- interval + 2 refreshes: the time a refresh takes is not added to the wait for the next.
    -- After a failed attempt it counts from the failure's end (refresh_end).
    SELECT * INTO v_log FROM {private}.{refresh_log};
    IF NOT p_force
       AND v_log.last_attempt_at > pg_catalog.clock_timestamp() - v_log.debounce_interval THEN
        state := 'debounced';
        RETURN;
    END IF;

    -- A REPEATABLE READ or SERIALIZABLE transaction would refresh from its old snapshot (and
    -- stamp stale data as fresh), and locking the log row could raise a serialization failure
    -- outside any handler, failing the COMMIT. Leave the refresh to the next writer.
    IF pg_catalog.current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE DEBUG 'activity_stats: refresh skipped in a % transaction',
            pg_catalog.current_setting('transaction_isolation');
        state := 'skipped_snapshot';
        RETURN;
    END IF;

    -- (2) One refresh at a time: whoever holds the row is refreshing; do not wait for it.
    SELECT * INTO v_log FROM {private}.{refresh_log} FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        state := 'busy';
        RETURN;
    END IF;
    -- The row may have been stamped between the first read and the lock.
    IF NOT p_force
       AND v_log.last_attempt_at > pg_catalog.clock_timestamp() - v_log.debounce_interval THEN
        state := 'debounced';
        RETURN;
    END IF;

    -- (3) The changes committed before this point are in every refresh that starts after it
    -- (READ COMMITTED: each REFRESH takes a newer snapshot, in this session or another); only
    -- their markers are cleared by refresh_end. A change that commits later keeps its marker
    -- for the next refresh. The start is kept for refresh_end, in this transaction only.
    pending := ARRAY(SELECT p.id FROM {private}.{pending_changes} AS p);
    PERFORM pg_catalog.set_config({started_setting},
        pg_catalog.date_part('epoch', pg_catalog.clock_timestamp())::text, true);
    state := 'started';
END
$function$
