"""The migration-level switch between the materialized views and the plain-view fallback:
``upgrade --views live|materialized`` (``-x stats_views=...`` with alembic)."""

import pytest
from alembic import command
from alembic.config import Config

from activity_stats_schema import names
from activity_stats_schema.operations.cli import FAILED, OK, main
from activity_stats_schema.operations.migrate import alembic_config, connect, offline_sql, upgrade
from tests.support.data import insert_activities, pending, refresh_log, seed, set_log

#: Run as the server's superuser and again as a role shaped like Supabase's postgres.
pytestmark = pytest.mark.both_owners

TOTAL = "SELECT coalesce(sum(activity_count), 0) FROM dashboard_peer_mentor_stats()"


def test_upgrade_with_live_views_serves_current_rows_and_commits_do_not_refresh(empty_db):
    upgrade(empty_db.url, views="live")
    with empty_db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="0 seconds")  # a commit would refresh if it could
        with conn.transaction():
            insert_activities(conn, data, 4)
        log = refresh_log(conn)
        assert log["read_live_views"] is True
        assert log["refresh_count"] == 0  # the commit left the refresh to the refresher
        assert pending(conn) == 1  # ... and left its marker for it
        assert conn.execute(TOTAL).fetchone() == (4,)


def test_switching_back_to_materialized_views_restores_commit_refreshes(empty_db):
    upgrade(empty_db.url, views="live")
    upgrade(empty_db.url, views="materialized")  # nothing to migrate; the switch still applies
    with empty_db.connect() as conn:
        data = seed(conn)
        set_log(conn, debounce_interval="0 seconds")
        with conn.transaction():
            insert_activities(conn, data, 2)
        log = refresh_log(conn)
        assert log["read_live_views"] is False
        assert log["refresh_count"] == 1
        assert conn.execute(TOTAL).fetchone() == (2,)


def test_an_upgrade_without_the_switch_keeps_the_current_choice(empty_db):
    upgrade(empty_db.url, views="live")
    upgrade(empty_db.url)
    with empty_db.connect() as conn:
        assert refresh_log(conn)["read_live_views"] is True


def test_an_unknown_mode_is_refused_before_anything_is_migrated(empty_db):
    with connect(empty_db.url) as connection:
        config: Config = alembic_config(connection)
        config.attributes[names.VIEWS_SWITCH] = "cached"
        with pytest.raises(SystemExit, match="stats_views='cached' is not a view mode"):
            command.upgrade(config, "head")
    with empty_db.connect() as conn:
        version = conn.execute("SELECT to_regclass('activity_stats.alembic_version')").fetchone()
        assert version == (None,) or conn.execute(
            "SELECT count(*) FROM activity_stats.alembic_version"
        ).fetchone() == (0,)


def test_cli_upgrade_views_option(empty_db, capsys):
    assert main(["--database-url", empty_db.url, "upgrade", "--views", "live"]) == OK
    assert "the dashboard reads the live views" in capsys.readouterr().out
    with empty_db.connect() as conn:
        assert refresh_log(conn)["read_live_views"] is True
    with pytest.raises(SystemExit) as refused:
        main(["--database-url", empty_db.url, "upgrade", "--views", "cached"])
    assert refused.value.code == FAILED
    assert "invalid choice: 'cached'" in capsys.readouterr().err


def test_the_switch_is_in_the_offline_sql_of_an_upgrade(empty_db):
    assert (
        'UPDATE "activity_stats"."stats_refresh_log" SET read_live_views = true WHERE singleton'
        in offline_sql("base:head", views="live")
    )
