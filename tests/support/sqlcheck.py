"""SQL-level checks on Debian's PostgreSQL 15 (``nox -s sqlcheck``).

* plpgsql_check on every PL/pgSQL function of the library; a trigger function is checked
  against the table its trigger is on.
* The pgTAP suite in ``supabase/tests`` (what ``supabase test db`` runs), with pg_prove.

* The optional pg_cron jobs (postgresql-15-cron, 1.4 on Debian 12: minute schedules):
  - installed by the migrations (the pg_cron revision), and the trailing edge's command runs;
  - pg_cron itself runs the trailing edge: a change committed inside the debounce window
    reaches the views with no further write (pg_cron 1.4 runs it at the next minute);
  - the history job deletes the trailing-edge job's runs older than the kept history and
    nothing of another job's;
  - the downgrade removes both jobs with their revision, and the upgrade brings them back, once
    each.

Needs Debian's postgresql-15, postgresql-15-plpgsql-check, postgresql-15-pgtap, -cron and pg_prove
(libtap-parser-sourcehandler-pgtap-perl); ``nox -s sqlcheck`` installs them when run as root.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from psycopg import sql

from activity_stats_schema import names
from activity_stats_schema.operations.migrate import downgrade, upgrade
from activity_stats_schema.schema import cron
from activity_stats_schema.schema.functions import CALL_REFRESH_PENDING, FORCE_REFRESH
from activity_stats_schema.testing import emulation
from activity_stats_schema.testing.embedded import EmbeddedPostgres
from tests.support import data

DEBIAN_BIN = Path("/usr/lib/postgresql/15/bin")
#: The revision below the hand-written pg_cron one.
SCHEMA_REVISION = "v0_1_0_schema"
SUITE = Path(__file__).resolve().parent.parent.parent / "supabase" / "tests"

FUNCTIONS = sql.SQL(
    """
    SELECT p.oid, p.oid::regprocedure::text, t.tgrelid, t.tgoldtable, t.tgnewtable
    FROM pg_proc p
    JOIN pg_language l ON l.oid = p.prolang AND l.lanname = 'plpgsql'
    -- A trigger function is checked as its trigger with the most transition tables has it.
    LEFT JOIN LATERAL (SELECT tgrelid, tgoldtable, tgnewtable FROM pg_trigger
                       WHERE tgfoid = p.oid
                       ORDER BY (tgoldtable IS NOT NULL)::int + (tgnewtable IS NOT NULL)::int DESC
                       LIMIT 1) t ON true
    WHERE p.pronamespace IN ({public}::regnamespace, {private}::regnamespace)
    ORDER BY 2
    """
).format(public=sql.Literal(names.PUBLIC_SCHEMA), private=sql.Literal(names.PRIVATE_SCHEMA))


def plpgsql_check(conn) -> list[str]:
    """Every finding of plpgsql_check (errors and warnings) on the library's functions."""
    conn.execute("CREATE EXTENSION IF NOT EXISTS plpgsql_check")
    findings = []
    checked = 0
    for oid, signature, table, old_table, new_table in conn.execute(FUNCTIONS).fetchall():
        checked += 1
        rows = conn.execute(
            "SELECT * FROM plpgsql_check_function(%s::oid, relid => coalesce(%s, 0)::oid,"
            " format => 'text', extra_warnings => true, other_warnings => true,"
            " performance_warnings => false, security_warnings => true,"
            " oldtable => %s, newtable => %s)",
            [oid, table, old_table, new_table],
        ).fetchall()
        findings += [f"{signature}: {row[0]}" for row in rows]
        print(
            f"plpgsql_check {signature}"
            f"{' on ' + str(table) if table else ''}: {len(rows)} finding(s)"
        )
    assert checked >= 4, "no PL/pgSQL function found"
    return findings


@contextmanager
def as_role(conn, role: str) -> Iterator[None]:
    """A transaction run as ``role`` (as pg_cron runs a job: as the role that scheduled it)."""
    with conn.transaction():
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        yield


CRON_JOBS = sql.SQL(
    "SELECT jobname, schedule, command FROM cron.job WHERE jobname IN ({}, {}) ORDER BY jobname"
).format(sql.Literal(names.CRON_JOB), sql.Literal(names.CRON_HISTORY_JOB))
#: pg_cron 1.4 runs the trailing edge every minute: the next run, plus one if that run came
#: inside the debounce window, plus the refresh.
CRON_WAIT_SECONDS = 150.0


def cron_jobs(conn) -> list[str]:
    """Both optional jobs, installed by the migrations because pg_cron is present."""
    jobs = {name: (schedule, command) for name, schedule, command in conn.execute(CRON_JOBS)}
    for name, (schedule, command) in sorted(jobs.items()):
        print(f"pg_cron job {name}: {schedule!r} {command!r}")
    problems = []
    row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'").fetchone()
    seconds = tuple(int(part) for part in row[0].split("-")[0].split(".")) >= (1, 5)
    schedule = names.CRON_SCHEDULE if seconds else names.CRON_SCHEDULE_OLD_PG_CRON
    refresh = jobs.get(names.CRON_JOB)
    if refresh != (schedule, CALL_REFRESH_PENDING.as_string(None)):
        problems.append(f"pg_cron job {names.CRON_JOB}: found {refresh!r}")
    history = jobs.get(names.CRON_HISTORY_JOB)
    if history != (names.CRON_HISTORY_SCHEDULE, cron.history_command()):
        problems.append(f"pg_cron job {names.CRON_HISTORY_JOB}: found {history!r}")
    if refresh:
        outcome = conn.execute(refresh[1]).fetchone()
        if outcome == ("refreshed",):  # a fresh database: the history boundary's first move
            outcome = conn.execute(refresh[1]).fetchone()
        if outcome is None or outcome[0] != "clean":
            problems.append(f"the job's command answered {outcome!r}, expected 'clean'")
    return problems


#: What a finding about pg_cron's runs says besides: every run recorded, and what runs now.
EVERY_RUN = (
    "SELECT d.jobid, d.status, d.start_time, d.end_time, left(d.return_message, 120)"
    " FROM cron.job_run_details AS d ORDER BY d.start_time"
)
WORKERS = (
    "SELECT backend_type, state, wait_event_type, wait_event, left(query, 80)"
    " FROM pg_stat_activity WHERE backend_type <> 'client backend'"
)


def cron_shows_a_debounced_change(server) -> list[str]:
    """The trailing edge as a project without a refresher has it: a change whose COMMIT came
    inside the debounce window (so it did not refresh) reaches the views when pg_cron runs the
    job, with no further write. Woken by the refresh's NOTIFY, bounded by CRON_WAIT_SECONDS."""
    problems = []
    with server.connect(autocommit=True) as conn, server.connect(autocommit=True) as listener:
        listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(names.REFRESHED_CHANNEL)))
        seed = data.seed(conn)
        conn.execute(FORCE_REFRESH)
        before = data.view_total(conn, names.PEER_MENTOR_STATS_TIERS)
        with conn.transaction():
            # The window is open when this COMMIT's trigger looks: the debounce is data.
            conn.execute(
                sql.SQL(
                    "UPDATE {} SET last_attempt_at = clock_timestamp(),"
                    " debounce_interval = interval '2 seconds'"
                ).format(data.LOG)
            )
            data.insert_activities(conn, seed, count=3)
        row = conn.execute("SELECT clock_timestamp()").fetchone()
        assert row is not None
        committed_at = row[0]
        if data.view_total(conn, names.PEER_MENTOR_STATS_TIERS) != before or not data.pending(conn):
            return ["the COMMIT inside the window refreshed (or left no marker): nothing to show"]
        started = time.monotonic()
        deadline = started + CRON_WAIT_SECONDS
        while data.view_total(conn, names.PEER_MENTOR_STATS_TIERS) != before + 3:
            if time.monotonic() >= deadline:
                problems.append(
                    f"pg_cron's job did not show the change within {CRON_WAIT_SECONDS:.0f} s"
                )
                break
            list(listener.notifies(timeout=deadline - time.monotonic(), stop_after=1))
        else:
            print(
                "pg_cron showed a change committed inside the debounce window"
                f" {time.monotonic() - started:.1f} s after its COMMIT, with no further write"
            )
        runs = conn.execute(
            "SELECT d.status, d.return_message FROM cron.job_run_details AS d"
            " JOIN cron.job AS j USING (jobid) WHERE j.jobname = %s AND d.start_time >= %s",
            [names.CRON_JOB, committed_at],
        ).fetchall()
        # The run that refreshed may not be recorded as ended yet (pg_cron does that after the
        # command's transaction, and the refresh's NOTIFY comes at its COMMIT), and the next
        # may be starting: only a failed run, or none, is a finding.
        if not runs or any(status == "failed" for status, _ in runs):
            problems.append(f"runs of {names.CRON_JOB} since the COMMIT: {runs!r}")
            problems.append(f"every run: {conn.execute(EVERY_RUN).fetchall()!r}")
            problems.append(f"background workers: {conn.execute(WORKERS).fetchall()!r}")
            log = server.log_file.read_text() if server.log_file else ""
            problems += [line for line in log.splitlines() if "cron" in line.lower()][-15:]
        if data.pending(conn):
            problems.append("markers left after pg_cron's refresh")
    return problems


#: Runs made up for the history job to judge: (job, age, ended, deleted by the history job);
#: job "refresh" is the trailing edge's.
MADE_UP_RUNS = (
    ("refresh", "2 days", True, True),
    ("refresh", "2 hours", True, False),
    ("refresh", "2 days", False, True),  # never ended (a server restart): judged by its start
    ("other", "2 days", True, False),
)


def history_job_keeps_a_day(conn) -> list[str]:
    """The history job's command, run as pg_cron runs it (its stored text, as the role that
    scheduled it), deletes the trailing-edge job's runs older than the kept history, and nothing
    of another job's."""
    refresh, username = conn.execute(
        "SELECT jobid, username FROM cron.job WHERE jobname = %s", [names.CRON_JOB]
    ).fetchone()
    jobs = {"refresh": refresh}
    with as_role(conn, username):
        # Another job of the same role, as a project's own jobs are: only the WHERE clause,
        # not pg_cron's row-level policy (the role bypasses RLS, as Supabase's does), keeps it.
        other = conn.execute("SELECT cron.schedule('sqlcheck-other', '0 0 1 1 *', 'SELECT 1')")
        jobs["other"] = other.fetchone()[0]
    for number, (job, age, ended, _) in enumerate(MADE_UP_RUNS):
        conn.execute(
            "INSERT INTO cron.job_run_details (jobid, job_pid, database, username, command,"
            " status, return_message, start_time, end_time)"
            " SELECT j.jobid, 0, current_database(), j.username, 'made up', 'succeeded',"
            " %(number)s, t.start, CASE WHEN %(ended)s THEN t.start END"
            " FROM cron.job AS j, (SELECT now() - %(age)s::interval AS start) AS t"
            " WHERE j.jobid = %(jobid)s",
            {"jobid": jobs[job], "number": str(number), "age": age, "ended": ended},
        )
    row = conn.execute("SELECT command FROM cron.job WHERE jobname = %s", [names.CRON_HISTORY_JOB])
    command = row.fetchone()[0]
    with as_role(conn, username):
        conn.execute(command)
    left = conn.execute(
        "SELECT return_message::int FROM cron.job_run_details WHERE command = 'made up'"
    ).fetchall()
    problems = []
    for number, (job, age, ended, deleted) in enumerate(MADE_UP_RUNS):
        if ((number,) in left) == deleted:
            what = f"the {job} job's run started {age} ago{'' if ended else ', never ended,'}"
            problems.append(f"history job: {what} was {'not ' * deleted}deleted")
    print(
        f"history job: deleted {len(MADE_UP_RUNS) - len(left)} of {len(MADE_UP_RUNS)} made-up runs"
    )
    conn.execute("DELETE FROM cron.job_run_details WHERE command = 'made up'")
    conn.execute("SELECT cron.unschedule(%s::bigint)", [jobs["other"]])
    return problems


def cron_revisions_reverse(url: str, conn, owner: str) -> list[str]:
    """Both jobs go with their revision's downgrade and come back with the upgrade, once; and
    the revision's statements run again by the role that migrates (pg_cron enabled later)
    leave one job each: cron.schedule replaces the job of the same name and the same role."""
    problems = []

    def installed() -> list[str]:
        return [name for name, _, _ in conn.execute(CRON_JOBS)]

    def again() -> None:
        with as_role(conn, owner):
            conn.execute(cron.schedule_refresh_job())
            conn.execute(cron.schedule_history_job())

    both = sorted([names.CRON_JOB, names.CRON_HISTORY_JOB])
    steps = (
        ("downgrade to the schema revision", lambda: downgrade(url, SCHEMA_REVISION), []),
        ("upgrade to head", lambda: upgrade(url), both),
        ("the cron revision's statements again", again, both),
    )
    for what, step, expected in steps:
        step()
        jobs = installed()
        if jobs != expected:
            problems.append(f"after {what}: jobs {jobs}, expected {expected}")
    return problems


def main() -> int:
    os.environ.setdefault("ACTIVITY_STATS_PG_BIN", str(DEBIAN_BIN))
    settings = {
        "shared_preload_libraries": "pg_cron",
        "cron.database_name": "postgres",
        # Jobs run in background workers, not through a libpq connection to the server.
        "cron.use_background_workers": "on",
    }
    bin_dir = Path(os.environ["ACTIVITY_STATS_PG_BIN"])
    with EmbeddedPostgres(bin_dir=bin_dir, settings=settings) as server:
        # Migrated as on Supabase: by a role that is not a superuser, owner of the database
        # pg_cron runs in, with USAGE on the cron schema (Supabase grants it to its postgres
        # role). The jobs then run as that role.
        owner_url = emulation.create_project_database(server, "postgres")
        with server.connect(autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_cron")
            conn.execute(
                sql.SQL("GRANT USAGE ON SCHEMA cron TO {}").format(
                    sql.Identifier(names.PROJECT_OWNER)
                )
            )
            upgrade(owner_url)
            findings = plpgsql_check(conn) + cron_jobs(conn)
            conn.execute("CREATE EXTENSION IF NOT EXISTS pgtap")
        tests = sorted(str(p) for p in SUITE.glob("*.sql"))
        result = subprocess.run(["pg_prove", "--verbose", "-d", server.url(), *tests], check=False)
        # After the pgTAP suite, which expects the tables as the migrations leave them.
        with server.connect(autocommit=True) as conn:
            # pg_cron's scheduler started with the server, before the extension and its jobs
            # existed, and may have loaded its job list as empty in between: it then runs
            # nothing until cron.job changes again. A server restarted after the migration (as
            # production's, where the extension already exists) has no such window.
            conn.execute("UPDATE cron.job SET active = active")
        findings += cron_shows_a_debounced_change(server)
        with server.connect(autocommit=True) as conn:
            findings += history_job_keeps_a_day(conn)
            findings += cron_revisions_reverse(owner_url, conn, names.PROJECT_OWNER)
        for finding in findings:
            print(finding)
        if findings:
            print(f"sqlcheck: {len(findings)} finding(s)", file=sys.stderr)
            return 1
        return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
