CREATE FUNCTION {private}.{recent_start_function}()
 RETURNS timestamp without time zone
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The history boundary as the counting rules' utc_minute: the recent tier holds the minutes
-- from here on, the history tier those before. The boundary is an Europe/Oslo midnight (the
-- log's check), so it is a whole UTC minute: no duplicate minute and no reporting day is on
-- both sides. Only refreshes call this (as the views' owner); it reads the log row, which
-- refresh_views moves in the same transaction as it refreshes both tiers.
SELECT l.history_boundary AT TIME ZONE {dedup_time_zone}
FROM {private}.{refresh_log} AS l
$function$
