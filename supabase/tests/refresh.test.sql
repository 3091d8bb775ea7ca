-- pgTAP: the deferred, debounced refresh of the statistics views.
-- Runs in one transaction that is rolled back (supabase test db, or pg_prove). The trigger is
-- DEFERRABLE INITIALLY DEFERRED; SET CONSTRAINTS ALL IMMEDIATE fires it where COMMIT would.
-- The activities are of the last days, in the recent tier wherever the history boundary stands.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(23);

INSERT INTO public.chapters (id, name) VALUES (-1, 'pgtap chapter');
INSERT INTO public.peer_mentors (id, chapter_id, display_name) VALUES (-1, -1, 'pgtap mentor');
INSERT INTO public.activity_types (id, name) VALUES (-1, 'pgtap visit');
UPDATE activity_stats.stats_refresh_log
   SET last_attempt_at = '2000-01-01', refresh_count = 0, failure_count = 0,
       debounce_interval = '1 hour', last_error = NULL;

CREATE TEMP VIEW pgtap_log AS SELECT * FROM activity_stats.stats_refresh_log;
CREATE TEMP VIEW pgtap_counted AS
    SELECT (SELECT coalesce(sum(activity_count), 0)
              FROM (TABLE activity_stats.mv_peer_mentor_stats_history
                    UNION ALL TABLE activity_stats.mv_peer_mentor_stats_recent) AS s
             WHERE chapter_id = -1) AS in_mentor_stats,
           (SELECT coalesce(sum(activity_count), 0)
              FROM (TABLE activity_stats.mv_activity_time_series_history
                    UNION ALL TABLE activity_stats.mv_activity_time_series_recent) AS t
             WHERE chapter_id = -1) AS in_time_series;

-- (1) one INSERT: one refresh, the log updated, the row in both views
INSERT INTO public.activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at, duration_minutes)
VALUES (-1, -1, -1, date_trunc('minute', now()) - interval '5 hours', 30);
SET CONSTRAINTS ALL IMMEDIATE;
SELECT is((SELECT refresh_count FROM pgtap_log), 1::bigint, 'one insert: one refresh');
SELECT isnt((SELECT last_duration FROM pgtap_log), NULL, 'the refresh recorded its duration');
SELECT is((SELECT in_mentor_stats FROM pgtap_counted), 1::numeric, 'row in the peer-mentor statistics');
SELECT is((SELECT in_time_series FROM pgtap_counted), 1::numeric, 'row in the time series');

-- (2) a second INSERT inside the interval: no second refresh
SET CONSTRAINTS ALL DEFERRED;
INSERT INTO public.activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at, duration_minutes)
VALUES (-1, -1, -1, date_trunc('minute', now()) - interval '4 hours', 30);
SET CONSTRAINTS ALL IMMEDIATE;
SELECT is((SELECT refresh_count FROM pgtap_log), 1::bigint, 'two inserts inside the interval: one refresh');
SELECT is((SELECT in_mentor_stats FROM pgtap_counted), 1::numeric, 'the debounced row waits for the next refresh');

-- (3) 100 rows in one go, once the interval has passed: exactly one refresh
UPDATE activity_stats.stats_refresh_log SET last_attempt_at = '2000-01-01';
SET CONSTRAINTS ALL DEFERRED;
INSERT INTO public.activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at, duration_minutes)
SELECT -1, -1, -1, date_trunc('minute', now()) - interval '3 days' + g * interval '1 minute', 5
FROM generate_series(1, 100) AS g;
SET CONSTRAINTS ALL IMMEDIATE;
SELECT is((SELECT refresh_count FROM pgtap_log), 2::bigint, '100 rows: exactly one more refresh');
SELECT is((SELECT in_mentor_stats FROM pgtap_counted), 102::numeric, 'all 102 rows counted');

-- (4) a failing refresh (the unique index CONCURRENTLY needs is gone): the insert stands
DROP INDEX activity_stats.mv_peer_mentor_stats_recent_key;
UPDATE activity_stats.stats_refresh_log SET last_attempt_at = '2000-01-01';
SET CONSTRAINTS ALL DEFERRED;
INSERT INTO public.activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at, duration_minutes)
VALUES (-1, -1, -1, date_trunc('minute', now()) - interval '3 hours', 30);
SET CONSTRAINTS ALL IMMEDIATE;
SELECT is((SELECT failure_count FROM pgtap_log), 1::bigint, 'the failed refresh is recorded');
SELECT matches((SELECT last_error FROM pgtap_log), '^55000: ', 'with its SQLSTATE and message');
SELECT is((SELECT count(*) FROM public.activities WHERE chapter_id = -1), 103::bigint, 'the insert is kept');
SELECT is((SELECT last_attempt_at FROM pgtap_log), (SELECT last_error_at FROM pgtap_log),
          'the debounce restarts at the failure''s end');

-- (5) the failure moved the debounce forward: the next insert does not retry at once
SET CONSTRAINTS ALL DEFERRED;
INSERT INTO public.activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at, duration_minutes)
VALUES (-1, -1, -1, date_trunc('minute', now()) - interval '2 hours', 30);
SET CONSTRAINTS ALL IMMEDIATE;
SELECT is((SELECT failure_count FROM pgtap_log), 1::bigint, 'no retry inside the interval');

-- (6) a type switched to not count, with a refresh due: marked for the trailing edge, not
-- refreshed inside the statement (no row trigger on activities fires)
UPDATE activity_stats.stats_refresh_log SET last_attempt_at = '2000-01-01';
CREATE TEMP TABLE pgtap_before AS
    SELECT (SELECT count(*) FROM activity_stats.stats_pending_changes) AS markers,
           (SELECT refresh_count + failure_count FROM pgtap_log) AS attempts;
UPDATE public.activity_types SET counts_for_bufdir = false WHERE id = -1;
SELECT is((SELECT count(*) FROM activity_stats.stats_pending_changes),
          (SELECT markers + 1 FROM pgtap_before), 'switching what counts leaves a marker');
SELECT is((SELECT refresh_count + failure_count FROM pgtap_log),
          (SELECT attempts FROM pgtap_before), 'and does not refresh inside the statement');

-- The objects the refresh relies on
SELECT has_materialized_view('activity_stats', 'mv_activity_time_series_recent', 'the recent tier exists');
SELECT has_materialized_view('activity_stats', 'mv_activity_time_series_history', 'the history tier exists');
SELECT trigger_is('public', 'activities', 'activities_refresh_stats', 'activity_stats',
                  'activities_refresh_trigger', 'the deferred trigger calls the refresh');
SELECT trigger_is('public', 'activities', 'activities_insert_marks_stats', 'activity_stats',
                  'mark_stats_change', 'every insert statement leaves a marker');
SELECT trigger_is('public', 'activities', 'activities_update_marks_stats', 'activity_stats',
                  'mark_stats_change', 'every update statement leaves a marker');
SELECT trigger_is('public', 'activities', 'activities_delete_marks_stats', 'activity_stats',
                  'mark_stats_change', 'every delete statement leaves a marker');
SELECT trigger_is('public', 'activities', 'activities_truncate_marks_stats', 'activity_stats',
                  'mark_stats_change', 'a TRUNCATE is marked by the same function');
SELECT trigger_is('public', 'activity_types', 'activity_types_mark_stats', 'activity_stats',
                  'mark_stats_change', 'a change to what counts is marked by the same function');

SELECT * FROM finish();
ROLLBACK;
