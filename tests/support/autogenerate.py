"""Autogenerate a revision against a throwaway server at head: ``nox -s revision -- "msg"``.

Autogenerate simulates entities in a live database, so the database must already hold the
tables they read: this starts an embedded server, applies the Supabase emulation and every
existing revision, then runs ``alembic revision --autogenerate``. ``--tables-only`` leaves the
alembic-utils entities out, for a revision that creates tables the entities will read.
"""

import argparse

from alembic import command

import activity_stats_schema.autogen as stats
from activity_stats_schema.embedded import embedded_server
from activity_stats_schema.migrate import alembic_config, upgrade
from tests.support import supabase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("message")
    parser.add_argument("--rev-id")
    parser.add_argument("--tables-only", action="store_true")
    args = parser.parse_args()
    if args.tables_only:
        declared = stats.include_object

        def tables_only(obj, *rest):  # type: ignore[no-untyped-def]
            return not isinstance(obj, stats.ReplaceableEntity) and declared(obj, *rest)

        stats.include_object = tables_only  # type: ignore[assignment]
    with embedded_server() as server:
        with server.connect(autocommit=True) as conn:
            supabase.bootstrap(conn)
        upgrade(server.url())
        config = alembic_config(server.url())
        command.revision(config, message=args.message, autogenerate=True, rev_id=args.rev_id)
        print(config.stdout.getvalue())  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
