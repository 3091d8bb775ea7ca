CREATE FUNCTION {private}.{coordinated_chapters}()
 RETURNS bigint[]
 LANGUAGE sql
 STABLE
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The chapters the calling auth user coordinates (empty for anyone else). Policies call it as
-- (SELECT ...), an InitPlan evaluated once per statement, not once per row. SECURITY DEFINER so
-- it reads the assignments whatever their own policies allow.
SELECT coalesce(pg_catalog.array_agg(cc.chapter_id ORDER BY cc.chapter_id), '{{}}')
FROM {public}.{coordinator_chapters} AS cc
WHERE cc.coordinator_id = auth.uid()
$function$
