"""The schema as a Supabase project has it: migrated by, owned by and used as a role that is not
a superuser.

Supabase runs migrations as its ``postgres`` role, which is not a superuser (LOGIN CREATEDB
CREATEROLE REPLICATION BYPASSRLS). The other modules migrate as the test server's superuser,
which may do what a project's role may not; and the refresh functions are SECURITY DEFINER, so
they run with their owner's rights. A refresh that lacked a right would not even fail a test
loudly: the trigger's EXCEPTION block turns it into a recorded failure. So here the templates
are built by a role shaped like Supabase's (``emulation.create_migrating_role``), the default
privileges are that role's, and each test's database is owned by it and used through it.

The behaviour tests of the modules below run again under that role: they are imported, with the
fixtures they need, so pytest collects them here, where ``templates``, ``db`` and ``empty_db``
are the ones this module defines.
"""

import importlib
import secrets
from collections.abc import Iterator
from types import ModuleType

import psycopg
import pytest
from psycopg import sql

from activity_stats_schema import names
from activity_stats_schema.migrate import upgrade
from tests.pg_plugin import Cluster, Database, Login, Templates, database_from
from tests.support import supabase

#: Every test of these modules runs again here, under the migrating role.
AGAIN: tuple[ModuleType, ...] = tuple(
    importlib.import_module(f"tests.{module}")
    for module in (
        "test_async_mode",
        "test_bulk_insert",
        "test_catalog_security",
        "test_changes_the_row_trigger_cannot_see",
        "test_chapter_access",
        "test_fallback_views",
        "test_migrations",
        "test_parallel_refresh",
        "test_refresh_cases",
        "test_refresh_security",
        "test_refresher",
        "test_trailing_edge",
        "test_view_mode_switch",
    )
)


def _collect_again(modules: tuple[ModuleType, ...]) -> dict[str, object]:
    """The modules' tests and the fixtures those define; a name defined twice is an error."""
    found: dict[str, object] = {}
    for module in modules:
        for name, value in vars(module).items():
            is_test = name.startswith("test_") and callable(value)
            is_fixture = hasattr(value, "_fixture_function_marker") or hasattr(
                value, "_pytestfixturefunction"
            )
            if not (is_test or is_fixture) or name in {"db", "empty_db", "templates"}:
                continue
            if name in found and found[name] is not value:
                raise RuntimeError(f"{name} is defined in two of the modules run again")
            found[name] = value
    return found


globals().update(_collect_again(AGAIN))


@pytest.fixture(scope="module")
def migrating_login(cluster: Cluster) -> Iterator[Login]:
    login = Login(user=f"{cluster.prefix}_migrator", password=secrets.token_urlsafe(16))
    with cluster.admin() as conn:
        supabase.create_migrating_role(conn, login.user, login.password)
    try:
        yield login
    finally:
        with cluster.admin() as conn:  # its databases are gone by now (the fixtures below)
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login.user)))


@pytest.fixture(scope="module")
def templates(cluster: Cluster, migrating_login: Login) -> Iterator[Templates]:
    """``bootstrap`` and ``head`` as the plugin builds them, but by and for the migrating role."""
    bootstrap = cluster.create_database(owner=migrating_login.user)
    head = None
    try:
        with psycopg.connect(cluster.url(bootstrap), autocommit=True) as conn:
            supabase.bootstrap(conn, migrating_role=migrating_login.user)
        head = cluster.create_database(template=bootstrap, owner=migrating_login.user)
        upgrade(cluster.url(head, migrating_login))
        yield Templates(bootstrap=bootstrap, head=head)
    finally:
        for name in (head, bootstrap):
            if name is not None:
                cluster.drop_database(name)


@pytest.fixture
def db(cluster: Cluster, templates: Templates, migrating_login: Login) -> Iterator[Database]:
    yield from database_from(cluster, templates.head, migrating_login)


@pytest.fixture
def empty_db(cluster: Cluster, templates: Templates, migrating_login: Login) -> Iterator[Database]:
    yield from database_from(cluster, templates.bootstrap, migrating_login)


def test_the_migrating_role_is_not_a_superuser_and_owns_everything_the_schema_holds(db):
    with db.connect() as conn:
        role = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        foreign = conn.execute(
            """
            SELECT c.oid::regclass::text FROM pg_class c
            WHERE c.relnamespace IN (%(public)s::regnamespace, %(private)s::regnamespace)
              AND c.relowner <> current_user::regrole
            UNION ALL
            SELECT p.oid::regprocedure::text FROM pg_proc p
            WHERE p.pronamespace IN (%(public)s::regnamespace, %(private)s::regnamespace)
              AND p.proowner <> current_user::regrole
            """,
            {"public": names.PUBLIC_SCHEMA, "private": names.PRIVATE_SCHEMA},
        ).fetchall()
        owned = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole"
            " AND relnamespace IN (%s::regnamespace, %s::regnamespace)",
            [names.PUBLIC_SCHEMA, names.PRIVATE_SCHEMA],
        ).fetchone()
    assert role == (False, True)
    assert foreign == []
    assert owned is not None and owned[0] > 0
