-- The peer-mentor statistics, both tiers as one, as the dashboard's reader reads them. A mentor's
-- activities may lie on both sides of the history boundary, so the counts and minutes add up
-- and the first and last activity are the earliest and the latest of either tier (least and
-- greatest skip the tier that has none). Both tiers have one row per (peer_mentor_id,
-- chapter_id) at most (their unique indexes), so the full join keeps that key unique.
SELECT
    peer_mentor_id,
    chapter_id,
    COALESCE(h.activity_count, 0) + COALESCE(r.activity_count, 0) AS activity_count,
    COALESCE(h.total_minutes, 0) + COALESCE(r.total_minutes, 0) AS total_minutes,
    LEAST(h.first_activity_at, r.first_activity_at) AS first_activity_at,
    GREATEST(h.last_activity_at, r.last_activity_at) AS last_activity_at
FROM {private}.{mv_peer_mentor_stats_history} AS h
FULL JOIN {private}.{mv_peer_mentor_stats_recent} AS r USING (peer_mentor_id, chapter_id)
