CREATE FUNCTION {private}.{refresh_view_function}(p_view text)
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- Refreshes one of the four materialized views (two tiers of each statistic) CONCURRENTLY,
-- with the log row's settings, and returns NULL, or the error as 'SQLSTATE: message': it never
-- raises for a failed refresh (the caller is usually a writer's COMMIT). Between refresh_begin
-- and refresh_end, in the transaction that holds the refresh's lock (refresh_stats) or in
-- another session (the refresher, one view per connection); it takes nothing of the log but
-- its settings, so it does not wait for the row that transaction holds.
--
-- A view is named by its name in the private schema, one of the two tiers of either statistic; any
-- other name is an error (raised: a caller's mistake, not a failed refresh).
DECLARE
    v_log          {private}.{refresh_log}%ROWTYPE;
    v_lock_timeout text;
    v_work_mem     text;
    v_state        text;
    v_message      text;
BEGIN
    IF p_view IS NULL
       OR NOT p_view = ANY ({view_names}) THEN
        RAISE EXCEPTION 'activity_stats: % is not one of the statistics views', p_view
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name ' || {mv_peer_mentor_stats_recent_name} || ', '
                      || {mv_activity_time_series_recent_name} || ', '
                      || {mv_peer_mentor_stats_history_name} || ' or '
                      || {mv_activity_time_series_history_name} || '.';
    END IF;
    SELECT * INTO v_log FROM {private}.{refresh_log};
    v_lock_timeout := pg_catalog.current_setting('lock_timeout');
    v_work_mem := pg_catalog.current_setting('work_mem');
    -- A subtransaction, with a bounded wait for the view's lock (a refresh run by hand
    -- elsewhere must not hold a writer's COMMIT for long). query_canceled is named because WHEN
    -- OTHERS does not catch it: a cancel during a commit-time refresh abandons the refresh,
    -- never the write.
    BEGIN
        -- Settings for the refresh only; the caller's are restored below (and by the
        -- subtransaction's rollback on failure).
        PERFORM pg_catalog.set_config('lock_timeout',
            (pg_catalog.date_part('epoch', v_log.refresh_lock_timeout) * 1000)::bigint::text,
            true);
        PERFORM pg_catalog.set_config('work_mem', v_log.refresh_work_mem, true);
        EXECUTE pg_catalog.format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I.%I',
                                  {private_name}, p_view);
        PERFORM pg_catalog.set_config('work_mem', v_work_mem, true);
        PERFORM pg_catalog.set_config('lock_timeout', v_lock_timeout, true);
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        GET STACKED DIAGNOSTICS v_state := RETURNED_SQLSTATE, v_message := MESSAGE_TEXT;
        RETURN v_state || ': ' || v_message;
    END;
    RETURN NULL;
END
$function$
