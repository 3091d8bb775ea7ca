-- pgTAP: another session's refresh in progress. The refresh skips without waiting and
-- without error, and the write stands. A second session is opened with dblink (contrib; on
-- Supabase enable the dblink extension, and give the connection string credentials).
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT plan(4);

-- The other session takes the log row as a refresh in progress does, and keeps it.
SELECT dblink_connect('busy', format('dbname=%s user=%s port=%s host=%s', current_database(),
    session_user, current_setting('port'),
    split_part(current_setting('unix_socket_directories'), ',', 1)));
SELECT dblink_exec('busy', 'BEGIN');
SELECT is((SELECT count(*) FROM dblink('busy',
               'SELECT singleton FROM activity_stats.stats_refresh_log FOR UPDATE') AS t(s boolean)),
          1::bigint, 'another session holds the log row');

-- A bounded wait: were the refresh to wait for the row, this statement would fail instead.
SET LOCAL lock_timeout = '2s';
INSERT INTO public.chapters (id, name) VALUES (-21, 'pgtap busy chapter');
INSERT INTO public.peer_mentors (id, chapter_id, display_name) VALUES (-21, -21, 'pgtap busy mentor');
INSERT INTO public.activity_types (id, name) VALUES (-21, 'pgtap busy visit');
INSERT INTO public.activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at, duration_minutes)
VALUES (-21, -21, -21, '2026-06-01 10:00+02', 30);

SELECT is(activity_stats.refresh_stats(true), 'busy', 'the refresh skips: another one is under way');
SET CONSTRAINTS ALL IMMEDIATE;  -- the deferred trigger's own call: skipped the same way
SELECT is((SELECT count(*) FROM public.activities WHERE chapter_id = -21), 1::bigint,
          'the write stands');
SELECT is((SELECT count(*) FROM activity_stats.stats_pending_changes) > 0, true,
          'its change waits for the next refresh');

SELECT dblink_exec('busy', 'ROLLBACK');
SELECT dblink_disconnect('busy');
SELECT * FROM finish();
ROLLBACK;
