-- Per chapter, activity type and reporting-time-zone day: how many, how long;
-- of one tier, by the condition on utc_minute below (true in the live view: everything).
-- ORDER BY the unique key: REFRESH ... CONCURRENTLY first checks the new rows for duplicates by
-- sorting them on their whole-row image, which for these columns (positive bigints, dates after
-- 2000) is this order. Rows that arrive in order make that sort a single pass instead of a
-- full sort of the view. Any order is still correct.
SELECT
    c.chapter_id,
    c.activity_type_id,
    c.local_day AS day,
    count(*) AS activity_count,
    sum(c.duration_minutes) AS total_minutes
FROM {private}.{countable_activities} AS c
WHERE {tier}
GROUP BY c.chapter_id, c.activity_type_id, c.local_day
ORDER BY c.chapter_id, c.activity_type_id, c.local_day
