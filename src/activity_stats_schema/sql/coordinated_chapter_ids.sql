CREATE FUNCTION {private}.{coordinated_chapters}()
 RETURNS bigint[]
 LANGUAGE sql
 STABLE
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The chapters the calling auth user coordinates (empty for anyone else): all of them, or only
-- their primary chapter while the single-chapter scope (a contingency switch) is on. Every path
-- a coordinator reads or writes through (the tables' policies, the dashboard, the export) asks
-- this function, so the switch narrows them all, from the next statement on. Policies call it
-- as (SELECT ...), an InitPlan evaluated once per statement, not once per row. SECURITY DEFINER
-- so it reads the assignments and the switch whatever their own access allows.
SELECT coalesce(pg_catalog.array_agg(cc.chapter_id ORDER BY cc.chapter_id), '{{}}')
FROM {public}.{coordinator_chapters} AS cc
JOIN {public}.{coordinators} AS c ON c.user_id = cc.coordinator_id
WHERE cc.coordinator_id = auth.uid()
  AND (cc.chapter_id = c.primary_chapter_id
       OR NOT (SELECT s.single_chapter_scope FROM {private}.{contingency} AS s))
$function$
