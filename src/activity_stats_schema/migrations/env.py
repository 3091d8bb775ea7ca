"""Alembic environment for activity_stats_schema's own migrations (online and offline).

Online, it migrates the connection the caller put in ``config.attributes["connection"]``
(:mod:`activity_stats_schema.operations.migrate`), or, run by the ``alembic`` command, a URL
from ``-x url=...``, ``sqlalchemy.url`` or ``DATABASE_URL``. A backend's env.py needs only the
lines marked "library" below; see docs/adopting.md.
"""

from alembic import context
from psycopg import sql
from sqlalchemy import create_engine, pool, text

import activity_stats_schema.autogen as stats  # library
from activity_stats_schema import names
from activity_stats_schema.operations import view_mode
from activity_stats_schema.operations.database import sqlalchemy_url, url_from_environment
from activity_stats_schema.operations.migrate import CONNECTION_ATTRIBUTE

config = context.config
stats.register()  # library
target_metadata = stats.metadata  # library

#: A migration waits at most this long for a lock, then fails rather than block the app.
SET_LOCK_TIMEOUT = (
    sql.SQL("SET lock_timeout = {}")
    .format(sql.Literal(names.MIGRATION_LOCK_TIMEOUT))
    .as_string(None)
)

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


def _view_mode_statement() -> str | None:
    """The switch to the materialized or the plain views, when this run was given one.

    It is applied at the end of the run, once the database is at its destination; a run whose
    destination is base has no log row to switch, and is refused the switch.
    """
    arguments = {**context.get_x_argument(as_dictionary=True), **config.attributes}
    try:
        mode = view_mode.requested(arguments)
    except view_mode.UnknownViewMode as exc:
        raise SystemExit(str(exc)) from None
    if mode and context.get_revision_argument() is None:
        raise SystemExit(f"{names.VIEWS_SWITCH} needs a revision to stay at, not base")
    return view_mode.switch_statement(mode) if mode else None


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
        dialect_name="postgresql",
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_options(),
    )
    with context.begin_transaction():
        context.execute(SET_LOCK_TIMEOUT)
        context.execute(ENSURE_SCHEMA)
        context.run_migrations()
        if context.get_revision_argument() is None:  # the destination is base
            context.execute(REMOVE_BOOKKEEPING_AT_BASE)
        elif switch := _view_mode_statement():
            context.execute(switch)


def run_migrations_online() -> None:
    connectable = config.attributes.get(CONNECTION_ATTRIBUTE)
    if connectable is None:
        engine = create_engine(_url(), poolclass=pool.NullPool)
        with engine.connect() as connection:
            _run_online(connection)
        engine.dispose()
    else:
        _run_online(connectable)


#: At base, nothing of the library is left but Alembic's bookkeeping; remove that too, so a
#: downgrade to base leaves the catalog exactly as it was before the first upgrade. Written to
#: run anywhere (offline SQL included): it checks before it drops.
REMOVE_BOOKKEEPING_AT_BASE = (
    sql.SQL(
        """
DO $cleanup$
DECLARE
    v_at_base boolean := true;
BEGIN
    IF pg_catalog.to_regnamespace({schema_name}) IS NULL THEN
        RETURN;
    END IF;
    IF pg_catalog.to_regclass({version_table_name}) IS NOT NULL THEN
        EXECUTE {is_empty} INTO v_at_base;
    END IF;
    IF v_at_base
       AND NOT EXISTS (
           SELECT FROM pg_catalog.pg_class
           WHERE relnamespace = pg_catalog.to_regnamespace({schema_name})
             AND relkind <> 'i' AND relname <> {table_name})
       AND NOT EXISTS (
           SELECT FROM pg_catalog.pg_proc
           WHERE pronamespace = pg_catalog.to_regnamespace({schema_name}))
    THEN
        DROP TABLE IF EXISTS {version_table};
        DROP SCHEMA {schema};
    END IF;
END
$cleanup$"""
    )
    .format(
        version_table=sql.Identifier(names.VERSION_TABLE_SCHEMA, names.VERSION_TABLE),
        version_table_name=sql.Literal(f"{names.VERSION_TABLE_SCHEMA}.{names.VERSION_TABLE}"),
        is_empty=sql.Literal(
            sql.SQL("SELECT NOT EXISTS (SELECT FROM {})")
            .format(sql.Identifier(names.VERSION_TABLE_SCHEMA, names.VERSION_TABLE))
            .as_string(None)
        ),
        schema=sql.Identifier(names.VERSION_TABLE_SCHEMA),
        schema_name=sql.Literal(names.VERSION_TABLE_SCHEMA),
        table_name=sql.Literal(names.VERSION_TABLE),
    )
    .as_string(None)
)


def _run_online(connection) -> None:  # type: ignore[no-untyped-def]
    connection.execute(text(SET_LOCK_TIMEOUT))
    connection.execute(text(ENSURE_SCHEMA))
    connection.commit()
    context.configure(connection=connection, **_options())
    switch = _view_mode_statement()  # a bad value stops before any migration runs
    with context.begin_transaction():
        context.run_migrations()
        if switch:
            context.execute(switch)
    if connection.in_transaction():
        connection.commit()
    if context.get_context().get_current_revision() is None:
        connection.execute(text(REMOVE_BOOKKEEPING_AT_BASE))
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
