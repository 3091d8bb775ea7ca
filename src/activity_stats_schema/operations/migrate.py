"""Running this library's own migrations from Python (CLI, tests, demo).

Each function takes a SQLAlchemy connection (or a URL, for which it opens one) and hands it to
``env.py`` through the Alembic config: the URL is parsed once, here, not again by Alembic.
"""

import io
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, pool

from activity_stats_schema import names
from activity_stats_schema.operations.database import sqlalchemy_url

#: The Alembic scripts: env.py, the revisions, and the golden SQL beside them.
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
#: Where env.py finds the connection to migrate.
CONNECTION_ATTRIBUTE = "connection"

Target = Connection | str


@contextmanager
def connect(target: Target) -> Iterator[Connection]:
    """``target`` itself if it is a connection, else a connection to the URL, closed after."""
    if isinstance(target, Connection):
        yield target
        return
    engine = create_engine(sqlalchemy_url(target), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def alembic_config(
    connection: Connection | None = None,
    *,
    script_location: Path = MIGRATIONS_DIR,
    views: str | None = None,
) -> Config:
    """An Alembic config that migrates ``connection`` (none: offline SQL only); ``views``
    ("materialized" or "live") sets the view switch that env.py applies after an upgrade."""
    if not script_location.is_dir():
        raise FileNotFoundError(f"migrations not found at {script_location}")
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes[CONNECTION_ATTRIBUTE] = connection
    if views is not None:
        config.attributes[names.VIEWS_SWITCH] = views
    return config


def upgrade(target: Target, revision: str = "head", *, views: str | None = None) -> None:
    """Upgrade to ``revision``; ``views`` ("materialized" or "live") also sets the switch."""
    with connect(target) as connection:
        command.upgrade(alembic_config(connection, views=views), revision)


def downgrade(target: Target, revision: str = "base") -> None:
    with connect(target) as connection:
        command.downgrade(alembic_config(connection), revision)


def offline_sql(revision_range: str, *, downgrade: bool = False, views: str | None = None) -> str:
    """The SQL Alembic would run for ``revision_range`` (``from:to``), without a database;
    ``views`` adds the view switch to an upgrade, as :func:`upgrade` does."""
    config = alembic_config(views=views)
    buffer = io.StringIO()
    config.output_buffer = buffer
    with redirect_stdout(io.StringIO()):
        if downgrade:
            command.downgrade(config, revision_range, sql=True)
        else:
            command.upgrade(config, revision_range, sql=True)
    return buffer.getvalue()


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def revisions() -> list[str]:
    """Revision ids from base to head."""
    return [r.revision for r in reversed(list(_script().walk_revisions()))]


def head() -> str:
    current = _script().get_current_head()
    assert current is not None
    return current
