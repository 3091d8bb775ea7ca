"""Autogenerate a revision on a throwaway server: ``nox -s revision -- "message"``.

Autogenerate simulates entities in a live database, so the tables they read must exist first.
By default the server is brought to head and the revision holds what the declarations add.
``--baseline`` writes the first release's revision instead, from an empty database: the
tables are compared and created first, then the entities against them, and both land in one
revision (tables first; downgrade in reverse).
"""

import argparse
import copy

from alembic import command
from alembic.autogenerate import produce_migrations
from alembic.operations import Operations, ops
from alembic_utils.replaceable_entity import ReplaceableEntity

import activity_stats_schema.autogen as stats
from activity_stats_schema.operations.migrate import alembic_config, connect, upgrade
from activity_stats_schema.testing.embedded import embedded_server
from tests.support import supabase


def _tables_only(obj, *rest) -> bool:  # type: ignore[no-untyped-def]
    return not isinstance(obj, ReplaceableEntity)


def create_tables_first(connection) -> ops.MigrationScript:  # type: ignore[no-untyped-def]
    """Create the declared tables as a revision would; return their operations unrewritten."""
    context = stats.comparison_context(connection, include_object=_tables_only)
    tables = produce_migrations(context, stats.metadata)
    applied = copy.deepcopy(tables)
    stats.rewrite(context, applied)
    operations = Operations(context)
    assert applied.upgrade_ops is not None
    for op in stats.flatten(applied.upgrade_ops):
        operations.invoke(op)
    connection.commit()
    return tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("message")
    parser.add_argument("--rev-id")
    parser.add_argument("--baseline", action="store_true", help="the first revision, from empty")
    args = parser.parse_args()
    with embedded_server() as server:
        with server.connect(autocommit=True) as conn:
            supabase.bootstrap(conn)
        with connect(server.url()) as connection:
            directives = None
            if args.baseline:
                tables = create_tables_first(connection)

                def directives(context, revision, scripts):  # type: ignore[no-untyped-def]
                    script = scripts[0]
                    script.upgrade_ops.ops[:0] = tables.upgrade_ops.ops
                    script.downgrade_ops.ops.extend(tables.downgrade_ops.ops)
            else:
                upgrade(connection)
            config = alembic_config(connection)
            command.revision(
                config,
                message=args.message,
                autogenerate=True,
                rev_id=args.rev_id,
                head="base" if args.baseline else "head",
                process_revision_directives=directives,
            )
        print(config.stdout.getvalue())  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
