// The design's client test, through the official client (supabase-flutter mirrors its API):
// a signed-in coordinator inserts activities with from('activities').insert(...) and reads the
// dashboard with rpc('dashboard_peer_mentor_stats'), against a real PostgREST behind Supabase's
// /rest/v1 path. tests/test_supabase_js.py starts the server, PostgREST, the gateway and the
// refresher, and passes what this needs in ACTIVITY_STATS_CLIENT_TEST.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as pause } from 'node:timers/promises';

import { createClient } from '@supabase/supabase-js';

const setup = JSON.parse(process.env.ACTIVITY_STATS_CLIENT_TEST);

function client(token) {
  return createClient(setup.url, setup.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: { headers: { Authorization: `Bearer ${token}` } },
  });
}

const coordinator = client(setup.coordinatorToken);
const anon = client(setup.anonKey);

// Each insert a minute later than the last: registrations of one mentor, type and minute are
// one activity under the counting rules.
let minutes = 0;

function activity(chapter) {
  minutes += 1;
  return {
    peer_mentor_id: setup.mentor[chapter],
    chapter_id: setup.chapter[chapter],
    activity_type_id: setup.activityType,
    occurred_at: new Date(Date.UTC(2026, 10, 2, 9, minutes)).toISOString(),
    duration_minutes: 30,
    registered_by: setup.coordinator,
  };
}

async function counted(chapter) {
  const { data, error } = await coordinator.rpc('dashboard_peer_mentor_stats');
  assert.equal(error, null);
  return data
    .filter((row) => row.chapter_id === setup.chapter[chapter])
    .reduce((sum, row) => sum + row.activity_count, 0);
}

// Milliseconds from the insert's response until the dashboard counts `expected`; the poll is
// the client's own loop, bounded by setup.giveUpMs (a failure, not the promise: that is timed
// in the benchmark).
async function msUntilCounted(chapter, expected, since) {
  for (;;) {
    if ((await counted(chapter)) === expected) return performance.now() - since;
    assert.ok(performance.now() - since < setup.giveUpMs, `not counted within ${setup.giveUpMs} ms`);
    await pause(20);
  }
}

test('an insert, and a second one inside the debounce window, reach the dashboard', async (t) => {
  const before = await counted('B');

  let start = performance.now();
  const first = await coordinator.from('activities').insert(activity('B'));
  assert.equal(first.error, null);
  assert.equal(first.status, 201);
  const firstMs = await msUntilCounted('B', before + 1, start);

  start = performance.now();
  const second = await coordinator.from('activities').insert(activity('B'));
  assert.equal(second.status, 201);
  const shownAtOnce = await counted('B');
  const secondMs = await msUntilCounted('B', before + 2, start);

  t.diagnostic(`first insert (refreshed at its COMMIT) visible after ${firstMs.toFixed(0)} ms`);
  t.diagnostic(`second insert (inside the ${setup.debounceSeconds} s debounce window, ` +
    `shown by the trailing edge) visible after ${secondMs.toFixed(0)} ms`);
  // Inside the window the COMMIT did not refresh: the trailing edge showed it.
  assert.equal(shownAtOnce, before + 1);
});

test("an insert into a chapter the coordinator does not hold is refused", async () => {
  const { error, status } = await coordinator.from('activities').insert(activity('C'));
  assert.equal(status, 403);
  assert.equal(error.code, '42501');
});

test('anon cannot call the dashboard functions', async () => {
  for (const fn of ['dashboard_peer_mentor_stats', 'dashboard_activity_time_series', 'dashboard_notice']) {
    const { data, error, status } = await anon.rpc(fn);
    assert.equal(data, null);
    assert.equal(status, 401);
    assert.equal(error.code, '42501');
  }
});
