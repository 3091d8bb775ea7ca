CREATE FUNCTION {private}.{caller_sees_all}()
 RETURNS boolean
 LANGUAGE sql
 STABLE
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- Whether the caller would see every row of the tables anyway: a role that bypasses row-level
-- security (service_role, a superuser). Judged by the role the session acts as (PostgREST's
-- SET ROLE), never by JWT claims, which any session can set.
SELECT coalesce(r.rolsuper OR r.rolbypassrls, false)
FROM pg_catalog.pg_roles AS r
WHERE r.rolname = CASE pg_catalog.current_setting('role')
                      WHEN 'none' THEN SESSION_USER
                      ELSE pg_catalog.current_setting('role')
                  END
$function$
