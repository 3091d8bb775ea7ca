CREATE FUNCTION {private}.{own_peer_mentors}()
 RETURNS bigint[]
 LANGUAGE sql
 STABLE
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The peer mentor records of the calling auth user (empty for anyone else).
SELECT coalesce(pg_catalog.array_agg(pm.id ORDER BY pm.id), '{{}}')
FROM {public}.{peer_mentors} AS pm
WHERE pm.user_id = auth.uid()
$function$
