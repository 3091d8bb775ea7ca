-- The time series, both tiers as one, as the dashboard's reader reads it. The boundary is an Europe/Oslo
-- midnight, so every reporting day lies in one tier only, and the tiers' rows simply follow
-- each other (a filter on the day or the chapter reaches each tier's index).
SELECT h.chapter_id, h.activity_type_id, h.day, h.activity_count, h.total_minutes
FROM {private}.{mv_activity_time_series_history} AS h
UNION ALL
SELECT r.chapter_id, r.activity_type_id, r.day, r.activity_count, r.total_minutes
FROM {private}.{mv_activity_time_series_recent} AS r
