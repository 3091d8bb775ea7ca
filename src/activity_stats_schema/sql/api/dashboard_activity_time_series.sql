CREATE FUNCTION {public}.{dashboard_activity_time_series}(from_day date DEFAULT NULL, to_day date DEFAULT NULL)
 RETURNS TABLE(chapter_id bigint, activity_type_id bigint, day date, activity_count bigint,
               total_minutes bigint)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The API's face of the private reader of the same name (PostgREST:
-- /rest/v1/rpc/dashboard_activity_time_series), SECURITY INVOKER like
-- dashboard_peer_mentor_stats.
SELECT t.chapter_id, t.activity_type_id, t.day, t.activity_count, t.total_minutes
FROM {private}.{dashboard_activity_time_series}(from_day, to_day) AS t
ORDER BY t.chapter_id, t.activity_type_id, t.day
$function$
