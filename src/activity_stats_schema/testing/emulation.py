"""What a Supabase project provides, for PostgreSQL servers that are not Supabase.

The migrations assume Supabase's roles (``anon``, ``authenticated``, ``service_role``) and
``auth.uid()``. The demo, the tests and the benchmark create them here with :func:`bootstrap`;
the migrations never do, so they run unchanged on a real Supabase project.
:func:`create_migrating_role` makes a role like the one Supabase migrates as (not a superuser),
and :func:`create_project_database` a throwaway server's database owned and set up for it;
:func:`as_api_user` acts as PostgREST does for one request.
"""

import json
import secrets
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from sqlalchemy_utils import create_database, database_exists

from activity_stats_schema import names
from activity_stats_schema.operations.database import sqlalchemy_url
from activity_stats_schema.sqlfiles import render
from activity_stats_schema.testing.embedded import EmbeddedPostgres

#: The package whose sql/ folder holds the emulation's SQL.
TESTING = __package__ or "activity_stats_schema.testing"


def bootstrap(conn: psycopg.Connection, migrating_role: str | None = None) -> None:
    """Create Supabase's roles, ``auth`` schema and default privileges (idempotent).

    The default privileges are those of ``migrating_role``, the role that will run the
    migrations (the connected role when not given): on Supabase they are set for the role that
    creates the schema's objects, and only that role's objects get them.
    """
    role = sql.Identifier(migrating_role) if migrating_role else sql.SQL("CURRENT_USER")
    conn.execute(render("supabase_emulation.sql", TESTING, migrating_role=role))
    if migrating_role:
        # It may act as the API roles (SET ROLE authenticated to try a policy, say). The
        # connected role needs no grant: the demo's, tests' and bench's is a superuser.
        conn.execute(
            sql.SQL("GRANT {} TO {}").format(
                sql.SQL(", ").join(map(sql.Identifier, names.API_ROLES)), role
            )
        )


def create_migrating_role(conn: psycopg.Connection, name: str, password: str) -> None:
    """Create a role shaped like the one Supabase runs migrations as: not a superuser.

    The embedded server's ``postgres`` is a superuser; Supabase's is not, and a superuser owner
    would hide a migration or a SECURITY DEFINER function that needs more than a project has.
    """
    conn.execute(
        render(
            "supabase_migrating_role.sql",
            TESTING,
            migrating_role=sql.Identifier(name),
            password=sql.Literal(password),
        )
    )


def create_project_database(
    server: EmbeddedPostgres, dbname: str, owner: str = names.PROJECT_OWNER
) -> str:
    """A database on a throwaway server as a Supabase project has its own: owned by ``owner``,
    a role that is not a superuser (created here), with Supabase's roles and that role's
    default privileges. Returns ``owner``'s URL, to migrate and write with (the embedded server
    trusts local logins, so the random password is never needed).

    An existing database (the one pg_cron runs in, which, as on Supabase, is where the
    project's objects must live) only changes owner."""
    with server.connect(autocommit=True) as admin:
        create_migrating_role(admin, owner, secrets.token_urlsafe(16))
    target = sqlalchemy_url(server.url(dbname))
    if not database_exists(target):
        create_database(target)
    with server.connect(autocommit=True) as admin:
        admin.execute(
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(dbname), sql.Identifier(owner)
            )
        )
    with psycopg.connect(server.url(dbname), autocommit=True) as conn:
        bootstrap(conn, migrating_role=owner)
    return server.url(dbname, user=owner)


#: An API role's own settings (``ALTER ROLE ... SET``, for every database, then for this one,
#: which wins): what PostgREST applies to each request it runs as that role.
ROLE_SETTINGS = """
SELECT split_part(u.setting, '=', 1), substr(u.setting, strpos(u.setting, '=') + 1)
FROM pg_catalog.pg_db_role_setting AS s
CROSS JOIN LATERAL unnest(s.setconfig) WITH ORDINALITY AS u(setting, n)
WHERE s.setrole = (SELECT r.oid FROM pg_catalog.pg_roles AS r WHERE r.rolname = %s)
  AND s.setdatabase IN (0, (SELECT d.oid FROM pg_catalog.pg_database AS d
                             WHERE d.datname = pg_catalog.current_database()))
ORDER BY s.setdatabase, u.n
"""

#: Settings by name: (name, value) in the order they apply.
Settings = list[tuple[str, str]]

#: Per connection, the settings read for each role. PostgREST reads them when it starts and on
#: a configuration reload, not per request, so a request costs no catalog read here either.
_role_settings: weakref.WeakKeyDictionary[psycopg.Connection, dict[str, Settings]] = (
    weakref.WeakKeyDictionary()
)


def role_settings(conn: psycopg.Connection, role: str) -> Settings:
    """``role``'s settings as PostgREST applies them, read once per connection."""
    known = _role_settings.setdefault(conn, {})
    if role not in known:
        known[role] = [(name, value) for name, value in conn.execute(ROLE_SETTINGS, [role])]
    return known[role]


@contextmanager
def as_api_user(
    conn: psycopg.Connection, role: str, user_id: uuid.UUID | None = None
) -> Iterator[psycopg.Connection]:
    """One PostgREST request: a transaction with ``SET LOCAL ROLE``, the JWT claims and the
    role's own settings (Supabase's statement timeouts among them) set for the transaction.

    The transaction commits when the block ends without error (deferred triggers fire then).
    """
    claims = {"role": role}
    if user_id is not None:
        claims["sub"] = str(user_id)
    with conn.transaction():
        # Read (once) inside the request's transaction: outside it, a connection that is not in
        # autocommit would open the transaction this block then only nests in.
        settings = [("request.jwt.claims", json.dumps(claims)), *role_settings(conn, role)]
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        conn.execute(
            sql.SQL("SELECT {}").format(
                sql.SQL(", ").join(sql.SQL("set_config(%s, %s, true)") for _ in settings)
            ),
            [value for setting in settings for value in setting],
        )
        yield conn
