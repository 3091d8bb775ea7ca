CREATE FUNCTION {private}.{dashboard_activity_time_series}(from_day date DEFAULT NULL, to_day date DEFAULT NULL)
 RETURNS TABLE(chapter_id bigint, activity_type_id bigint, day date, activity_count bigint,
               total_minutes bigint)
 LANGUAGE plpgsql
 STABLE
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The dashboard's read of the time series, behind public.dashboard_activity_time_series:
-- limited to the caller's chapters (all for roles that bypass RLS), optionally to the days
-- from_day .. to_day (inclusive, Europe/Oslo days). A peer mentor sees the chapter series only
-- for chapters they coordinate: the series is per chapter, not per mentor. Private and
-- SECURITY DEFINER for the reason given in dashboard_peer_mentor_stats. The materialized tiers
-- combined (activity_time_series_tiers.sql), or the live view when read_live_views is on. A
-- reversed range is an error, as in bufdir_export: an empty answer would look like a period
-- without activities.
BEGIN
    IF to_day < from_day THEN
        RAISE EXCEPTION 'dashboard_activity_time_series: to_day % is before from_day %',
                to_day, from_day
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The range runs from from_day to to_day, both included.';
    END IF;
    RETURN QUERY
    WITH source AS (
        SELECT t.chapter_id, t.activity_type_id, t.day, t.activity_count, t.total_minutes
        FROM ({activity_time_series_tiers}) AS t
        WHERE NOT (SELECT l.read_live_views FROM {private}.{refresh_log} AS l)
        UNION ALL
        SELECT t.chapter_id, t.activity_type_id, t.day, t.activity_count, t.total_minutes
        FROM {private}.{live_activity_time_series} AS t
        WHERE (SELECT l.read_live_views FROM {private}.{refresh_log} AS l)
    )
    SELECT t.chapter_id, t.activity_type_id, t.day, t.activity_count, t.total_minutes
    FROM source AS t
    WHERE ((SELECT {private}.{caller_sees_all}())
           OR t.chapter_id = ANY ((SELECT {private}.{coordinated_chapters}())::bigint[]))
      AND (from_day IS NULL OR t.day >= from_day)
      AND (to_day IS NULL OR t.day <= to_day)
    ORDER BY t.chapter_id, t.activity_type_id, t.day;
END
$function$
