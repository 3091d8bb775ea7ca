-- Per chapter, activity type and reporting-time-zone day: how many, how long.
SELECT
    c.chapter_id,
    c.activity_type_id,
    c.local_day AS day,
    count(*) AS activity_count,
    sum(c.duration_minutes) AS total_minutes
FROM {private}.{countable_activities} AS c
GROUP BY c.chapter_id, c.activity_type_id, c.local_day
