CREATE FUNCTION {private}.{refresh_views_function}(p_views text[], p_boundary timestamptz)
 RETURNS text
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The middle step of a refresh, in the transaction that called refresh_begin: sets the history
-- boundary to p_boundary and refreshes p_views (as refresh_begin returned both), all or none.
-- Returns NULL, or the first error as 'SQLSTATE: message'; like refresh_view it never raises
-- for a failed refresh. All or none, in one subtransaction: a moved boundary is only right
-- together with both tiers refreshed to it (the history tier then holds the week that left
-- the recent one), and readers see the new boundary's tiers at once, at COMMIT, or the old.
-- Hence a boundary move is refused unless every view is in p_views.
DECLARE
    v_moves boolean;
    v_view  text;
    v_error text;
BEGIN
    IF NULLIF(pg_catalog.current_setting({started_setting}, true), '') IS NULL THEN
        RAISE EXCEPTION 'activity_stats: no refresh was begun in this transaction'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call refresh_begin() first, in the same transaction.';
    END IF;
    v_moves := p_boundary IS DISTINCT FROM
        (SELECT l.history_boundary FROM {private}.{refresh_log} AS l);
    IF v_moves AND NOT p_views @> {view_names} THEN
        RAISE EXCEPTION 'activity_stats: the history boundary moves only with every view refreshed'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass the views and the boundary refresh_begin returned.';
    END IF;
    BEGIN
        -- Only a refresh that holds the log row moves the boundary (refresh_begin's 'all').
        IF v_moves THEN
            UPDATE {private}.{refresh_log} SET history_boundary = p_boundary WHERE singleton;
        END IF;
        FOREACH v_view IN ARRAY p_views LOOP
            v_error := {private}.{refresh_view_function}(v_view);
            IF v_error IS NOT NULL THEN
                RAISE EXCEPTION USING MESSAGE = v_error;
            END IF;
        END LOOP;
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        RETURN COALESCE(v_error, SQLSTATE || ': ' || SQLERRM);
    END;
    RETURN NULL;
END
$function$
