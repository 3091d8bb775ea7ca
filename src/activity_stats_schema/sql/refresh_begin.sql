CREATE FUNCTION {private}.{refresh_begin_function}(p_force boolean DEFAULT false, p_if_pending boolean DEFAULT false, p_history boolean DEFAULT false, OUT state text, OUT pending bigint[], OUT views text[], OUT boundary timestamptz)
 RETURNS record
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The first of a refresh's three steps (refresh_begin, refresh_views or refresh_view per view,
-- refresh_end), so that the views can be refreshed by several sessions at once while one
-- transaction holds the refresh's lock: refresh_stats runs the three in one backend; the
-- refresher process may run the recent tier's views on a connection each. The caller's
-- transaction must call refresh_end before it ends.
--
-- A refresh is of one of three kinds. 'recent' (without p_history, or nothing older waits):
-- the recent tier, under the log row. 'all' (p_history, and p_force or the boundary due): both
-- tiers, the boundary moved to where it is due, under the log row and the history lock.
-- 'history' (p_history, and a waiting change reaches before the boundary): the history tier
-- alone, under the history lock only, so that a long refresh of history never holds up the
-- recent tier's refreshes (a writer's COMMIT, the refresher); its caller refreshes the recent
-- tier next (refresh_stats does).
--
-- state is 'started' when this transaction now holds that lock. Then views lists the views to
-- refresh and boundary where the history boundary must stand (pass both to refresh_views);
-- pending lists the markers this refresh will settle if it succeeds (pass it to refresh_end):
-- all of them ('all'), those reaching before the boundary ('history'), or those that do not
-- ('recent'). Otherwise state says why not: 'clean' (p_if_pending and nothing waits for those
-- tiers), 'debounced', 'busy' (another session holds the row) or 'skipped_snapshot'. Nothing
-- is written here: a caller that never calls refresh_end (or rolls back) leaves the log and the
-- markers as they were.
DECLARE
    v_log     {private}.{refresh_log}%ROWTYPE;
    v_target  timestamptz;
    v_tiers   text;
BEGIN
    -- (1) The cheap answers first, from a plain read of the log row. Where the boundary must
    -- stand: the start of the Europe/Oslo week that recent_minimum before now falls in. It
    -- only moves forward, by whole weeks, so a week becomes history once it ended at least
    -- recent_minimum ago. With p_if_pending and nothing to do for the tiers asked for: 'clean'.
    SELECT * INTO v_log FROM {private}.{refresh_log};
    v_target := pg_catalog.date_trunc({history_unit},
                    (pg_catalog.clock_timestamp() AT TIME ZONE {reporting_time_zone})
                    - v_log.recent_minimum) AT TIME ZONE {reporting_time_zone};
    IF p_if_pending
       AND NOT (p_history AND v_target > v_log.history_boundary)
       AND NOT EXISTS (SELECT FROM {private}.{pending_changes} AS p
                        WHERE p_history OR p.touched_from >= v_log.history_boundary) THEN
        state := 'clean';
        RETURN;
    END IF;
    -- Debounce, judged by the real clock. now() is the writer's transaction start: a long
    -- transaction would compare an old time, and a stamp taken from it would be in the past.
    -- The interval counts from the start of the last refresh, so refreshes start at most once
    -- per interval, and a change waits at most max(interval, refresh) + refresh, not
    -- interval + 2 refreshes: the time a refresh takes is not added to the wait for the next.
    -- After a failed attempt it counts from the failure's end (refresh_end).
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

    -- (2) Which kind of refresh. 'all' and 'history' take the history lock (transaction-level,
    -- keyed by the log table's oid; not waited for): one history refresh at a time, and the
    -- boundary, which only an 'all' refresh moves, stands still while a 'history' one runs.
    -- When another session holds it, the recent tier alone.
    v_tiers := CASE
        WHEN NOT p_history THEN 'recent'
        WHEN p_force OR v_target > v_log.history_boundary THEN 'all'
        WHEN EXISTS (SELECT FROM {private}.{pending_changes} AS p
                      WHERE p.touched_from < v_log.history_boundary) THEN 'history'
        ELSE 'recent'
    END;
    IF v_tiers <> 'recent' AND NOT pg_catalog.pg_try_advisory_xact_lock(
           (SELECT l.tableoid::bigint FROM {private}.{refresh_log} AS l)) THEN
        v_tiers := 'recent';
    END IF;

    -- (3) One refresh of the recent tier at a time: whoever holds the row is refreshing; do not
    -- wait for it. The boundary only moves in a transaction that holds this row and the
    -- history lock, so from here on it is the one the markers are judged by. A 'history'
    -- refresh reads it again (a move may have committed before it took the lock).
    IF v_tiers = 'history' THEN
        SELECT * INTO v_log FROM {private}.{refresh_log};
    ELSE
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
    END IF;

    -- (4) The views, where the boundary will stand, and the markers. The changes committed
    -- before this point are in every refresh that starts after it (READ COMMITTED: each REFRESH
    -- takes a newer snapshot, in this session or another); only their markers are settled by
    -- refresh_end. A change that commits later keeps its marker for the next refresh. The
    -- start, and the kind, are kept for refresh_end, in this transaction only.
    boundary := v_log.history_boundary;
    IF v_tiers = 'all' THEN
        boundary := GREATEST(v_log.history_boundary, v_target);
        views := {history_view_names} || {recent_view_names};
    ELSIF v_tiers = 'history' THEN
        views := {history_view_names};
    ELSE
        views := {recent_view_names};
    END IF;
    pending := ARRAY(SELECT p.id FROM {private}.{pending_changes} AS p
                      WHERE v_tiers = 'all'
                         OR (p.touched_from < v_log.history_boundary) = (v_tiers = 'history'));
    IF p_if_pending AND pg_catalog.cardinality(pending) = 0 AND boundary = v_log.history_boundary THEN
        state := 'clean';
        RETURN;
    END IF;
    PERFORM pg_catalog.set_config({started_setting},
        pg_catalog.date_part('epoch', pg_catalog.clock_timestamp())::text, true);
    PERFORM pg_catalog.set_config({tiers_setting}, v_tiers, true);
    state := 'started';
END
$function$
