-- pgTAP: a coordinator of chapters A and B sees A and B and nothing of C, through the tables
-- and the dashboard functions, and cannot write into C. Acts as PostgREST does: SET LOCAL ROLE
-- authenticated and the JWT claims in request.jwt.claims.
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
SELECT plan(10);

INSERT INTO public.chapters (id, name) VALUES (-11, 'pgtap A'), (-12, 'pgtap B'), (-13, 'pgtap C');
INSERT INTO public.peer_mentors (id, chapter_id, display_name)
VALUES (-11, -11, 'mentor A'), (-12, -12, 'mentor B'), (-13, -13, 'mentor C');
INSERT INTO public.activity_types (id, name) VALUES (-11, 'pgtap visit');
INSERT INTO public.activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at, duration_minutes)
SELECT m, m, -11, '2026-06-01 10:00+02', 30 FROM unnest(ARRAY[-11, -12, -13]) AS m;
INSERT INTO public.coordinators (user_id, display_name, primary_chapter_id)
VALUES ('00000000-0000-4000-8000-00000000000a', 'coordinator of A and B', -11);
INSERT INTO public.coordinator_chapters (coordinator_id, chapter_id)
VALUES ('00000000-0000-4000-8000-00000000000a', -11), ('00000000-0000-4000-8000-00000000000a', -12);
SELECT activity_stats.refresh_stats(true);

SET LOCAL ROLE authenticated;
SELECT set_config('request.jwt.claims',
                  '{"role": "authenticated", "sub": "00000000-0000-4000-8000-00000000000a"}', true);

SELECT results_eq('SELECT DISTINCT chapter_id FROM public.activities ORDER BY 1',
                  ARRAY[-12::bigint, -11], 'activities: A and B only');
SELECT results_eq('SELECT id FROM public.chapters ORDER BY 1',
                  ARRAY[-12::bigint, -11], 'chapters: A and B only');
SELECT results_eq('SELECT chapter_id FROM public.peer_mentors ORDER BY 1',
                  ARRAY[-12::bigint, -11], 'peer mentors: A and B only');
SELECT results_eq('SELECT DISTINCT chapter_id FROM public.dashboard_peer_mentor_stats() ORDER BY 1',
                  ARRAY[-12::bigint, -11], 'dashboard_peer_mentor_stats: A and B only');
SELECT results_eq('SELECT DISTINCT chapter_id FROM public.dashboard_activity_time_series() ORDER BY 1',
                  ARRAY[-12::bigint, -11], 'dashboard_activity_time_series: A and B only');
SELECT throws_ok(
    $$INSERT INTO public.activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at,
        duration_minutes, registered_by)
      VALUES (-13, -13, -11, now(), 5, '00000000-0000-4000-8000-00000000000a')$$,
    '42501', NULL, 'no insert into C');
SELECT is_empty($$UPDATE public.activities SET duration_minutes = 1 WHERE chapter_id = -13 RETURNING id$$,
                'no update in C');
SELECT is_empty($$DELETE FROM public.activities WHERE chapter_id = -13 RETURNING id$$,
                'no delete in C');
SELECT throws_ok($$SELECT * FROM activity_stats.mv_peer_mentor_stats_recent$$, '42501', NULL,
                 'the materialized views are out of reach');

RESET ROLE;
SELECT is((SELECT duration_minutes FROM public.activities WHERE chapter_id = -13), 30,
          'C is untouched');

SELECT * FROM finish();
ROLLBACK;
