"""SQL-level checks on Debian's PostgreSQL 15 (``nox -s sqlcheck``).

* plpgsql_check on every PL/pgSQL function of the library; a trigger function is checked
  against the table its trigger is on.
* The pgTAP suite in ``supabase/tests`` (what ``supabase test db`` runs), with pg_prove.

* The optional pg_cron job (postgresql-15-cron): installed by the migration, and its command
  runs.

Needs Debian's postgresql-15, postgresql-15-plpgsql-check, postgresql-15-pgtap, -cron and pg_prove
(libtap-parser-sourcehandler-pgtap-perl); ``nox -s sqlcheck`` installs them when run as root.
"""

import os
import subprocess
import sys
from pathlib import Path

from psycopg import sql

from activity_stats_schema import emulation, names
from activity_stats_schema.embedded import EmbeddedPostgres
from activity_stats_schema.migrate import upgrade

DEBIAN_BIN = Path("/usr/lib/postgresql/15/bin")
SUITE = Path(__file__).resolve().parent.parent.parent / "supabase" / "tests"

FUNCTIONS = sql.SQL(
    """
    SELECT p.oid, p.oid::regprocedure::text, t.tgrelid
    FROM pg_proc p
    JOIN pg_language l ON l.oid = p.prolang AND l.lanname = 'plpgsql'
    LEFT JOIN LATERAL (SELECT tgrelid FROM pg_trigger WHERE tgfoid = p.oid LIMIT 1) t ON true
    WHERE p.pronamespace IN ({public}::regnamespace, {private}::regnamespace)
    ORDER BY 2
    """
).format(public=sql.Literal(names.PUBLIC_SCHEMA), private=sql.Literal(names.PRIVATE_SCHEMA))


def plpgsql_check(conn) -> list[str]:
    """Every finding of plpgsql_check (errors and warnings) on the library's functions."""
    conn.execute("CREATE EXTENSION IF NOT EXISTS plpgsql_check")
    findings = []
    checked = 0
    for oid, signature, table in conn.execute(FUNCTIONS).fetchall():
        checked += 1
        rows = conn.execute(
            "SELECT * FROM plpgsql_check_function(%s::oid, relid => coalesce(%s, 0)::oid,"
            " format => 'text', extra_warnings => true, other_warnings => true,"
            " performance_warnings => false, security_warnings => true)",
            [oid, table],
        ).fetchall()
        findings += [f"{signature}: {row[0]}" for row in rows]
        print(
            f"plpgsql_check {signature}"
            f"{' on ' + str(table) if table else ''}: {len(rows)} finding(s)"
        )
    assert checked >= 4, "no PL/pgSQL function found"
    return findings


def cron_job(conn) -> list[str]:
    """The optional pg_cron job: installed by the migration because pg_cron is present."""
    rows = conn.execute(
        "SELECT schedule, command FROM cron.job WHERE jobname = %s", [names.CRON_JOB]
    ).fetchall()
    problems = []
    if len(rows) != 1:
        problems.append(f"pg_cron job {names.CRON_JOB}: expected 1, found {len(rows)}")
    else:
        schedule, command = rows[0]
        print(f"pg_cron job {names.CRON_JOB}: {schedule!r} {command!r}")
        outcome = conn.execute(command).fetchone()
        if outcome is None or outcome[0] != "clean":
            problems.append(f"the job's command answered {outcome!r}, expected 'clean'")
    return problems


def main() -> int:
    os.environ.setdefault("ACTIVITY_STATS_PG_BIN", str(DEBIAN_BIN))
    settings = {"shared_preload_libraries": "pg_cron", "cron.database_name": "postgres"}
    bin_dir = Path(os.environ["ACTIVITY_STATS_PG_BIN"])
    with EmbeddedPostgres(bin_dir=bin_dir, settings=settings) as server:
        with server.connect(autocommit=True) as conn:
            emulation.bootstrap(conn)
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_cron")
            upgrade(server.url())
            findings = plpgsql_check(conn) + cron_job(conn)
            conn.execute("CREATE EXTENSION IF NOT EXISTS pgtap")
        for finding in findings:
            print(finding)
        tests = sorted(str(p) for p in SUITE.glob("*.sql"))
        result = subprocess.run(["pg_prove", "--verbose", "-d", server.url(), *tests], check=False)
        if findings:
            print(f"plpgsql_check: {len(findings)} finding(s)", file=sys.stderr)
            return 1
        return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
