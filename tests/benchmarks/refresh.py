"""Cost and freshness of the refresh, as ratios measured in one run (``nox -s bench``).

On one embedded throwaway server, for each size N of ``activities`` (10k and 100k; ``--large``
adds 1M; ``--sizes`` chooses), in a database migrated by, owned by and written to as
``project_owner``, a role shaped like a Supabase project's ``postgres`` (not a superuser); the
superuser only sets up and resets. The N activities spread over the five years before now,
inserted in time order as a table fills (the recent ones on its last pages); the writers'
inserts land in the last week (the present). The history boundary (the Monday of the week that
14 days before now falls in) leaves the recent tier two to three weeks of them. Sizes above
``--lean-above`` (1M) run only the rows marked (lean): a 10M run then takes half an hour.

* (lean) both views refreshed after one recent change, as a COMMIT refreshes them (the recent
  tier), and after one backdated change, as the trailing edge does (``refresh_pending()``: the
  history tier alone, read in full, then the recent tier), each / the design before the tiers:
  one materialized view per statistic with the same query over all history, refreshed
  CONCURRENTLY with the same work_mem;
* (lean) the dashboard's read of the peer-mentor statistics and 200 days of the time series:
  from the two tiers as the readers combine them / from the one-view-each design; and the
  dashboard functions over the materialized tiers / over the live views (the fallback);
* (lean) staleness of recent changes while a fifth writer registers a backdated activity every
  ``--backdated-every`` seconds (the refresher as the trailing edge, sync mode), and the
  staleness of those backdated changes: from their COMMIT to the end of the first refresh that
  included the history tier and started after it;
* (lean: the first) single-row insert transactions per second, 1 and 8 clients: trigger
  (window open) / none, where the trigger is the deferred refresh and the statement-level
  marking triggers, "none" neither; the same as PostgREST requests of signed-in peer mentors
  (``SET LOCAL ROLE authenticated``, the JWT claims, ``INSERT … RETURNING`` under the row-level
  policies: the path a Supabase client's writes take); and from pgbench (a C client: the
  server's own cost per commit);
* the same, 1 client (pgbench and psycopg), for the trigger before the tiers / none: no
  statement-level marks, one marker per transaction written by the deferred trigger at COMMIT
  (the design the marks replaced, which could not say how far back a change reaches);
* the floor of the mechanism, 1 client (psycopg and pgbench), each / none: "trigger, body
  emptied" is the shipped trigger and function header (the once-per-transaction ``WHEN`` gate,
  SECURITY DEFINER, pinned search_path) with a body that only resets the gate, which no body
  can go below; "bare trigger" is a deferred constraint trigger with no ``WHEN`` and an empty
  SECURITY INVOKER function (a bulk insert would call it per row), which no trigger of the
  prescribed kind can go below;
* (lean: the first) a 10,000-row insert: trigger (window open) / none, and a straightforward
  per-row trigger / none;
* the COMMIT p50 of 1 client (window open), trigger / none, while 100,000 deleted markers wait
  for a VACUUM that an old snapshot holds off (a long report, a standby's feedback): what each
  commit's marker probe reads when the marker table is bloated;
* commit latency (the COMMIT statement, where the deferred trigger runs) p50 / p99 / max of 4
  writers, sync mode and async mode (refresher running), flat out and at the steady rate,
  each against the same writers with no trigger while the views are refreshed on the same
  schedule, the way the refresher refreshes them (so the difference is the trigger's, not the
  refresh's CPU), and the async p99 also against writers with no refresh at all, as are the
  two floors' COMMIT p99 under the same load.
  Every writer begins with a few unmeasured transactions in its new session (a warm-up, in every
  mode); the first commit of a new session (the function compiled, caches filled) is its own row;
* both tiers refreshed: CONCURRENTLY / plain, and ours / a straightforward version (the
  counting rules joined per row and sorted, no refresh settings, read through a narrower index
  on mentor, type and time); and the recent tier as ``refresher --view-sessions`` refreshes it,
  each view on a session of its own at once / as ``refresh_stats`` and the default refresher
  do it, one after the other in one session (``--view-sessions`` runs the staleness and latency
  rows' refresher that way too);
* client-observed freshness: a signed-in coordinator inserts through the real PostgREST
  (``POST /activities``) and reads ``rpc/dashboard_peer_mentor_stats`` until its count shows
  the insert, p50 / p99 / max seconds from sending the insert (a refresh inside its COMMIT
  counts, as the client waits for it), with the refresher running,
  at the default debounce interval and at the one the README recommends for the 2-second
  promise (1 s); inserts are spaced by a random share of the interval, so some land inside the
  window (``--no-client`` leaves these rows out; they need tests/js's PostgREST);
* (lean) staleness from commit (when COMMIT returned) to visible (when the NOTIFY of the first
  refresh that started after it arrived), p50 / p99 / max, sync and async, under 4 writers
  inserting flat out (on 2 cores they starve the refresh of CPU) and at a steady ``--rate``
  each; and the changes never shown: once the trailing edge has run, the rows in which the
  dashboard's statistics (the tiers combined) differ from the live views (the refresher is the
  trailing edge in both modes).

Modes alternate where they are compared, so drift on the machine hits both alike: the TPS rows
run their rounds in ABBA order and show the median of the rounds' ratios with its range, the
bulk inserts rotate which mode runs first, and each latency percentile's ratio carries a 95%
bootstrap interval (the commits resampled), so a ratio near a target says whether it could be
chance. The plot of staleness over time is written to ``bench-output/staleness.png``
(``staleness-durable.png`` with ``--durable``, so the two runs keep their own). ``--durable``
runs the server with durable commits (fsync and synchronous_commit on), as production does.
"""

import argparse
import datetime as dt
import itertools
import multiprocessing
import os
import platform
import queue
import random
import re
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import psycopg
from psycopg import sql

import activity_stats_schema
from activity_stats_schema import names
from activity_stats_schema.operations.migrate import upgrade
from activity_stats_schema.operations.refresher import Refresher
from activity_stats_schema.schema.functions import CALL_REFRESH_PENDING, FORCE_REFRESH
from activity_stats_schema.sqlfiles import render, render_template
from activity_stats_schema.testing import emulation
from activity_stats_schema.testing.embedded import binaries, embedded_server
from tests.support.api import INSTALL_HINT, Api, postgrest, postgrest_installed
from tests.support.data import leave_cleared_markers, make_due, set_log

ACTIVITIES = sql.Identifier(names.ACTIVITIES)
OURS = sql.Identifier(names.REFRESH_TRIGGER)
NAIVE = sql.Identifier("bench_per_row_refresh")
#: A deferred constraint trigger with no WHEN clause and an empty function: the floor of any
#: trigger of the prescribed kind.
BARE = sql.Identifier("bench_bare_trigger")
BARE_FUNCTION = sql.Identifier("bench_empty_trigger_function")
#: The statement-level triggers that mark every change to activities: part of "ours".
MARKS = tuple(
    sql.Identifier(t)
    for t in (names.INSERT_MARK_TRIGGER, names.UPDATE_MARK_TRIGGER, names.DELETE_MARK_TRIGGER)
)
#: The design before the tiers, for "… / none" beside the shipped trigger's row: no
#: statement-level marks; the deferred trigger, behind the same once-per-transaction gate, writes
#: the transaction's one marker at COMMIT (the same probe and debounce check; it cannot say how
#: far back the change reaches). Measured inside the window, where neither refreshes.
BEFORE_TIERS = sql.Identifier("bench_marker_at_commit")
BEFORE_TIERS_FUNCTION = "bench_marker_at_commit"
BEFORE_TIERS_SQL = """CREATE FUNCTION {private}.{before_tiers}() RETURNS trigger
 LANGUAGE plpgsql SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp' SET enable_seqscan TO 'off'
AS $function$
DECLARE
    v_due   boolean;
    v_first boolean;
BEGIN
    SELECT NOT (l.async_refresh OR l.read_live_views)
               AND NOT l.last_attempt_at > pg_catalog.clock_timestamp() - l.debounce_interval,
           NOT EXISTS (SELECT FROM {private}.{pending_changes} AS p
                        WHERE p.id > l.pending_cleared_through)
      INTO v_due, v_first
      FROM {private}.{refresh_log} AS l;
    IF v_first THEN
        PERFORM pg_catalog.pg_notify({changes_channel}, '');
    END IF;
    INSERT INTO {private}.{pending_changes} (touched_from) VALUES ({every_tier});
    IF v_due THEN
        PERFORM {private}.{refresh_function}(false, false, false);
    END IF;
    PERFORM pg_catalog.set_config({queued_setting}, '', true);
    RETURN NULL;
END
$function$"""
#: The triggers each mode of ``use`` enables ("none" enables none).
MODE_TRIGGERS = {
    "ours": (OURS, *MARKS),
    "per-row": (NAIVE,),
    "bare": (BARE,),
    "before the tiers": (BEFORE_TIERS,),
}
LOG = sql.Identifier(names.PRIVATE_SCHEMA, names.REFRESH_LOG)
#: The recent tier now, whatever the debounce: what a COMMIT's refresh does. (FORCE_REFRESH
#: refreshes both tiers, as after a load that skipped the triggers.)
REFRESH_RECENT = sql.SQL("SELECT {}.{}(true, false)").format(
    sql.Identifier(names.PRIVATE_SCHEMA), sql.Identifier(names.REFRESH_FUNCTION)
)
PENDING = sql.Identifier(names.PRIVATE_SCHEMA, names.PENDING_CHANGES)
TRIGGER_FUNCTION = sql.Identifier(names.PRIVATE_SCHEMA, names.TRIGGER_FUNCTION)
CHAPTERS, MENTORS_PER_CHAPTER, TYPES = 50, 20, 5
OUTPUT = Path("bench-output")
#: Unmeasured transactions each writer runs first: past the function's compilation and
#: psycopg's switch to a prepared statement (its fifth execution).
WARM_UP = 10
#: ``--durable``: every commit is flushed, so the trigger's cost is set against a real commit's.
DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}
#: Deleted markers an old snapshot keeps from VACUUM in the bloated-marker row: about 560 pages,
#: what 100,000 commits leave behind while, say, a report runs for an hour.
HELD_MARKERS = 100_000

#: The rows of the results table: (measure, ratio, figures).
Table = list[tuple[str, float, str]]
#: The refreshes the refresh rows time, by mode.
REFRESH_MODES = (
    "recent",
    "backdated",
    "whole",
    "concurrently",
    "plain",
    "straightforward",
    "sessions",
    "one session",
)
#: The design before the tiers, for "… / one view each holding all history": the same queries
#: (the live views'), materialized whole, with their unique keys.
WHOLE_VIEWS = ("bench_whole_peer_mentor_stats", "bench_whole_activity_time_series")
WHOLE = f"""
CREATE MATERIALIZED VIEW {WHOLE_VIEWS[0]} AS
    SELECT * FROM {names.PRIVATE_SCHEMA}.{names.LIVE_PEER_MENTOR_STATS};
CREATE UNIQUE INDEX ON {WHOLE_VIEWS[0]} (peer_mentor_id, chapter_id);
CREATE MATERIALIZED VIEW {WHOLE_VIEWS[1]} AS
    SELECT * FROM {names.PRIVATE_SCHEMA}.{names.LIVE_ACTIVITY_TIME_SERIES};
CREATE UNIQUE INDEX ON {WHOLE_VIEWS[1]} (chapter_id, activity_type_id, day);
"""
WORK_MEM = names.DEFAULT_REFRESH_WORK_MEM
#: What the dashboard reads, without the readers' scope: the statistics in the readers' order
#: and 200 days of the time series, from the tiers (as the readers combine them) and from the
#: whole views.
LAST_200_DAYS = "WHERE day BETWEEN current_date - 200 AND current_date ORDER BY 1, 2, 3"
#: Each statistic's tiers combined as the dashboard's readers combine them, by its live twin.
TIERS = {
    names.LIVE_PEER_MENTOR_STATS: render("peer_mentor_stats_tiers.sql"),
    names.LIVE_ACTIVITY_TIME_SERIES: render("activity_time_series_tiers.sql"),
}
TIERS_READ = (
    f"SELECT * FROM ({TIERS[names.LIVE_PEER_MENTOR_STATS]}) AS s"
    " ORDER BY chapter_id, peer_mentor_id",
    f"SELECT * FROM ({TIERS[names.LIVE_ACTIVITY_TIME_SERIES]}) AS t {LAST_200_DAYS}",
)
WHOLE_READ = (
    f"SELECT * FROM {WHOLE_VIEWS[0]} ORDER BY chapter_id, peer_mentor_id",
    f"SELECT * FROM {WHOLE_VIEWS[1]} {LAST_200_DAYS}",
)

#: The straightforward shape, for "ours / the straightforward version": the counting rules
#: with a per-row join and a sort, views without ORDER BY, the narrower index, default settings.
STRAIGHTFORWARD = """
CREATE INDEX bench_straightforward_idx
    ON activities (peer_mentor_id, activity_type_id, occurred_at);
CREATE VIEW bench_countable AS
SELECT DISTINCT ON (a.peer_mentor_id, a.activity_type_id,
                    date_trunc('minute', a.occurred_at, 'UTC'))
    a.id, a.peer_mentor_id, a.chapter_id, a.activity_type_id, a.occurred_at,
    (a.occurred_at AT TIME ZONE 'Europe/Oslo')::date AS local_day, a.duration_minutes
FROM activities AS a JOIN activity_types AS t ON t.id = a.activity_type_id
WHERE t.counts_for_bufdir
ORDER BY a.peer_mentor_id, a.activity_type_id, date_trunc('minute', a.occurred_at, 'UTC'),
    a.created_at, a.id;
CREATE MATERIALIZED VIEW bench_mv_peer_mentor_stats AS
SELECT c.peer_mentor_id, c.chapter_id, count(*) AS activity_count,
       sum(c.duration_minutes) AS total_minutes, min(c.occurred_at) AS first_activity_at,
       max(c.occurred_at) AS last_activity_at
FROM bench_countable AS c GROUP BY c.peer_mentor_id, c.chapter_id;
CREATE UNIQUE INDEX ON bench_mv_peer_mentor_stats (peer_mentor_id, chapter_id);
CREATE MATERIALIZED VIEW bench_mv_activity_time_series AS
SELECT c.chapter_id, c.activity_type_id, c.local_day AS day, count(*) AS activity_count,
       sum(c.duration_minutes) AS total_minutes
FROM bench_countable AS c GROUP BY c.chapter_id, c.activity_type_id, c.local_day;
CREATE UNIQUE INDEX ON bench_mv_activity_time_series (chapter_id, activity_type_id, day);
"""

#: Activities up to ``span`` minutes before now: the history spreads over five years, and the
#: writers' inserts land in the last week (the present), as registrations do.
INSERT = """
INSERT INTO activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at,
                        duration_minutes)
SELECT m, (m - 1) / %(per_chapter)s + 1, 1 + g %% %(types)s,
       date_trunc('minute', now())
           - ((g::bigint * 7919 + %(salt)s) %% %(span)s) * interval '1 minute', 30
FROM generate_series(1, %(rows)s) AS g,
     LATERAL (SELECT 1 + (g * 31 + %(salt)s) %% %(mentors)s AS m) AS pick
"""
#: The history: activities over the ``span`` minutes before now, inserted in time order as a
#: table fills, so that the recent ones are on the table's last pages.
HISTORY_INSERT = """
INSERT INTO activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at,
                        duration_minutes)
SELECT m, (m - 1) / %(per_chapter)s + 1, 1 + g %% %(types)s,
       date_trunc('minute', now()) - %(span)s * interval '1 minute'
           + (g::bigint * %(span)s / %(rows)s) * interval '1 minute', 30
FROM generate_series(1, %(rows)s) AS g,
     LATERAL (SELECT 1 + (g * 31 + %(salt)s) %% %(mentors)s AS m) AS pick
"""
#: Minutes of the generated history (five years) and of the present the writers insert into.
HISTORY_SPAN = 5 * 525_600
RECENT_SPAN = 7 * 1_440
#: A backdated registration: one to three years ago.
#: The marker a statement that inserted the newest activity leaves (mark_stats_change).
MARK_LAST_ACTIVITY = sql.SQL(
    "INSERT INTO {} (touched_from) SELECT occurred_at FROM activities ORDER BY id DESC LIMIT 1"
).format(PENDING)
BACKDATED = """
INSERT INTO activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at,
                        duration_minutes)
VALUES (1, 1, 1, date_trunc('minute', now()) - (525600 + %s %% 1051200) * interval '1 minute', 30)
"""


#: One activity as a Supabase client writes it: through PostgREST, as ``authenticated``, under
#: the insert policy (``registered_by`` is the caller, the mentor their own).
API_INSERT = """
INSERT INTO activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at,
                        duration_minutes, registered_by)
VALUES (%(mentor)s, %(chapter)s, 1 + %(salt)s %% %(types)s,
        date_trunc('minute', now()) - (%(salt)s::bigint * 7919 %% 10080) * interval '1 minute',
        30, %(user)s)
RETURNING id
"""
#: The peer mentors that sign in (``setup`` gives every one a user id).
SIGNED_IN_MENTORS = "SELECT id, chapter_id, user_id FROM peer_mentors WHERE user_id IS NOT NULL"


def insert_rows(
    conn: psycopg.Connection, rows: int, salt: int = 0, span: int = RECENT_SPAN
) -> None:
    conn.execute(
        HISTORY_INSERT if span == HISTORY_SPAN else INSERT,
        {
            "span": span,
            "rows": rows,
            "per_chapter": MENTORS_PER_CHAPTER,
            "types": TYPES,
            "mentors": CHAPTERS * MENTORS_PER_CHAPTER,
            "salt": salt,
        },
    )


#: A deferred constraint trigger fired for every row: (trigger, table, function).
PER_ROW_TRIGGER = sql.SQL(
    "CREATE CONSTRAINT TRIGGER {} AFTER INSERT OR UPDATE OR DELETE ON {}"
    " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {}()"
)


def setup(conn: psycopg.Connection) -> None:
    conn.execute(
        "INSERT INTO chapters (name) SELECT 'chapter ' || g FROM generate_series(1, %s) g",
        [CHAPTERS],
    )
    conn.execute(
        "INSERT INTO peer_mentors (chapter_id, display_name)"
        " SELECT (g - 1) / %s + 1, 'mentor ' || g FROM generate_series(1, %s) g",
        [MENTORS_PER_CHAPTER, CHAPTERS * MENTORS_PER_CHAPTER],
    )
    conn.execute(
        "INSERT INTO activity_types (name) SELECT 'type ' || g FROM generate_series(1, %s) g",
        [TYPES],
    )
    # Signed-in peer mentors, for the writers that go through the API's path.
    conn.execute("UPDATE peer_mentors SET user_id = gen_random_uuid()")
    # The straightforward trigger: the same function, fired for every row (no WHEN gate).
    conn.execute(PER_ROW_TRIGGER.format(NAIVE, ACTIVITIES, TRIGGER_FUNCTION))
    conn.execute(
        sql.SQL(
            "CREATE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'"
        ).format(BARE_FUNCTION)
    )
    conn.execute(PER_ROW_TRIGGER.format(BARE, ACTIVITIES, BARE_FUNCTION))
    # The trigger before the tiers: the shipped gate, calling the commit-time marker.
    before = sql.Identifier(names.PRIVATE_SCHEMA, BEFORE_TIERS_FUNCTION)
    function = render_template(BEFORE_TIERS_SQL, before_tiers=sql.Identifier(BEFORE_TIERS_FUNCTION))
    conn.execute(function.encode())
    shipped = render("activities_refresh_stats_trigger.sql")
    conn.execute(
        shipped.replace(names.REFRESH_TRIGGER, BEFORE_TIERS.as_string(conn), 1)
        .replace(TRIGGER_FUNCTION.as_string(conn), before.as_string(conn))
        .encode()
    )
    conn.execute(WHOLE)


@contextmanager
def trigger_body_emptied(conn: psycopg.Connection) -> Iterator[None]:
    """The shipped trigger function with its body reduced to resetting the once-per-transaction
    flag: same trigger and WHEN gate, same header (SECURITY DEFINER, pinned search_path), so
    "ours" then measures what the mechanism costs before the function does any work."""
    row = conn.execute(
        "SELECT pg_get_functiondef(p.oid) FROM pg_proc AS p"
        " JOIN pg_namespace AS n ON n.oid = p.pronamespace"
        " WHERE n.nspname = %s AND p.proname = %s",
        [names.PRIVATE_SCHEMA, names.TRIGGER_FUNCTION],
    ).fetchone()
    assert row, "the trigger function is missing"
    original: str = row[0]
    body = sql.SQL("BEGIN PERFORM pg_catalog.set_config({}, '', true); RETURN NULL; END").format(
        sql.Literal(names.QUEUED_SETTING)
    )
    start, end = original.index("$function$"), original.rindex("$function$")
    emptied = original[:start] + "$function$" + body.as_string(conn) + original[end:]
    conn.execute(emptied.encode())  # the catalog's own text, run as it is (bytes: no parameters)
    try:
        yield
    finally:
        conn.execute(original.encode())


@contextmanager
def markers_kept(url: str, conn: psycopg.Connection, count: int) -> Iterator[None]:
    """``count`` markers inserted and cleared, as refreshes clear them, while another session's
    REPEATABLE READ snapshot keeps VACUUM from removing them. The marker table's statistics stay
    as the last VACUUM ANALYZE left them (a small table), as they are between autovacuum's runs
    on a table that grows."""
    with psycopg.connect(url) as holder:
        holder.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        holder.execute("SELECT 1")  # the snapshot is taken: from here on nothing is removed
        leave_cleared_markers(conn, count)
        try:
            yield
        finally:
            holder.rollback()


def commit_p50(url: str, seconds: float) -> float:
    """One writer's median COMMIT, single-row inserts as fast as it can for ``seconds``."""
    writer = Writers(url, 1, seconds)
    writer.run()
    return statistics.median(c.commit for c in writer.commits)


def open_window(conn: psycopg.Connection) -> None:
    """Inside the debounce window: every commit's check finds a recent refresh."""
    conn.execute(
        sql.SQL(
            "UPDATE {} SET debounce_interval = '1 day', last_attempt_at = clock_timestamp(),"
            " async_refresh = false"
        ).format(LOG)
    )


def use(conn: psycopg.Connection, mode: str) -> None:
    for name, triggers in MODE_TRIGGERS.items():
        action = sql.SQL("ENABLE" if mode == name else "DISABLE")
        for trigger in triggers:
            conn.execute(
                sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(ACTIVITIES, action, trigger)
            )


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Commit(NamedTuple):
    """One writer's transaction: when its COMMIT returned (epoch s), how long the COMMIT took
    (where the deferred trigger runs) and the whole transaction (BEGIN, INSERT, COMMIT)."""

    end: float
    commit: float
    transaction: float


def _write(
    url: str,
    seconds: float,
    rate: float | None,
    salt: int,
    api: bool,
    start: Any,
    results: Any,
) -> None:
    """One writer process: single-row insert transactions until ``seconds`` have passed; with
    ``api``, each as one PostgREST request of a signed-in peer mentor."""
    own: list[Commit] = []
    with psycopg.connect(url, autocommit=True) as conn:
        mentors = conn.execute(SIGNED_IN_MENTORS).fetchall()

        def transaction(salt: int) -> Commit:
            began = time.perf_counter()
            if api:
                mentor, chapter, user = mentors[salt % len(mentors)]
                with emulation.as_api_user(conn, names.AUTHENTICATED_ROLE, user):
                    parameters = {"mentor": mentor, "chapter": chapter, "user": user}
                    conn.execute(API_INSERT, {**parameters, "salt": salt, "types": TYPES})
                    committing = time.perf_counter()
            else:
                with conn.transaction():
                    insert_rows(conn, 1, salt)
                    committing = time.perf_counter()
            ended = time.perf_counter()
            return Commit(time.time(), ended - committing, ended - began)

        # Warm the session up before measuring, in every mode alike: a new session's first
        # trigger call compiles the PL/pgSQL function and fills the catalog caches (about a
        # millisecond), a cost per connection, not per write. It is reported on its own.
        first = transaction(salt)
        for warm in range(1, WARM_UP):
            transaction(salt + warm)
        salt += WARM_UP
        start.wait()  # every writer connected and warm: run over the same window
        stop_at = time.monotonic() + seconds
        next_at = time.monotonic()
        while time.monotonic() < stop_at:
            if rate:
                # Pacing the load generator, not synchronising with the server.
                next_at = max(next_at + 1 / rate, time.monotonic())
                time.sleep(max(0.0, next_at - time.monotonic()))
            own.append(transaction(salt))
            salt += 1
    results.put((first, own))


@dataclass
class Writers:
    """``clients`` processes inserting one row per transaction for ``seconds``: as fast as they
    can, or each at ``rate`` transactions per second (a steady load that leaves the machine
    room, as real writers do). Processes, not threads: a writer waiting for the interpreter
    lock after its COMMIT returned would add that wait to the commit latency it records."""

    url: str
    clients: int
    seconds: float
    rate: float | None = None
    #: Each transaction as a PostgREST request (``SET LOCAL ROLE authenticated``, the JWT
    #: claims, an ``INSERT … RETURNING`` under the row-level policies), not as the owner.
    api: bool = False
    commits: list[Commit] = field(default_factory=list)
    #: Each writer's first transaction in its new session (a warm-up, not in ``commits``).
    first: list[Commit] = field(default_factory=list)

    def run(self) -> None:
        context = multiprocessing.get_context("spawn")  # the caller may be running threads
        start = context.Barrier(self.clients)
        results = context.Queue()
        processes = [
            context.Process(
                target=_write,
                args=(self.url, self.seconds, self.rate, i * 100_000, self.api, start, results),
            )
            for i in range(self.clients)
        ]
        for p in processes:
            p.start()
        deadline = time.monotonic() + self.seconds + 120
        for _ in processes:
            while True:
                try:
                    first, own = results.get(timeout=1)
                    self.first.append(first)
                    self.commits.extend(own)
                    break
                except queue.Empty:
                    failed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
                    if failed or time.monotonic() > deadline:
                        for p in processes:
                            p.terminate()
                        raise RuntimeError(f"writers failed (exit codes {failed})") from None
        for p in processes:
            p.join()
            if p.exitcode != 0:
                raise RuntimeError(f"a writer process failed (exit code {p.exitcode})")

    @property
    def tps(self) -> float:
        return len(self.commits) / self.seconds


@dataclass
class Paired:
    """Rounds of a measurement with no trigger and with a trigger, paired: the median of each
    mode and the ratio of each round (the two measured back to back)."""

    medians: dict[str, float]
    ratios: list[float]

    @property
    def ratio(self) -> float:
        """The median of the rounds' ratios: each pair shares the machine's state of the
        moment, so drift over the run cancels within it (the same baseline can move by half
        between two rows of one run)."""
        return statistics.median(self.ratios)


def alternate(
    conn: psycopg.Connection, rounds: int, measure: Callable[[], float], trigger: str = "ours"
) -> Paired:
    """``measure`` with no trigger and with ``trigger`` (a mode of ``use``), inside the window,
    in ABBA order (none first in even rounds, the trigger first in odd ones), so that neither
    mode always runs second, on the table and the markers the first one left."""
    result: dict[str, list[float]] = {"none": [], trigger: []}
    for round_ in range(rounds):
        modes = list(result) if round_ % 2 == 0 else list(reversed(result))
        for mode in modes:
            use(conn, mode)
            open_window(conn)
            result[mode].append(measure())
    return Paired(
        {m: statistics.median(v) for m, v in result.items()},
        [t / n for t, n in zip(result[trigger], result["none"], strict=True)],
    )


def spread(ratios: list[float]) -> str:
    """The range of the rounds' ratios, for the figures column: how far one round moves."""
    return f"{len(ratios)} rounds {min(ratios):.3f}-{max(ratios):.3f}"


def writers_tps(
    url: str,
    conn: psycopg.Connection,
    clients: int,
    seconds: float,
    rounds: int = 4,
    trigger: str = "ours",
    api: bool = False,
) -> Paired:
    def measure() -> float:
        writers = Writers(url, clients, seconds, api=api)
        writers.run()
        return writers.tps

    return alternate(conn, rounds, measure, trigger)


PGBENCH_SCRIPT = """\\set m random(1, {mentors})
INSERT INTO activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at,
  duration_minutes) VALUES (:m, (:m - 1) / {per_chapter} + 1, 1 + :m % {types},
  timestamptz '2025-01-01' + random(1, 1051200) * interval '1 minute', 30);
"""


def pgbench_tps(
    url: str, conn: psycopg.Connection, seconds: float, rounds: int = 4, trigger: str = "ours"
) -> Paired:
    """Single-row inserts from pgbench (C client, prepared statements): the server's own cost
    per commit, which a client library's overhead otherwise dilutes."""
    script = PGBENCH_SCRIPT.format(
        mentors=CHAPTERS * MENTORS_PER_CHAPTER, per_chapter=MENTORS_PER_CHAPTER, types=TYPES
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as file:
        file.write(script)
        file.flush()
        command = [str(binaries() / "pgbench"), "-n", "-M", "prepared", "-f", file.name]
        command += ["-T", str(max(1, round(seconds))), url]

        def measure() -> float:
            out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            found = re.search(r"^tps = ([0-9.]+)", out, re.MULTILINE)
            assert found, out
            return float(found.group(1))

        return alternate(conn, rounds, measure, trigger)


class Refresh(NamedTuple):
    """A successful refresh: its start from the log (changes committed before it are in it),
    when its NOTIFY arrived (after its commit), and which tiers it refreshed."""

    start: float
    visible: float
    recent: bool
    history: bool


@dataclass
class RefreshWatcher:
    """Records every successful refresh (:class:`Refresh`)."""

    url: str
    refreshes: list[Refresh] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    #: The log's last_refreshed_at and history_refreshed_at (epoch s) at the last NOTIFY.
    seen: tuple[float, float] = (0.0, 0.0)

    def run(self) -> None:
        stamps = sql.SQL(
            "SELECT extract(epoch FROM last_refreshed_at)::float8,"
            " extract(epoch FROM history_refreshed_at)::float8 FROM {}"
        ).format(LOG)
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(names.REFRESHED_CHANNEL)))
            row = conn.execute(stamps).fetchone()
            self.seen = (row[0], row[1]) if row else self.seen
            while not self.stop.is_set():
                # Read the log only after the generator has let go of the connection.
                notes = list(conn.notifies(timeout=0.5, stop_after=1))
                visible = time.time()
                if not notes or notes[0].payload != "refreshed":
                    continue
                # The next refresh cannot have committed yet: each takes tens of ms at least.
                row = conn.execute(stamps).fetchone()
                if row:
                    self.record(row[0], row[1], visible)

    def record(self, recent: float, history: float, visible: float) -> None:
        """The refreshes one NOTIFY stands for: a refresh of history alone and the recent
        tier's after it commit together (one NOTIFY), each with its own start."""
        if history not in (recent, self.seen[1]):
            self.refreshes.append(Refresh(history, visible, recent=False, history=True))
        if recent != self.seen[0]:
            self.refreshes.append(Refresh(recent, visible, recent=True, history=history == recent))
        self.seen = (recent, history)

    def shown(self, commits: list[float], history: bool = False) -> list[tuple[float, float]]:
        """(commit, seconds until shown) for each commit: until the first refresh (of history,
        with ``history``) that started after it ended."""
        refreshes = [r for r in self.refreshes if (r.history if history else r.recent)]
        shown = []
        for committed in commits:
            ends = [r.visible for r in refreshes if r.start >= committed]
            if not ends and not history:
                # No refresh started after this COMMIT returned: in sync mode the commit
                # refreshed itself (its change is visible when it returns). Counted as visible
                # at the end of the first refresh that ended after it, at least 0 s; the count
                # of differences says whether anything was left out.
                ends = [max(r.visible, committed) for r in refreshes if r.visible >= committed]
            if ends:
                shown.append((committed, min(ends) - committed))
        return shown


#: Rows in which the dashboard's statistics (the tiers combined, as its readers combine them)
#: and the live views differ: changes never shown (or shown wrongly) once the trailing edge has
#: run.
DIFFERENCES = sql.SQL(
    "SELECT (SELECT count(*) FROM ((({tiers}) EXCEPT ALL TABLE {live})"
    " UNION ALL (TABLE {live} EXCEPT ALL ({tiers}))) d)"
)


def differences(conn: psycopg.Connection) -> int:
    total = 0
    for live, tiers in TIERS.items():
        row = conn.execute(
            DIFFERENCES.format(
                tiers=sql.SQL(tiers), live=sql.Identifier(names.PRIVATE_SCHEMA, live)
            )
        ).fetchone()
        total += int(row[0]) if row else 0
    return total


@dataclass
class RefreshLoad:
    """The no-trigger baseline's share of the refresh work: both views refreshed once per
    ``interval`` (from each start, as the debounce counts), the way the refresher does it in
    async mode under steady changes (with ``view_sessions`` as the refresher has them). Writers
    then compete with the same refreshes in both runs, and the difference in their commit
    latency is the trigger's own cost."""

    url: str
    interval: float
    view_sessions: bool = False
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        refresher = Refresher(self.url, view_sessions=self.view_sessions)
        with refresher.connect() as conn, refresher.view_connections() as helpers:
            while not self.stop.is_set():
                started = time.monotonic()
                refresher.refresh_once(conn, helpers, force=True)
                self.stop.wait(max(0.0, started + self.interval - time.monotonic()))


def baseline_commits(
    url: str,
    conn: psycopg.Connection,
    seconds: float,
    interval: float | None,
    rate: float | None,
    trigger: str = "none",
    view_sessions: bool = False,
) -> Writers:
    """The same 4 writers (same ``rate``) with no trigger (or ``trigger``, a mode of ``use``, in
    async mode with no refresh due: the floor rows); with ``interval``, while the views are
    refreshed on the async refresher's schedule."""
    set_log(conn, debounce_interval=dt.timedelta(days=1), async_refresh=True)
    use(conn, trigger)
    writers = Writers(url, 4, seconds, rate)
    if interval is None:
        writers.run()
    else:
        load = RefreshLoad(url, interval, view_sessions)
        thread = threading.Thread(target=load.run)
        thread.start()
        try:
            writers.run()
        finally:
            load.stop.set()
            thread.join()
    return writers


@dataclass
class Backdater:
    """Registers one backdated activity (one to three years ago) every ``every`` seconds, on a
    connection of its own, and records when each COMMIT returned."""

    url: str
    every: float
    commits: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            salt = 0
            while not self.stop.wait(self.every):  # pacing the load, not synchronising
                with conn.transaction():
                    conn.execute(BACKDATED, [salt * 7919])
                self.commits.append(time.time())
                salt += 1


def staleness(
    url: str,
    conn: psycopg.Connection,
    async_mode: bool,
    seconds: float,
    interval: float,
    rate: float | None,
    view_sessions: bool = False,
    backdated_every: float | None = None,
) -> dict[str, object]:
    """Inserts by 4 writers (paced at ``rate`` each, or flat out); the refresher runs (the
    trailing edge) in both modes. With ``backdated_every``, a fifth writer registers backdated
    activities meanwhile, which only a refresh of the history tier shows."""
    use(conn, "ours")
    set_log(conn, debounce_interval=dt.timedelta(seconds=interval), async_refresh=async_mode)
    make_due(conn)
    conn.execute(REFRESH_RECENT)
    watcher = RefreshWatcher(url)
    refresher = Refresher(url, view_sessions=view_sessions)
    backdater = Backdater(url, backdated_every or 0.0)
    targets = [watcher.run, refresher.run, *([backdater.run] if backdated_every else [])]
    threads = [threading.Thread(target=target) for target in targets]
    for t in threads:
        t.start()
    writers = Writers(url, 4, seconds, rate)
    writers.run()
    backdater.stop.set()
    # Let the trailing edge finish (the interval plus a refresh, bounded): until no change
    # waits and a refresh has ended after the last commit.
    deadline = time.monotonic() + interval + 120
    last_commit = max(c.end for c in writers.commits)
    while time.monotonic() < deadline:
        row = conn.execute(sql.SQL("SELECT EXISTS (SELECT FROM {})").format(PENDING)).fetchone()
        if row == (False,) and watcher.refreshes and watcher.refreshes[-1].visible >= last_commit:
            break
        time.sleep(0.1)  # a benchmark waiting for its own measurement, not a test
    refresher.stop.set()
    watcher.stop.set()
    for t in threads:
        t.join()
    shown = watcher.shown([c.end for c in writers.commits])
    values = [s for _, s in shown]
    backdated = [s for _, s in watcher.shown(backdater.commits, history=True)]
    return {
        "p50": percentile(values, 50),
        "p99": percentile(values, 99),
        "max": max(values),
        "never": differences(conn),
        "points": shown,
        "commits": writers.commits,
        "first": writers.first,
        "refreshes": len(watcher.refreshes),
        "history refreshes": sum(r.history for r in watcher.refreshes),
        "backdated": backdated,
        "backdated commits": len(backdater.commits),
    }


#: The coordinator the client-observed rows sign in as: chapter 1, watching its first mentor.
CLIENT_COORDINATOR = "00000000-0000-4000-8000-00000000c0de"
#: Debounce interval (s) and inserts of the client-observed rows: the shipped default, and the
#: setting the README recommends for the 2-second promise.
CLIENT_SETTINGS = ((10.0, 12), (1.0, 30))
#: The client's inserts are after every generated activity, each in a minute of its own
#: (registrations of one mentor, type and minute count once): the next minute to use.
CLIENT_EPOCH = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
CLIENT_MINUTES = itertools.count()


def add_client_coordinator(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute(
            "INSERT INTO coordinators (user_id, display_name, primary_chapter_id)"
            " VALUES (%s, 'bench coordinator', 1)",
            [CLIENT_COORDINATOR],
        )
        conn.execute(
            "INSERT INTO coordinator_chapters (coordinator_id, chapter_id) VALUES (%s, 1)",
            [CLIENT_COORDINATOR],
        )


class ClientRun(NamedTuple):
    #: Seconds from sending each insert until the dashboard RPC first counts it.
    visible: list[float]
    #: Seconds each insert took to be answered (a refresh at its COMMIT included).
    answered: list[float]


def client_freshness(
    url: str, conn: psycopg.Connection, api: Api, interval: float, samples: int
) -> ClientRun:
    """As a Supabase client sees it: from sending an insert (through PostgREST) until the
    dashboard RPC counts it. The refresher is the trailing edge."""
    use(conn, "ours")
    set_log(conn, debounce_interval=dt.timedelta(seconds=interval), async_refresh=False)
    make_due(conn)
    conn.execute(REFRESH_RECENT)
    token = api.token(names.AUTHENTICATED_ROLE, uuid.UUID(CLIENT_COORDINATOR))
    refresher = Refresher(url)
    thread = threading.Thread(target=refresher.run)
    thread.start()
    rng = random.Random(SEED)  # noqa: S311 (spacing of inserts, not a secret)
    run = ClientRun([], [])
    try:
        for _ in range(samples):
            before = client_count(api, token)
            row = {
                "peer_mentor_id": 1,
                "chapter_id": 1,
                "activity_type_id": 1,
                # A minute of its own: registrations of one minute count once.
                "occurred_at": (
                    CLIENT_EPOCH + dt.timedelta(minutes=next(CLIENT_MINUTES))
                ).isoformat(),
                "duration_minutes": 30,
                "registered_by": CLIENT_COORDINATOR,
            }
            sent = time.monotonic()
            response = api.request("POST", "/activities", token, row)
            run.answered.append(time.monotonic() - sent)
            assert response.status == 201, response.body
            while client_count(api, token) != before + 1:
                if time.monotonic() - sent > interval + 60:
                    raise RuntimeError("an insert was not shown within a minute of its window")
            run.visible.append(time.monotonic() - sent)
            time.sleep(rng.uniform(0, interval))  # the next insert lands anywhere in the window
    finally:
        refresher.stop.set()
        thread.join()
    return run


def client_count(api: Api, token: str) -> int:
    """The watched mentor's count on the coordinator's dashboard."""
    response = api.request("POST", "/rpc/dashboard_peer_mentor_stats", token, {})
    assert response.status == 200, response.body
    return sum(r["activity_count"] for r in response.body if r["peer_mentor_id"] == 1)


def refresh_both(conn: psycopg.Connection, concurrently: bool) -> float:
    how = sql.SQL("CONCURRENTLY " if concurrently else "")

    def run() -> None:
        for view in names.MATERIALIZED_VIEWS:
            conn.execute(
                sql.SQL("REFRESH MATERIALIZED VIEW {}{}").format(
                    how, sql.Identifier(names.PRIVATE_SCHEMA, view)
                )
            )

    return timed(run)


def refresh_ours(conn: psycopg.Connection) -> float:
    """Both views through the refresh function (its settings, the shipped views and index)."""
    return timed(lambda: conn.execute(FORCE_REFRESH))


def refresh_straightforward(conn: psycopg.Connection) -> float:
    """Both views refreshed the straightforward way: the objects above, with
    the counting index out of reach (dropped inside a transaction that is rolled back)."""

    with conn.transaction(force_rollback=True):
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(names.COUNTING_INDEX)))
        started = time.perf_counter()
        for view in ("bench_mv_peer_mentor_stats", "bench_mv_activity_time_series"):
            conn.execute(
                sql.SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY {}").format(sql.Identifier(view))
            )
        return time.perf_counter() - started


def dashboard(conn: psycopg.Connection, live: bool) -> float:
    """The dashboard's two functions, over the materialized tiers or the live views."""
    set_log(conn, read_live_views=live)
    try:
        return read_both(conn, DASHBOARD_READ, repeat=5)
    finally:
        set_log(conn, read_live_views=False)


DASHBOARD_READ = (
    "SELECT * FROM dashboard_peer_mentor_stats()",
    "SELECT * FROM dashboard_activity_time_series(current_date - 200, current_date)",
)


def more_tps_rows(
    url: str, conn: psycopg.Connection, args: argparse.Namespace, tps_row: Callable[..., None]
) -> None:
    """The TPS rows beyond psycopg's writers: through PostgREST's path, from pgbench, and the
    floors of the mechanism."""
    # The path a Supabase client's writes take: the same trigger against a dearer transaction.
    for clients in (1, 8):
        api = writers_tps(url, conn, clients, args.seconds, api=True)
        tps_row(f"{clients} client(s), as PostgREST requests", api)
    tps_row("pgbench 1 client", pgbench_tps(url, conn, args.seconds))
    # What the statement-level marks cost against the design they replaced.
    before, label = "before the tiers", "trigger before the tiers"
    tps_row("pgbench 1 client", pgbench_tps(url, conn, args.seconds, trigger=before), label)
    tps_row("1 client(s)", writers_tps(url, conn, 1, args.seconds, trigger=before), label)
    # The floor: what the rows above would be if the function did nothing at all.
    with trigger_body_emptied(conn):
        emptied = "trigger, body emptied"
        tps_row("1 client(s)", writers_tps(url, conn, 1, args.seconds), emptied)
        tps_row("pgbench 1 client", pgbench_tps(url, conn, args.seconds), emptied)
    bare = "bare trigger"
    tps_row("1 client(s)", writers_tps(url, conn, 1, args.seconds, trigger="bare"), bare)
    tps_row("pgbench 1 client", pgbench_tps(url, conn, args.seconds, trigger="bare"), bare)


def measure(
    url: str,
    conn: psycopg.Connection,
    size: int,
    args: argparse.Namespace,
    table: list[tuple[str, float, str]],
    plots: dict[str, list[tuple[float, float]]],
    client: Api | None = None,
) -> None:
    use(conn, "none")
    current = conn.execute("SELECT count(*) FROM activities").fetchone()
    missing = size - int(current[0]) if current else size
    if missing > 0:
        insert_rows(conn, missing, salt=size, span=HISTORY_SPAN)
    # As autovacuum leaves a table in steady use; an autovacuum of the fresh rows during the
    # first measurements would load one mode more than the other.
    conn.execute("VACUUM ANALYZE")
    conn.execute(FORCE_REFRESH)
    label = f"N={size:,}"
    mark = conn.execute("SELECT max(id) FROM activities").fetchone()

    def back_to_size() -> None:
        """Remove what a measurement inserted, so every figure of this size sees N rows."""
        use(conn, "none")
        conn.execute("DELETE FROM activities WHERE id > %s", [mark[0] if mark else 0])
        # Also clears the markers the measurement left: its changes are all recent.
        conn.execute(REFRESH_RECENT)
        # Every table as autovacuum would leave it: the deleted rows, the cleared markers and
        # the refreshed views' old rows are not left for an autovacuum during the next figure.
        conn.execute("VACUUM ANALYZE")

    def tps_row(clients: str, tps: Paired, what: str = "trigger") -> None:
        back_to_size()
        with_trigger = next(v for k, v in tps.medians.items() if k != "none")
        table.append(
            (
                f"{label} single-row insert TPS, {clients}: {what} / none",
                tps.ratio,
                f"{with_trigger:.0f} / {tps.medians['none']:.0f} tx/s; {spread(tps.ratios)}",
            )
        )

    lean = size > args.lean_above
    for clients in (1, 8):
        tps_row(f"{clients} client(s)", writers_tps(url, conn, clients, args.seconds))
    if not lean:
        more_tps_rows(url, conn, args, tps_row)

    bulk: dict[str, list[float]] = {"none": [], "ours": [], "per-row": []}
    modes = list(bulk)
    for round_ in range(args.repeat):
        # Each round starts with the next mode, so that no mode always runs first.
        for mode in modes[round_ % 3 :] + modes[: round_ % 3]:
            use(conn, mode)
            open_window(conn)

            def run(mode_salt: int = round_) -> None:
                with conn.transaction():
                    insert_rows(conn, 10_000, salt=mode_salt)

            bulk[mode].append(timed(run))
            use(conn, "none")
            conn.execute(
                "DELETE FROM activities WHERE id > (SELECT max(id) - 10000 FROM activities)"
            )
    for mode, what in (("ours", "trigger"), ("per-row", "per-row trigger")):
        ratios = [t / n for t, n in zip(bulk[mode], bulk["none"], strict=True)]
        ms = statistics.median(bulk[mode]) * 1000, statistics.median(bulk["none"]) * 1000
        table.append(
            (
                f"{label} 10,000-row insert: {what} / none",
                statistics.median(ratios),
                f"{ms[0]:.0f} / {ms[1]:.0f} ms; {spread(ratios)}",
            )
        )

    back_to_size()
    if not lean:
        markers_row(url, conn, args, label, table)
        back_to_size()
    refresh_rows(url, conn, lean, label, table)
    back_to_size()
    dashboard_rows(conn, label, table)
    staleness_rows(url, conn, args, lean, label, table, plots, back_to_size)
    backdated_rows(url, conn, args, label, table, back_to_size)
    back_to_size()
    if client is not None and not lean:
        client_rows(url, conn, client, label, table, back_to_size)


def markers_row(
    url: str,
    conn: psycopg.Connection,
    args: argparse.Namespace,
    label: str,
    table: list[tuple[str, float, str]],
) -> None:
    with markers_kept(url, conn, HELD_MARKERS):
        kept = alternate(conn, 4, lambda: commit_p50(url, args.seconds))
    ms = kept.medians["ours"] * 1000, kept.medians["none"] * 1000
    table.append(
        (
            f"{label} COMMIT p50, 1 client, {HELD_MARKERS:,} deleted markers kept: trigger / none",
            kept.ratio,
            f"{ms[0]:.2f} / {ms[1]:.2f} ms; {spread(kept.ratios)}",
        )
    )


def after_change(conn: psycopg.Connection, backdated: bool, salt: int) -> float:
    """One activity registered (recent, or backdated), then the refresh that shows it: the
    recent tier as a COMMIT refreshes it, or, after a backdated change, the trailing edge's
    ``refresh_pending()`` (history alone, then the recent tier). The insert's triggers are off:
    a backdated change's marker is written as its statement trigger writes it."""
    use(conn, "none")
    if not backdated:
        insert_rows(conn, 1, salt)
        return timed(lambda: conn.execute(REFRESH_RECENT))
    conn.execute(BACKDATED, [salt])
    conn.execute(MARK_LAST_ACTIVITY)
    make_due(conn)
    return timed(lambda: conn.execute(CALL_REFRESH_PENDING))


def refresh_whole(conn: psycopg.Connection) -> float:
    """The design before the tiers: one materialized view per statistic holding all history
    (the same queries), refreshed CONCURRENTLY with the refresh's work_mem."""

    def run() -> None:
        with conn.transaction():
            conn.execute(sql.SQL("SET LOCAL work_mem = {}").format(sql.Literal(WORK_MEM)))
            for view in WHOLE_VIEWS:
                conn.execute(
                    sql.SQL("REFRESH MATERIALIZED VIEW CONCURRENTLY {}").format(
                        sql.Identifier(view)
                    )
                )

    return timed(run)


def refresh_rows(url: str, conn: psycopg.Connection, lean: bool, label: str, table: Table) -> None:
    conn.execute("VACUUM ANALYZE activities")  # as autovacuum leaves it in steady use
    if not lean:
        conn.execute(STRAIGHTFORWARD)
        conn.execute("ANALYZE")
    refresh: dict[str, list[float]] = {key: [] for key in REFRESH_MODES}
    row = conn.execute("SELECT max(id) FROM activities").fetchone()
    last = row[0] if row else 0
    refresher = Refresher(url, view_sessions=True)
    with refresher.connect() as main, refresher.view_connections() as helpers:
        for round_ in range(3):
            refresh["recent"].append(after_change(conn, False, round_))
            refresh["backdated"].append(after_change(conn, True, round_ * 7919))
            refresh["whole"].append(refresh_whole(conn))
            if lean:
                continue
            refresh["concurrently"].append(refresh_both(conn, True))
            refresh["plain"].append(refresh_both(conn, False))
            refresh["straightforward"].append(refresh_straightforward(conn))
            for mode, sessions in (("sessions", helpers), ("one session", [])):
                # A recent change marked and left to the refresher (async mode), then refreshed.
                use(conn, "ours")
                set_log(conn, async_refresh=True)
                with conn.transaction():
                    insert_rows(conn, 1, round_ + 17)
                make_due(conn)
                refresh[mode].append(timed(lambda s=sessions: refresher.refresh_once(main, s)))
                set_log(conn, async_refresh=False)
    # The rows inserted here, some of them backdated, went in with the triggers off: removed,
    # and both tiers brought back in line.
    use(conn, "none")
    conn.execute("DELETE FROM activities WHERE id > %s", [last])
    conn.execute(FORCE_REFRESH)
    if not lean:
        conn.execute(
            "DROP MATERIALIZED VIEW bench_mv_peer_mentor_stats, bench_mv_activity_time_series;"
            " DROP VIEW bench_countable; DROP INDEX bench_straightforward_idx"
        )
    ms = {m: statistics.median(v) * 1000 for m, v in refresh.items() if v}
    rows = [
        (
            "after a recent change: recent tier / one view each holding all history",
            "recent",
            "whole",
        ),
        (
            "after a backdated change: history, then recent / one view each holding all history",
            "backdated",
            "whole",
        ),
    ]
    if not lean:
        rows += [
            ("(both tiers) CONCURRENTLY / plain", "concurrently", "plain"),
            ("(both tiers) ours / straightforward", "backdated", "straightforward"),
            ("(recent tier) refresher's view sessions / one session", "sessions", "one session"),
        ]
    for what, mine, other in rows:
        table.append(
            (
                f"{label} refresh both views {what}",
                ms[mine] / ms[other],
                f"{ms[mine]:.0f} / {ms[other]:.0f} ms",
            )
        )


def read_both(conn: psycopg.Connection, queries: tuple[str, str], repeat: int = 7) -> float:
    """Median time of reading the peer-mentor statistics and 200 days of the time series."""
    return statistics.median(
        timed(lambda: [conn.execute(q).fetchall() for q in queries]) for _ in range(repeat)
    )


def dashboard_rows(conn: psycopg.Connection, label: str, table: Table) -> None:
    tiers, whole = read_both(conn, TIERS_READ), read_both(conn, WHOLE_READ)
    table.append(
        (
            f"{label} dashboard read (statistics, 200 days of series): tiers / one view each",
            tiers / whole,
            f"{tiers * 1000:.1f} / {whole * 1000:.1f} ms",
        )
    )
    mv, live = dashboard(conn, False), dashboard(conn, True)
    table.append(
        (
            f"{label} dashboard functions: materialized tiers / plain-view fallback",
            mv / live,
            f"{mv * 1000:.1f} / {live * 1000:.1f} ms",
        )
    )


def staleness_rows(
    url: str,
    conn: psycopg.Connection,
    args: argparse.Namespace,
    lean: bool,
    label: str,
    table: Table,
    plots: dict[str, list[tuple[float, float]]],
    reset: Callable[[], None],
) -> None:
    loads = (("flat out", None), (f"{args.rate:g} tx/s each", args.rate))
    first: dict[str, list[Commit]] = {"quiet": [], "async": []}
    for load, rate in loads:
        seconds = args.seconds * 3 if rate is None else args.steady_seconds
        runs = {} if lean else baselines(url, conn, args, seconds, rate, first, reset)
        for mode, async_mode in (("sync", False), ("async", True)):
            r = staleness(url, conn, async_mode, seconds, args.interval, rate, args.view_sessions)
            reset()
            runs[mode] = r["commits"]  # type: ignore[assignment]
            if async_mode:
                first["async"].extend(r["first"])  # type: ignore[arg-type]
            plots[f"{label} {mode}, {load}"] = r["points"]  # type: ignore[assignment]
            table.append(
                (
                    f"{label} staleness {mode}, 4 writers {load} (p50 / p99 / max s; never shown)",
                    float(r["p99"]),  # type: ignore[arg-type]
                    f"{r['p50']:.2f} / {r['p99']:.2f} / {r['max']:.2f}; {r['never']};"
                    f" {r['refreshes']} refreshes; {len(runs[mode])} commits",
                )
            )
        if not lean:
            table.extend(latency_rows(f"{label} {{}}, {load}", runs))
    if lean:
        return
    ours, none = (statistics.median(c.commit for c in first[k]) for k in ("async", "quiet"))
    table.append(
        (
            f"{label} first commit of a new session (median of {len(first['async'])}):"
            " trigger / none",
            ours / none,
            f"{ours * 1000:.2f} / {none * 1000:.2f} ms",
        )
    )


def baselines(
    url: str,
    conn: psycopg.Connection,
    args: argparse.Namespace,
    seconds: float,
    rate: float | None,
    first: dict[str, list[Commit]],
    reset: Callable[[], None],
) -> dict[str, list[Commit]]:
    """Baselines for one load: no trigger, with the async refresher's refreshes (so trigger /
    none is the trigger's own cost), and with no refresh at all; and the floor of the mechanism
    under the same load, with no refresh."""
    quiet = baseline_commits(url, conn, seconds, None, rate)
    runs = {"quiet": quiet.commits}
    first["quiet"].extend(quiet.first)
    reset()
    runs["none"] = baseline_commits(
        url, conn, seconds, args.interval, rate, view_sessions=args.view_sessions
    ).commits
    reset()
    runs["bare"] = baseline_commits(url, conn, seconds, None, rate, trigger="bare").commits
    reset()
    with trigger_body_emptied(conn):
        runs["emptied"] = baseline_commits(url, conn, seconds, None, rate, "ours").commits
    reset()
    return runs


def backdated_rows(
    url: str,
    conn: psycopg.Connection,
    args: argparse.Namespace,
    label: str,
    table: Table,
    reset: Callable[[], None],
) -> None:
    """The steady load, sync mode, while a fifth writer registers a backdated activity every
    ``--backdated-every`` seconds: how long those take to show (a refresh of history, by the
    trailing edge), and what the history refreshes cost the recent changes meanwhile."""
    r = staleness(
        url,
        conn,
        False,
        args.steady_seconds,
        args.interval,
        args.rate,
        args.view_sessions,
        backdated_every=args.backdated_every,
    )
    reset()
    load = f"4 writers {args.rate:g} tx/s each + 1 backdated every {args.backdated_every:g} s"
    backdated: list[float] = r["backdated"]  # type: ignore[assignment]
    table.append(
        (
            f"{label} staleness sync of recent changes, {load} (p50 / p99 / max s; never shown)",
            float(r["p99"]),  # type: ignore[arg-type]
            f"{r['p50']:.2f} / {r['p99']:.2f} / {r['max']:.2f}; {r['never']};"
            f" {r['refreshes']} refreshes, {r['history refreshes']} with history",
        )
    )
    table.append(
        (
            f"{label} staleness of the backdated changes, {load} (p50 / p99 / max s)",
            percentile(backdated, 99),
            f"{percentile(backdated, 50):.2f} / {percentile(backdated, 99):.2f} /"
            f" {max(backdated):.2f}; {len(backdated)} of {r['backdated commits']} shown",
        )
    )


def client_rows(
    url: str,
    conn: psycopg.Connection,
    client: Api,
    label: str,
    table: Table,
    reset: Callable[[], None],
) -> None:
    for interval, samples in CLIENT_SETTINGS:
        run = client_freshness(url, conn, client, interval, samples)
        reset()
        seen = run.visible
        table.append(
            (
                f"{label} client-observed freshness via PostgREST, debounce {interval:g} s"
                " (insert sent to counted: p50 / p99 / max s)",
                percentile(seen, 99),
                f"{percentile(seen, 50):.2f} / {percentile(seen, 99):.2f} / {max(seen):.2f};"
                f" {len(seen)} inserts, answered in p50 {percentile(run.answered, 50):.2f} s",
            )
        )


#: Statistics of the latency rows, by name.
STATISTICS: dict[str, Callable[[list[float]], float]] = {
    "p50": lambda v: percentile(v, 50),
    "p99": lambda v: percentile(v, 99),
    "max": max,
}
#: The floor runs of the latency rows, by the name their row shows.
FLOORS = {"bare": "bare trigger", "emptied": "trigger, body emptied"}
#: What the latency rows compare: (the latency measured, the statistics shown).
LATENCIES = (("commit", ("p50", "p99", "max")), ("transaction", ("p50", "p99")))
#: Bootstrap resamples behind a latency ratio's interval; fixed seed: one run, one table.
RESAMPLES, SEED = 1000, 20261124


def ratio_interval(ours: list[float], base: list[float], q: float) -> tuple[float, float]:
    """95% bootstrap interval of percentile(ours, q) / percentile(base, q): both runs' commits
    resampled with replacement. A p99 of 2,000 commits is the 20th worst: whether a ratio near
    a target is above or below it may be chance, and the interval says how much."""
    rng = np.random.default_rng(SEED)
    ratios = np.empty(RESAMPLES)
    a, b = np.asarray(ours), np.asarray(base)
    # In chunks: a flat-out run has tens of thousands of commits.
    for start in range(0, RESAMPLES, 100):
        n = min(100, RESAMPLES - start)
        top = np.percentile(rng.choice(a, size=(n, a.size)), q, axis=1, method="nearest")
        bottom = np.percentile(rng.choice(b, size=(n, b.size)), q, axis=1, method="nearest")
        ratios[start : start + n] = top / bottom
    low, high = np.percentile(ratios, [2.5, 97.5])
    return float(low), float(high)


def latency_rows(label: str, runs: dict[str, list[Commit]]) -> list[tuple[str, float, str]]:
    """Trigger / none for the COMMIT (p50 / p99 / max) and the whole write transaction (p50 /
    p99), sync and async; the async COMMIT p99 against writers with no refresh at all: what
    the refresh work itself (wherever it runs) costs the writers on 2 cores; and the floors'
    COMMIT p99 against the same: what any trigger of the prescribed kind costs there. ``label``
    has a ``{}`` for what the row measures. Percentile rows give their 95% interval."""
    rows = []
    compared = [
        (mode, what, stat, "none")
        for mode in ("sync", "async")
        for what, stats in LATENCIES
        for stat in stats
    ]
    compared.append(("async", "commit", "p99", "quiet"))
    compared.extend((floor, "commit", "p99", "quiet") for floor in FLOORS)
    for mode, what, stat, base in compared:
        pick = STATISTICS[stat]
        mine = [getattr(c, what) for c in runs[mode]]
        theirs = [getattr(c, what) for c in runs[base]]
        ours, none = pick(mine), pick(theirs)
        against = "none" if base == "none" else "none, no refreshes"
        measured = f"{what} latency {stat}" + (f", {mode}" if mode not in FLOORS else "")
        figures = f"{ours * 1000:.2f} / {none * 1000:.2f} ms"
        if stat != "max":
            low, high = ratio_interval(mine, theirs, float(stat[1:]))
            figures += f"; 95% interval {low:.3f}-{high:.3f}"
        rows.append(
            (
                label.format(measured) + f": {FLOORS.get(mode, 'trigger')} / {against}",
                ours / none,
                figures,
            )
        )
    return rows


def plot(plots: dict[str, list[tuple[float, float]]], name: str) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    OUTPUT.mkdir(exist_ok=True)
    # One panel per size ("N=… mode, load" keys), each run from its own first commit.
    sizes = list(dict.fromkeys(key.split(" ", 1)[0] for key in plots))
    fig, axes = plt.subplots(len(sizes), 1, figsize=(10, 3.2 * len(sizes)), squeeze=False)
    for ax, size in zip(axes[:, 0], sizes, strict=True):
        for key, points in plots.items():
            if key.split(" ", 1)[0] == size and points:
                start = min(c for c, _ in points)
                ax.plot(
                    [c - start for c, _ in points],
                    [s for _, s in points],
                    ".",
                    markersize=2,
                    label=key.split(" ", 1)[1],
                )
        ax.set_title(f"{size} activities")
        ax.set_ylabel("commit to visible (s)")
        ax.legend(fontsize="small", markerscale=4)
    axes[-1, 0].set_xlabel("seconds into the run (commit time)")
    fig.suptitle("activity_stats: staleness under steady inserts (4 writers)")
    fig.tight_layout()
    path = OUTPUT / name
    fig.savefig(path, dpi=110)
    return path


#: The benchmark's database on its throwaway server.
BENCH_DATABASE = "activity_stats_bench"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--large", action="store_true", help="also N = 1,000,000")
    parser.add_argument("--sizes", type=int, nargs="*", help="row counts (default 10k 100k)")
    parser.add_argument("--seconds", type=float, default=3.0, help="per TPS measurement")
    parser.add_argument("--repeat", type=int, default=5, help="runs per bulk-insert mode")
    parser.add_argument(
        "--interval", type=float, default=1.0, help="debounce interval (s) for the staleness runs"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=25.0,
        help="transactions per second of each of the 4 writers in the paced staleness runs",
    )
    parser.add_argument(
        "--steady-seconds",
        type=float,
        default=20.0,
        help="length (s) of each paced run: 2,000 commits at the default rate, so that a p99 is"
        " not the 9th worst of 900, which moved between runs by a third",
    )
    parser.add_argument(
        "--view-sessions",
        action="store_true",
        help="the refresher of the staleness and latency runs refreshes each view on a"
        " connection of its own (refresher --view-sessions)",
    )
    parser.add_argument(
        "--lean-above",
        type=int,
        default=1_000_000,
        help="sizes above this run only the freshness rows (insert TPS and 10,000-row insert,"
        " refreshes, dashboard reads, staleness): a 10,000,000 run then takes half an hour",
    )
    parser.add_argument(
        "--backdated-every",
        type=float,
        default=5.0,
        help="seconds between the backdated registrations of the backdated-staleness run",
    )
    parser.add_argument(
        "--no-client",
        action="store_true",
        help="leave out the client-observed rows (they run the real PostgREST from tests/js)",
    )
    parser.add_argument(
        "--no-report",
        action="store_true",
        help="print the table only; leave docs/benchmarks.md as it is",
    )
    parser.add_argument(
        "--durable",
        action="store_true",
        help="fsync, synchronous_commit and full_page_writes on, as a production server runs"
        " (the default throwaway server turns them off)",
    )
    args = parser.parse_args()
    sizes = args.sizes or [10_000, 100_000, *([1_000_000] if args.large else [])]
    table: list[tuple[str, float, str]] = []
    plots: dict[str, list[tuple[float, float]]] = {}
    settings = DURABLE if args.durable else {}
    with embedded_server(**settings) as server:
        # Migrated by, owned by and written as a role that is not a superuser, as on Supabase;
        # the superuser's connection sets up and resets what a measurement needs.
        url = emulation.create_project_database(server, BENCH_DATABASE)
        conn = psycopg.connect(server.url(BENCH_DATABASE), autocommit=True)
        upgrade(url)
        setup(conn)
        add_client_coordinator(conn)
        version = server.server_version()
        with ExitStack() as stack:
            client = None
            if not args.no_client and not postgrest_installed():
                print(f"PostgREST is not installed ({INSTALL_HINT}): no client rows")
            elif not args.no_client:
                logs = OUTPUT / "postgrest"
                client = stack.enter_context(postgrest(server.url(BENCH_DATABASE), logs))
            for size in sorted(sizes):
                measure(url, conn, size, args, table, plots, client)
        conn.close()
    settings_line = (
        f"debounce interval {args.interval} s in the staleness runs;"
        f" refresher {'with view sessions' if args.view_sessions else 'on one session'};"
        f" {'durable commits' if args.durable else 'fsync and synchronous_commit off'}"
    )
    print(f"PostgreSQL {version}; {settings_line}\n")
    width = max(len(r[0]) for r in table)
    print(f"{'measure':<{width}}  {'ratio':>8}  figures")
    for label, ratio, detail in table:
        print(f"{label:<{width}}  {ratio:8.3f}  {detail}")
    path = plot(plots, "staleness-durable.png" if args.durable else "staleness.png")
    print(f"\nstaleness plot: {path}" if path else "\n(matplotlib not installed: no plot)")
    if not args.no_report:
        REPORT.write_text(report(version, settings_line, sizes, table))
        print(f"written: {REPORT.relative_to(REPORT.parent.parent)}")


#: The one current table, with its machine, versions and method (``--no-report`` leaves it).
REPORT = Path(__file__).resolve().parent.parent.parent / "docs" / "benchmarks.md"


def machine() -> str:
    """The processor, cores and memory the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo")
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in (cpuinfo.read_text().splitlines() if cpuinfo.exists() else [])
            if line.startswith("model name")
        ),
        platform.processor() or platform.machine(),
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}; {os.cpu_count()} cores; {memory:.0f} GiB; {platform.system()}"


def report(
    version: str, settings_line: str, sizes: list[int], table: list[tuple[str, float, str]]
) -> str:
    """docs/benchmarks.md: written by this module on every run, never edited by hand."""
    method = (__doc__ or "").strip()
    rows = "\n".join(
        f"| {label} | {ratio:.3f} | {detail.replace('|', '/')} |" for label, ratio, detail in table
    )
    return f"""# Benchmarks

Written by `nox -s bench` (`tests/benchmarks/refresh.py`) on its last run; do not edit. Every
figure is a ratio of two modes measured in the same run on the same server, so a slower or
faster machine moves both sides alike. Speed is never asserted by the test suite.

## Machine and versions

- machine: {machine()}
- PostgreSQL {version}; Python {platform.python_version()}; psycopg {psycopg.__version__};
  activity-stats-schema {activity_stats_schema.__version__}
- sizes of `activities`: {", ".join(f"{n:,}" for n in sorted(sizes))}
- {settings_line}
- written {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC

## Method

{method}

## Results

| measure | ratio | figures |
|---|---:|---|
{rows}
"""


if __name__ == "__main__":
    main()
