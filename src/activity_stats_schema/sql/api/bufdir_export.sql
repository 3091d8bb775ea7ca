CREATE FUNCTION {public}.{bufdir_export}(period_start date, period_end date)
 RETURNS TABLE(chapter_id bigint, activity_type_id bigint, activities bigint,
               peer_mentors bigint, total_minutes bigint)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The API's face of the private export of the same name (PostgREST: /rest/v1/rpc/bufdir_export),
-- SECURITY INVOKER like dashboard_peer_mentor_stats.
SELECT e.chapter_id, e.activity_type_id, e.activities, e.peer_mentors, e.total_minutes
FROM {private}.{bufdir_export}(period_start, period_end) AS e
ORDER BY e.chapter_id, e.activity_type_id
$function$
