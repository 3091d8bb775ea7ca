CREATE FUNCTION {private}.{bufdir_export}(period_start date, period_end date)
 RETURNS TABLE(chapter_id bigint, activity_type_id bigint, activities bigint,
               peer_mentors bigint, total_minutes bigint)
 LANGUAGE plpgsql
 STABLE
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The funder's export, behind public.bufdir_export (private and SECURITY DEFINER for the reason
-- given in dashboard_peer_mentor_stats): per chapter and activity type, the countable activities of the
-- Europe/Oslo days period_start .. period_end (both included), how many peer mentors did them,
-- and their minutes. It reads the same definition as the dashboard's views (countable_activities)
-- and is scoped like the dashboard: a coordinator's chapters; everything for roles that bypass
-- row-level security.
BEGIN
    IF period_start IS NULL OR period_end IS NULL THEN
        RAISE EXCEPTION 'bufdir_export needs both period_start and period_end (got % and %)',
                coalesce(period_start::text, 'NULL'), coalesce(period_end::text, 'NULL')
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Give the first and the last day of the reporting period.';
    END IF;
    IF period_end < period_start THEN
        RAISE EXCEPTION 'bufdir_export: period_end % is before period_start %',
                period_end, period_start
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The period runs from period_start to period_end, both included.';
    END IF;
    RETURN QUERY
    SELECT c.chapter_id, c.activity_type_id, count(*), count(DISTINCT c.peer_mentor_id),
           sum(c.duration_minutes)
    FROM {private}.{countable_activities} AS c
    WHERE c.local_day BETWEEN period_start AND period_end
      -- The same period as UTC minutes (its days start at Europe/Oslo midnights, whole
      -- minutes): a condition on a DISTINCT ON key reaches the counting rules' scan, which then
      -- reads the period's range of activities_counted_minute_idx, not every activity.
      AND c.utc_minute >= (period_start::timestamp AT TIME ZONE {reporting_time_zone})
                          AT TIME ZONE {dedup_time_zone}
      AND c.utc_minute < ((period_end + 1)::timestamp AT TIME ZONE {reporting_time_zone})
                         AT TIME ZONE {dedup_time_zone}
      AND ((SELECT {private}.{caller_sees_all}())
           OR c.chapter_id = ANY ((SELECT {private}.{coordinated_chapters}())::bigint[]))
    GROUP BY c.chapter_id, c.activity_type_id
    ORDER BY c.chapter_id, c.activity_type_id;
END
$function$
