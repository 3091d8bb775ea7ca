-- The counting rules, stated once. Both materialized views and the Bufdir export read through
-- this view; nothing else restates them.
--  * an activity counts only if its type counts for Bufdir;
--  * registrations of the same peer mentor, activity type and minute of occurred_at are one
--    activity (typically the mentor's own registration and a coordinator's proxy registration);
--    the earliest registered row (lowest created_at, then lowest id) is the one that counts;
--  * local_day is the calendar day in the reporting time zone, independent of the session's
--    TimeZone (AT TIME ZONE with a named zone, and the minute truncated in UTC).
-- The minute is taken of the UTC wall time (AT TIME ZONE, then date_trunc on a timestamp): both
-- functions are IMMUTABLE on every supported major, so the index below can hold the expression
-- (3-argument date_trunc is only IMMUTABLE from PostgreSQL 16).
-- The ORDER BY is the key of activities_counting_rules_idx, which also holds every column read
-- here and local_day (its last key, the same expression): the refresh reads that index in order
-- (no sort, no heap, no time zone conversion per row). The counting types are an array computed
-- once per query (an InitPlan), not a join evaluated per row.
-- utc_minute is the duplicate minute itself, a DISTINCT ON key: a condition on it (and only on
-- a DISTINCT ON key) is pushed down into this query, so the recent tier and the export read
-- their range of activities_counted_minute_idx instead of the whole table.
SELECT DISTINCT ON (a.peer_mentor_id, a.activity_type_id,
                    date_trunc('minute', (a.occurred_at AT TIME ZONE {dedup_time_zone})))
    a.id,
    a.peer_mentor_id,
    a.chapter_id,
    a.activity_type_id,
    a.occurred_at,
    (a.occurred_at AT TIME ZONE {reporting_time_zone})::date AS local_day,
    a.duration_minutes,
    a.registered_by,
    a.created_at,
    date_trunc('minute', (a.occurred_at AT TIME ZONE {dedup_time_zone})) AS utc_minute
FROM {public}.{activities} AS a
WHERE a.activity_type_id = ANY (ARRAY(
    SELECT t.id FROM {public}.{activity_types} AS t WHERE t.counts_for_bufdir))
ORDER BY a.peer_mentor_id, a.activity_type_id,
    date_trunc('minute', (a.occurred_at AT TIME ZONE {dedup_time_zone})), a.created_at, a.id
