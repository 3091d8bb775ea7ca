"""Alembic environment for activity_stats_schema's own migrations (online and offline).

A backend's env.py needs only the lines marked "library" below; see README.md.
"""

from alembic import context
from psycopg import sql
from sqlalchemy import create_engine, pool, text

import activity_stats_schema.autogen as stats  # library
from activity_stats_schema import names
from activity_stats_schema.database import sqlalchemy_url, url_from_environment

config = context.config
stats.register()  # library
target_metadata = stats.metadata  # library

#: Alembic's version table lives in the private schema, which must exist before Alembic looks.
ENSURE_SCHEMA = (
    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}")
    .format(sql.Identifier(names.VERSION_TABLE_SCHEMA))
    .as_string(None)
)


def _url() -> str:
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or url_from_environment()
    )
    if not url:
        raise SystemExit("no database URL: pass -x url=..., or set DATABASE_URL")
    return sqlalchemy_url(url).render_as_string(hide_password=False)


def _options() -> dict[str, object]:
    return {
        "target_metadata": target_metadata,
        "version_table": names.VERSION_TABLE,
        "version_table_schema": names.VERSION_TABLE_SCHEMA,
        "transaction_per_migration": True,
        **stats.configure_options(),  # library
    }


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_options(),
    )
    with context.begin_transaction():
        context.execute(ENSURE_SCHEMA)
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = create_engine(_url(), poolclass=pool.NullPool)
        with engine.connect() as connection:
            _run_online(connection)
        engine.dispose()
    else:
        _run_online(connectable)


def _run_online(connection) -> None:  # type: ignore[no-untyped-def]
    connection.execute(text(ENSURE_SCHEMA))
    connection.commit()
    context.configure(connection=connection, **_options())
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
