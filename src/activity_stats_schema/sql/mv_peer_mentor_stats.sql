-- Per peer mentor and chapter: what counts, how long, first and last activity;
-- of one tier, by the condition on utc_minute below (true in the live view: everything).
-- ORDER BY the unique key: REFRESH ... CONCURRENTLY first checks the new rows for duplicates by
-- sorting them on their whole-row image, which for these columns (positive bigints, dates after
-- 2000) is this order. Rows that arrive in order make that sort a single pass instead of a
-- full sort of the view. Any order is still correct.
SELECT
    c.peer_mentor_id,
    c.chapter_id,
    count(*) AS activity_count,
    sum(c.duration_minutes) AS total_minutes,
    min(c.occurred_at) AS first_activity_at,
    max(c.occurred_at) AS last_activity_at
FROM {private}.{countable_activities} AS c
WHERE {tier}
GROUP BY c.peer_mentor_id, c.chapter_id
ORDER BY c.peer_mentor_id, c.chapter_id
