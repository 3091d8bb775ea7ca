CREATE FUNCTION {private}.{dashboard_peer_mentor_stats}()
 RETURNS TABLE(peer_mentor_id bigint, chapter_id bigint, activity_count bigint,
               total_minutes bigint, first_activity_at timestamptz, last_activity_at timestamptz)
 LANGUAGE sql
 STABLE
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The dashboard's read of the peer-mentor statistics, behind public.dashboard_peer_mentor_stats.
-- Materialized views cannot have row-level security, so this reads them as their owner and
-- returns only what the caller's policies would show: a coordinator's chapters, a peer
-- mentor's own rows, everything for roles that bypass RLS. It lives in the private schema
-- because a SECURITY DEFINER function in an exposed schema is an API endpoint that runs with
-- its owner's rights. It reads the two materialized tiers combined (peer_mentor_stats_tiers.sql),
-- or the live view when the refresh log's read_live_views is on (the fallback); the branch not
-- chosen is not executed (a one-time filter).
WITH source AS (
    SELECT s.peer_mentor_id, s.chapter_id, s.activity_count, s.total_minutes,
           s.first_activity_at, s.last_activity_at
    FROM ({peer_mentor_stats_tiers}) AS s
    WHERE NOT (SELECT l.read_live_views FROM {private}.{refresh_log} AS l)
    UNION ALL
    SELECT s.peer_mentor_id, s.chapter_id, s.activity_count, s.total_minutes,
           s.first_activity_at, s.last_activity_at
    FROM {private}.{live_peer_mentor_stats} AS s
    WHERE (SELECT l.read_live_views FROM {private}.{refresh_log} AS l)
)
SELECT s.peer_mentor_id, s.chapter_id, s.activity_count, s.total_minutes,
       s.first_activity_at, s.last_activity_at
FROM source AS s
WHERE (SELECT {private}.{caller_sees_all}())
   OR s.chapter_id = ANY ((SELECT {private}.{coordinated_chapters}())::bigint[])
   OR s.peer_mentor_id = ANY ((SELECT {private}.{own_peer_mentors}())::bigint[])
ORDER BY s.chapter_id, s.peer_mentor_id
$function$
