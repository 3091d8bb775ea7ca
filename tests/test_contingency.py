"""The design's two contingency switches: the "indicative numbers" notice, readable by signed-in
users beside the dashboard, set by hand or by the alignment validator on a real divergence; and
the coordinator's primary chapter, which the single-chapter scope narrows to (the scope itself
is proved path by path in test_chapter_access)."""

import datetime as dt
import uuid

import psycopg
import pytest

from activity_stats_schema import names
from activity_stats_schema.operations.cli import FAILED, FOUND, OK, main
from activity_stats_schema.operations.contingency import clear_notice, read, set_notice
from tests.support.access import add_coordinator, build
from tests.support.data import insert_activities, make_due, seed, set_log
from tests.support.supabase import as_api_user

pytestmark = pytest.mark.both_owners

NOTICE = "SELECT active, message, since IS NOT NULL FROM dashboard_notice()"


def test_the_notice_is_off_until_set_and_reads_as_one_row(db):
    with db.connect() as conn:
        with as_api_user(conn, names.AUTHENTICATED_ROLE, uuid.uuid4()):
            assert conn.execute(NOTICE).fetchall() == [(False, None, False)]


@pytest.mark.parametrize("role", [names.AUTHENTICATED_ROLE, names.SERVICE_ROLE])
def test_signed_in_users_and_service_role_read_the_notice(db, role):
    with db.connect() as conn:
        set_notice(conn, "Tallene er foreløpige.", reason="a test")
        with as_api_user(conn, role, uuid.uuid4()):
            assert conn.execute(NOTICE).fetchall() == [(True, "Tallene er foreløpige.", True)]


def test_anon_cannot_read_the_notice_nor_the_switches(db):
    with db.connect() as conn:
        set_notice(conn, "shown to signed-in users only")
        for statement in (NOTICE, f"SELECT * FROM {names.PRIVATE_SCHEMA}.{names.CONTINGENCY}"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with as_api_user(conn, names.ANON_ROLE):
                    conn.execute(statement)


def test_signed_in_users_cannot_read_why_nor_flip_a_switch(db):
    with db.connect() as conn:
        table = f"{names.PRIVATE_SCHEMA}.{names.CONTINGENCY}"
        for statement in (
            f"SELECT notice_reason FROM {table}",
            f"UPDATE {table} SET single_chapter_scope = true",
            f"UPDATE {table} SET notice_active = false",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                with as_api_user(conn, names.AUTHENTICATED_ROLE, uuid.uuid4()):
                    conn.execute(statement)


def test_service_role_flips_both_switches_with_an_update(db):
    with db.connect() as conn:
        with as_api_user(conn, names.SERVICE_ROLE):
            conn.execute(
                f"UPDATE {names.PRIVATE_SCHEMA}.{names.CONTINGENCY} SET notice_active = true,"
                " notice_message = 'x', notice_since = now(), single_chapter_scope = true"
            )
        state = read(conn)
    assert (state["notice_active"], state["single_chapter_scope"]) == (True, True)


def test_a_notice_without_a_message_is_refused_and_changes_nothing(db):
    with db.connect() as conn:
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(
                f"UPDATE {names.PRIVATE_SCHEMA}.{names.CONTINGENCY} SET notice_active = true"
            )
        assert read(conn)["notice_active"] is False
        with pytest.raises(psycopg.errors.RestrictViolation):
            conn.execute(f"DELETE FROM {names.PRIVATE_SCHEMA}.{names.CONTINGENCY}")


def test_the_notice_takes_effect_for_the_next_statement_of_an_open_session(db):
    with db.connect() as reader, db.connect() as operator:
        user = uuid.uuid4()
        with as_api_user(reader, names.AUTHENTICATED_ROLE, user):
            assert reader.execute(NOTICE).fetchone()[0] is False
        set_notice(operator, "indicative")
        with as_api_user(reader, names.AUTHENTICATED_ROLE, user):
            assert reader.execute(NOTICE).fetchone()[:2] == (True, "indicative")
        clear_notice(operator)
        with as_api_user(reader, names.AUTHENTICATED_ROLE, user):
            assert reader.execute(NOTICE).fetchone() == (False, None, False)


def test_notice_set_show_and_clear_through_the_command_line(db, capsys):
    url = db.url
    assert (
        main(
            [
                "notice",
                "set",
                "Numbers are indicative.",
                "--reason",
                "export differs",
                "--database-url",
                url,
            ]
        )
        == OK
    )
    assert "on since" in capsys.readouterr().out
    assert main(["status", "--database-url", url]) == OK
    out = capsys.readouterr().out
    assert "Numbers are indicative.; why: export differs" in out
    assert "multi-chapter" in out
    assert main(["notice", "clear", "--database-url", url]) == OK
    assert capsys.readouterr().out.strip() == "off"
    assert main(["notice", "set", "  ", "--database-url", url]) == FAILED
    assert "needs a message" in capsys.readouterr().err
    with db.connect() as conn:
        assert read(conn)["notice_active"] is False


def test_scope_single_and_back_through_the_command_line(db, capsys):
    assert main(["scope", "single", "--database-url", db.url]) == OK
    assert "single-chapter since" in capsys.readouterr().out
    assert main(["scope", "multi", "--database-url", db.url]) == OK
    assert capsys.readouterr().out.startswith("multi-chapter")
    with db.connect() as conn:
        state = read(conn)
    assert (state["single_chapter_scope"], state["single_chapter_scope_since"]) == (False, None)


def test_the_validator_sets_the_notice_on_a_divergence_and_clears_it_when_gone(db, capsys):
    """A change the views do not show yet (inside the debounce window) is a real divergence
    between the dashboard and the export."""
    url = db.url
    with db.connect() as conn:
        data = seed(conn)
        make_due(conn)
        with conn.transaction():
            insert_activities(conn, data, 1)  # refreshed at COMMIT
        set_log(conn, debounce_interval="1 hour")
        with conn.transaction():  # debounced: the dashboard lags the export
            insert_activities(conn, data, 2, occurred_at=dt.datetime(2026, 3, 9, 10, tzinfo=dt.UTC))
    assert (
        main(["validate-alignment", "--no-refresh", "--set-notice", "--database-url", url]) == FOUND
    )
    out = capsys.readouterr().out
    assert "notice set" in out
    with db.connect() as conn:
        state = read(conn)
    assert state["notice_active"] is True
    assert state["notice_message"] == names.DEFAULT_NOTICE
    assert "difference" in state["notice_reason"]
    # Without --clear-notice, agreement leaves the notice on; with it, the notice goes.
    assert main(["validate-alignment", "--set-notice", "--database-url", url]) == OK
    with db.connect() as conn:
        assert read(conn)["notice_active"] is True
    assert main(["validate-alignment", "--clear-notice", "--database-url", url]) == OK
    assert "notice cleared" in capsys.readouterr().out
    with db.connect() as conn:
        assert read(conn)["notice_active"] is False


def test_a_coordinator_has_a_primary_chapter_among_their_own(db):
    with db.connect() as conn:
        org = build(conn)
        with pytest.raises(psycopg.errors.NotNullViolation):
            conn.execute(
                "INSERT INTO coordinators (user_id, display_name) VALUES (%s, 'x')", [uuid.uuid4()]
            )
        outsider = uuid.uuid4()
        with pytest.raises(psycopg.errors.ForeignKeyViolation):  # checked at COMMIT
            with conn.transaction():
                conn.execute(
                    "INSERT INTO coordinators (user_id, display_name, primary_chapter_id)"
                    " VALUES (%s, 'x', %s)",
                    [outsider, org.chapter["F"]],
                )
                conn.execute(
                    "INSERT INTO coordinator_chapters (coordinator_id, chapter_id) VALUES (%s, %s)",
                    [outsider, org.chapter["E"]],
                )
        with pytest.raises(psycopg.errors.ForeignKeyViolation):  # the primary cannot go
            conn.execute(
                "DELETE FROM coordinator_chapters WHERE coordinator_id = %s AND chapter_id = %s",
                [org.coordinator_ab, org.chapter["A"]],
            )
        gone = conn.execute(
            "SELECT count(*) FROM coordinators WHERE user_id = %s", [outsider]
        ).fetchone()
        assert gone == (0,)  # nothing of the refused transaction is left


def test_the_primary_chapter_can_move_to_another_of_ones_chapters(db):
    with db.connect() as conn:
        org = build(conn)
        with conn.transaction():
            conn.execute(
                "UPDATE coordinators SET primary_chapter_id = %s WHERE user_id = %s",
                [org.chapter["B"], org.coordinator_ab],
            )
            conn.execute(
                "DELETE FROM coordinator_chapters WHERE coordinator_id = %s AND chapter_id = %s",
                [org.coordinator_ab, org.chapter["A"]],
            )
        moved = uuid.uuid4()
        add_coordinator(conn, moved, [org.chapter["F"]])
        assert conn.execute(
            "SELECT primary_chapter_id FROM coordinators WHERE user_id = %s", [moved]
        ).fetchone() == (org.chapter["F"],)
