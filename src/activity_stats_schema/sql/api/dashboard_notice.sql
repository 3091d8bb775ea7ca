CREATE FUNCTION {public}.{dashboard_notice}()
 RETURNS TABLE(active boolean, message text, since timestamptz)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The contingency notice as the app reads it beside the dashboard's numbers (PostgREST:
-- /rest/v1/rpc/dashboard_notice): one row, active or not; while it is active, the message to
-- show and since when. SECURITY INVOKER: signed-in users may read these three columns of the
-- switches and nothing else (why it is on is for operators).
SELECT s.notice_active,
       CASE WHEN s.notice_active THEN s.notice_message END,
       CASE WHEN s.notice_active THEN s.notice_since END
FROM {private}.{contingency} AS s
$function$
