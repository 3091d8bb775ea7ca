CREATE FUNCTION {public}.{dashboard_peer_mentor_stats}()
 RETURNS TABLE(peer_mentor_id bigint, chapter_id bigint, activity_count bigint,
               total_minutes bigint, first_activity_at timestamptz, last_activity_at timestamptz)
 LANGUAGE sql
 STABLE
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The dashboard's read of mv_peer_mentor_stats. Materialized views cannot have row-level
-- security, so this returns only what the caller's policies would show: a coordinator's
-- chapters, a peer mentor's own rows, everything for roles that bypass RLS.
SELECT s.peer_mentor_id, s.chapter_id, s.activity_count, s.total_minutes,
       s.first_activity_at, s.last_activity_at
FROM {private}.{mv_peer_mentor_stats} AS s
WHERE (SELECT {private}.{caller_sees_all}())
   OR s.chapter_id = ANY ((SELECT {private}.{coordinated_chapters}())::bigint[])
   OR s.peer_mentor_id = ANY ((SELECT {private}.{own_peer_mentors}())::bigint[])
ORDER BY s.chapter_id, s.peer_mentor_id
$function$
