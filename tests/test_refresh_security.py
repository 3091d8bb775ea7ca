"""The refresh runs as the views' owner, with a pinned search_path, whoever writes; nobody else
can call it, and nothing that bypasses row-level security is reachable by the API roles."""

import psycopg
import pytest
from psycopg import sql

from activity_stats_schema import names
from tests.support.data import insert_activities, refresh_log, seed, view_total
from tests.support.supabase import as_api_user

#: Run as the server's superuser and again as a role shaped like Supabase's postgres.
pytestmark = pytest.mark.both_owners

PRIVATE = names.PRIVATE_SCHEMA
FUNCTIONS = [
    f"{PRIVATE}.{names.REFRESH_FUNCTION}(boolean, boolean, boolean)",
    f"{PRIVATE}.{names.REFRESH_VIEWS_FUNCTION}(text[], timestamptz)",
    f"{PRIVATE}.{names.TRIGGER_FUNCTION}()",
    f"{PRIVATE}.{names.MARK_FUNCTION}()",
]


@pytest.mark.parametrize("signature", FUNCTIONS)
def test_refresh_functions_are_security_definer_owned_by_the_views_owner(db, signature):
    with db.connect() as conn:
        row = conn.execute(
            """
            SELECT p.prosecdef, p.proowner = v.relowner, p.proconfig
            FROM pg_proc p, pg_class v
            WHERE p.oid = %s::regprocedure AND v.oid = %s::regclass
            """,
            [signature, f"{PRIVATE}.{names.MV_PEER_MENTOR_STATS_RECENT}"],
        ).fetchone()
    assert row is not None
    security_definer, same_owner, config = row
    assert security_definer
    assert same_owner
    assert config[0] == "search_path=pg_catalog, pg_temp"
    # Besides the path, only the marking function's planner setting for its marker probe
    # (test_marker_probe).
    marks = signature.endswith(f".{names.MARK_FUNCTION}()")
    settings = [setting.partition("=")[0] for setting in config[1:]]
    assert settings == (["enable_seqscan"] if marks else [])


@pytest.mark.parametrize("signature", FUNCTIONS)
@pytest.mark.parametrize("role", ["PUBLIC", *names.API_ROLES])
def test_nobody_but_the_owner_may_execute_the_refresh_functions(db, signature, role):
    with db.connect() as conn:
        if role == "PUBLIC":
            row = conn.execute(
                "SELECT count(*)"
                " FROM pg_proc, aclexplode(coalesce(proacl, acldefault('f', proowner)))"
                " WHERE oid = %s::regprocedure AND grantee = 0",
                [signature],
            ).fetchone()
            assert row == (0,)
        else:
            row = conn.execute(
                "SELECT has_function_privilege(%s, %s, 'EXECUTE')", [role, signature]
            ).fetchone()
            assert row == (False,)


@pytest.mark.parametrize("role", [names.ANON_ROLE, names.AUTHENTICATED_ROLE])
def test_api_roles_cannot_call_the_refresh(db, role):
    with (
        db.connect() as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        as_api_user(conn, role),
    ):
        conn.execute(
            sql.SQL("SELECT {}.{}()").format(
                sql.Identifier(PRIVATE), sql.Identifier(names.REFRESH_FUNCTION)
            )
        )


def test_a_write_by_authenticated_refreshes_the_views(db):
    """authenticated has no privilege on the private schema; the refresh runs as the owner."""
    with db.connect() as conn:
        data = seed(conn)
        with as_api_user(conn, names.AUTHENTICATED_ROLE, data.mentor_users["A"]):
            insert_activities(conn, data, 2)
        log = refresh_log(conn)
        assert log["refresh_count"] == 1
        assert log["failure_count"] == 0
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 2


def test_refresh_does_not_depend_on_the_callers_search_path(db):
    with db.connect() as conn:
        data = seed(conn)
        conn.execute("SET search_path TO pg_temp")
        conn.execute("CREATE TEMP TABLE activities (id int)")  # a decoy in the caller's path
        with conn.transaction():
            insert_activities_qualified(conn, data)
        conn.execute("SET search_path TO public")
        assert refresh_log(conn)["refresh_count"] == 1
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 1


def insert_activities_qualified(conn, data) -> None:
    conn.execute(
        "INSERT INTO public.activities (peer_mentor_id, chapter_id, activity_type_id,"
        " occurred_at, duration_minutes) VALUES (%s, %s, %s, now(), 5)",
        [data.mentors["A"], data.chapters["A"], data.counting_type],
    )


@pytest.mark.parametrize("role", [names.ANON_ROLE, names.AUTHENTICATED_ROLE])
@pytest.mark.parametrize(
    "relation",
    [
        *names.MATERIALIZED_VIEWS,
        names.COUNTABLE_ACTIVITIES,
        names.REFRESH_LOG,
    ],
)
def test_private_relations_are_unreadable_by_api_roles(db, role, relation):
    with (
        db.connect() as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege) as error,
        as_api_user(conn, role),
    ):
        conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(PRIVATE, relation)))
    assert error.value.sqlstate == "42501"
