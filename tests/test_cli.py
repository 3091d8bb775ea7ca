"""``activity-stats-schema`` on a live server: every command, and each expected error as one
line with a non-zero exit."""

import json
import subprocess
import sys

import pytest

from activity_stats_schema.operations.cli import FAILED, FOUND, OK, main
from activity_stats_schema.schema.functions import FORCE_REFRESH
from tests.support.access import build
from tests.support.data import set_log


def run(*args: str) -> int:
    return main(list(args))


def test_the_database_url_is_accepted_after_the_command_too(db, capsys):
    assert run("check", "--database-url", db.url) == OK
    assert "no drift" in capsys.readouterr().out
    # After the command it wins over one given before it.
    assert (
        run(
            "--database-url",
            "postgresql://nobody@127.0.0.1:1/none",
            "status",
            "--database-url",
            db.url,
        )
        == OK
    )


def test_upgrade_status_refresh_check_downgrade_round_trip(empty_db, capsys):
    url = empty_db.url
    assert run("--database-url", url, "upgrade") == OK
    assert run("--database-url", url, "check") == OK
    assert "no drift" in capsys.readouterr().out

    assert run("--database-url", url, "status", "--json") == OK
    before = json.loads(capsys.readouterr().out)
    assert before["never_refreshed"] is True
    assert before["debounce_interval"] == 10.0

    assert run("--database-url", url, "refresh") == OK
    assert capsys.readouterr().out.strip() == "refresh: refreshed"
    assert run("--database-url", url, "status", "--json") == OK
    after = json.loads(capsys.readouterr().out)
    assert after["refresh_count"] == 1
    assert after["failure_count"] == 0
    assert after["staleness"] >= 0
    assert after["last_duration"] > 0

    assert run("--database-url", url, "status") == OK
    assert "refreshes         1" in capsys.readouterr().out

    assert run("--database-url", url, "downgrade", "base") == OK
    assert run("--database-url", url, "status") == FAILED
    assert "not migrated" in capsys.readouterr().err


def test_sql_prints_upgrade_and_downgrade_without_a_database(capsys, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert run("sql", "base:head") == OK
    out = capsys.readouterr().out
    assert "-- upgrade base:head" in out and "-- downgrade head:base" in out
    assert "CREATE OR REPLACE FUNCTION" in out and "DROP FUNCTION IF EXISTS" in out


def test_refresh_reports_a_failed_refresh(db, capsys):
    with db.connect() as conn:
        conn.execute("DROP INDEX activity_stats.mv_peer_mentor_stats_recent_key")
    assert run("--database-url", db.url, "refresh") == FOUND
    assert capsys.readouterr().out.strip() == "refresh: failed"
    assert run("--database-url", db.url, "status", "--json") == OK
    state = json.loads(capsys.readouterr().out)
    assert state["failure_count"] == 1 and state["last_error"].startswith("55000")


@pytest.mark.parametrize(
    ("drift", "expected"),
    [
        (
            "DROP INDEX activity_stats.mv_activity_time_series_recent_key",
            "CREATE UNIQUE INDEX mv_activity_time_series_recent_key ON activity_stats.mv_activity_",
        ),
        (
            "CREATE OR REPLACE FUNCTION activity_stats.stats_refresh_log_guard() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
            'CREATE OR REPLACE FUNCTION "activity_stats"."stats_refresh_log_guard"()',
        ),
        ("DROP POLICY activities_delete ON public.activities", "CREATE POLICY activities_delete"),
        (
            "GRANT SELECT ON activity_stats.mv_peer_mentor_stats_recent TO authenticated",
            'REVOKE ALL ON TABLE "activity_stats"."mv_peer_mentor_stats_recent"',
        ),
    ],
)
def test_check_reports_each_kind_of_drift(db, capsys, drift, expected):
    with db.connect() as conn:
        conn.execute(drift)
    assert run("--database-url", db.url, "check") == FOUND
    out = capsys.readouterr().out
    assert out.startswith("drift: ")
    assert expected in out, out
    assert "%%" not in out  # the SQL is printed as it runs


def test_check_ignores_objects_the_library_does_not_own(db, capsys):
    with db.connect() as conn:
        conn.execute(
            "CREATE TABLE public.someone_elses (id int); CREATE SCHEMA storage;"
            " CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'"
        )
    assert run("--database-url", db.url, "check") == OK


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--database-url", "mysql://x@localhost/db", "status"], "bad database URL"),
        (
            ["--database-url", "postgresql://nobody@127.0.0.1:1/db", "status"],
            "cannot connect to the database",
        ),
        (["upgrade", "nonsense"], "unknown revision 'nonsense'"),
        (["sql", "base"], "a range is FROM:TO"),
    ],
)
def test_expected_errors_are_one_line(args, message, capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/db")
    assert run(*args) == FAILED
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_no_database_configured(capsys, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert run("status") == FAILED
    assert "no database" in capsys.readouterr().err


def test_not_migrated_database_is_named(empty_db, capsys):
    for command in ("status", "refresh", "validate-alignment"):
        assert run("--database-url", empty_db.url, command) == FAILED
        assert "not migrated" in capsys.readouterr().err


def test_a_refresher_on_a_database_not_migrated_says_so_and_exits(empty_db):
    """A refresher deployed before its migration ran: one line, not a traceback."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "activity_stats_schema",
            "--database-url",
            empty_db.url,
            "refresher",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == FAILED
    assert "not migrated" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["upgrade"],
        ["downgrade"],
        ["sql"],
        ["check"],
        ["status"],
        ["refresh"],
        ["validate-alignment"],
    ],
)
def test_every_command_has_help(command):
    result = subprocess.run(
        [sys.executable, "-m", "activity_stats_schema", *command, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: activity-stats-schema")


def test_status_through_the_console_script(db):
    with db.connect() as conn:
        build(conn)
    result = subprocess.run(
        ["activity-stats-schema", "status", "--json"],
        capture_output=True,
        text=True,
        check=False,
        env={"DATABASE_URL": db.url, "PATH": _path()},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["refresh_count"] == 1


def _path() -> str:
    import os
    from pathlib import Path

    return f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"


def test_status_counts_the_changes_waiting_for_a_refresh(db, capsys):
    with db.connect() as conn:
        build(conn)
        conn.execute(FORCE_REFRESH)  # nothing waits now
        set_log(conn, async_refresh=True)
        conn.execute("UPDATE activities SET duration_minutes = 61")
        conn.execute("UPDATE activities SET duration_minutes = 62")
    assert run("--database-url", db.url, "status", "--json") == OK
    state = json.loads(capsys.readouterr().out)
    assert state["pending_changes"] == 2
    assert state["oldest_pending_age"] >= 0
    assert state["async_refresh"] is True
    assert run("--database-url", db.url, "status") == OK
    assert "changes waiting   2" in capsys.readouterr().out
