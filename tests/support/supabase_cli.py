"""The Supabase CLI on the schema (``nox -s supabase``), on Debian's PostgreSQL 15 with
plpgsql_check, as a Supabase project would use it without Docker:

* ``supabase db push --db-url`` applies ``supabase/migrations/*.sql`` (the reviewed SQL laid
  out as Supabase migrations) and records them as Supabase does;
* ``supabase migration list`` shows them applied;
* ``supabase db lint --fail-on error`` (plpgsql_check on every function);
* ``supabase db advisors`` (the Security and Performance Advisors' lints).

It migrates as a role shaped like a project's ``postgres`` (not a superuser). The server is set
up as a Supabase project is (the test bootstrap, never the migrations): the API roles,
``auth.uid()``, ``supabase_admin`` owning ``auth``, plpgsql_check available, and
``pgrst.db_schemas`` saying which schemas the API exposes. Exits non-zero on a failed command,
a lint ERROR, or an advisor finding that is an ERROR or a security WARN.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from psycopg import sql
from sqlalchemy.engine import make_url

from activity_stats_schema import names
from activity_stats_schema.testing import emulation
from activity_stats_schema.testing.embedded import EmbeddedPostgres
from activity_stats_schema.testing.golden import SUPABASE_DIR
from tests.support.api import INSTALL_HINT, JS_DIR

DEBIAN_BIN = Path("/usr/lib/postgresql/15/bin")
CLI = JS_DIR / "node_modules" / ".bin" / "supabase"
DATABASE = "postgres"


def supabase(*args: str, url: str, echo: bool = True) -> subprocess.CompletedProcess[str]:
    """One CLI command against ``url``, from the checkout (its ``supabase/`` is the project)."""
    command = [str(CLI), *args, "--db-url", url, "--workdir", str(SUPABASE_DIR.parent)]
    print(f"$ supabase {' '.join(args)} --db-url <project_owner>", flush=True)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if echo:
        print(result.stdout.rstrip())
    if result.stderr.strip():
        print(result.stderr.rstrip())
    return result


def stand_in(server: EmbeddedPostgres) -> str:
    """A database as a Supabase project has it; returns the migrating role's URL."""
    owner_url = emulation.create_project_database(server, DATABASE)
    with server.connect(autocommit=True) as conn:
        # Supabase keeps extensions in their own schema, not in the API's.
        conn.execute("CREATE SCHEMA IF NOT EXISTS extensions")
        conn.execute("CREATE EXTENSION IF NOT EXISTS plpgsql_check SCHEMA extensions")
        conn.execute(
            sql.SQL("GRANT USAGE ON SCHEMA extensions TO {}, {}").format(
                sql.Identifier(names.PROJECT_OWNER),
                sql.SQL(", ").join(map(sql.Identifier, names.API_ROLES)),
            )
        )
        conn.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supabase_admin')"
            " THEN CREATE ROLE supabase_admin NOLOGIN; END IF; END $$"
        )
        conn.execute("ALTER SCHEMA auth OWNER TO supabase_admin")
        database = sql.Identifier(DATABASE)
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET pgrst.db_schemas = {}").format(
                database, sql.Literal(names.PUBLIC_SCHEMA)
            )
        )
        # As on Supabase, where the extensions' schema is on every session's path.
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET search_path = '$user', public, extensions").format(
                database
            )
        )
    # The CLI wants TLS off said in the URL (the embedded server has none).
    return make_url(owner_url).update_query_dict({"sslmode": "disable"}).render_as_string(False)


def advisor_findings(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Print every finding, one line each; return those that fail the session: any ERROR, and
    any security WARN."""
    text = result.stdout.strip()
    lints = json.loads(text) if text.startswith("[") else []  # else "No issues found"
    failing = []
    for lint in lints:
        line = f"{lint['level']} {'/'.join(lint.get('categories', []))} {lint['name']}: "
        print(line + lint["detail"])
        security = "SECURITY" in lint.get("categories", [])
        if lint["level"] == "ERROR" or (lint["level"] == "WARN" and security):
            failing.append(line + lint["detail"])
    print(f"advisors: {len(lints)} finding(s), {len(failing)} that fail the session")
    return failing


def main() -> int:
    if not CLI.exists():
        print(f"the Supabase CLI is not installed: {INSTALL_HINT}", file=sys.stderr)
        return 2
    bin_dir = Path(os.environ.get("ACTIVITY_STATS_PG_BIN", str(DEBIAN_BIN)))
    problems: list[str] = []
    with EmbeddedPostgres(bin_dir=bin_dir) as server:
        url = stand_in(server)
        for args in (
            ("db", "push", "--include-all", "--yes"),
            ("migration", "list"),
            ("db", "lint", "--level", "warning", "--fail-on", "error"),
        ):
            if supabase(*args, url=url).returncode != 0:
                problems.append(f"supabase {' '.join(args)} failed")
        advisors = supabase("db", "advisors", "--level", "info", "-o", "json", url=url, echo=False)
        if advisors.returncode != 0:
            problems.append("supabase db advisors failed")
        problems += advisor_findings(advisors)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"supabase: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
