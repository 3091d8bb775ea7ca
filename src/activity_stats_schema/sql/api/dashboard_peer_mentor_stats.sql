CREATE FUNCTION {public}.{dashboard_peer_mentor_stats}()
 RETURNS TABLE(peer_mentor_id bigint, chapter_id bigint, activity_count bigint,
               total_minutes bigint, first_activity_at timestamptz, last_activity_at timestamptz)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The API's face of the private reader of the same name (PostgREST:
-- /rest/v1/rpc/dashboard_peer_mentor_stats). SECURITY INVOKER: it runs as the caller, so an
-- exposed schema holds no function that runs with its owner's rights; the private function
-- scopes the rows to the caller.
SELECT s.peer_mentor_id, s.chapter_id, s.activity_count, s.total_minutes,
       s.first_activity_at, s.last_activity_at
FROM {private}.{dashboard_peer_mentor_stats}() AS s
ORDER BY s.chapter_id, s.peer_mentor_id
$function$
