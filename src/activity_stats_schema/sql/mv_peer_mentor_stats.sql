-- Per peer mentor and chapter: what counts, how long, first and last activity.
SELECT
    c.peer_mentor_id,
    c.chapter_id,
    count(*) AS activity_count,
    sum(c.duration_minutes) AS total_minutes,
    min(c.occurred_at) AS first_activity_at,
    max(c.occurred_at) AS last_activity_at
FROM {private}.{countable_activities} AS c
GROUP BY c.peer_mentor_id, c.chapter_id
