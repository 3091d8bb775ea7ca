"""``activity-stats-schema``: operations on a live database.

The database comes from ``--database-url`` or ``DATABASE_URL``. Expected failures (a bad URL, a
server that does not answer, a database that is not migrated) end with a one-line error and a
non-zero exit, never a traceback.
"""

import argparse
import sys
from collections.abc import Callable, Sequence

import psycopg

from activity_stats_schema import alignment
from activity_stats_schema.database import URL_ENVIRONMENT_VARIABLE, libpq_url, url_from_environment

#: Exit codes: 0 all well; 1 the check found differences; 2 the command could not run.
OK, FOUND, FAILED = 0, 1, 2


#: What a database without this library's objects answers.
NOT_MIGRATED = (
    psycopg.errors.UndefinedTable,
    psycopg.errors.UndefinedFunction,
    psycopg.errors.InvalidSchemaName,
)


class CommandError(Exception):
    """An expected failure, reported as one line."""


def _connect(args: argparse.Namespace) -> psycopg.Connection:
    url = args.database_url or url_from_environment()
    if not url:
        raise CommandError(f"no database: pass --database-url or set {URL_ENVIRONMENT_VARIABLE}")
    try:
        return psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=10)
    except (ValueError, psycopg.ProgrammingError) as exc:
        raise CommandError(f"bad database URL: {exc}") from None
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(f"cannot connect to the database: {first}") from None


def _not_migrated(exc: psycopg.Error) -> CommandError:
    return CommandError(
        f"the database is not migrated ({exc.diag.message_primary}); "
        "run: activity-stats-schema upgrade"
    )


def validate_alignment(args: argparse.Namespace) -> int:
    with _connect(args) as conn:
        try:
            differences = alignment.compare(conn, refresh=not args.no_refresh)
        except NOT_MIGRATED as exc:
            raise _not_migrated(exc) from None
    print(alignment.report(differences))
    return FOUND if differences else OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="activity-stats-schema",
        description="Operate the activity-statistics schema on a live PostgreSQL database.",
    )
    parser.add_argument(
        "--database-url",
        help=f"PostgreSQL URL (default: ${URL_ENVIRONMENT_VARIABLE})",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "validate-alignment",
        help="compare dashboard totals with the Bufdir export per chapter, type and month",
        description=alignment.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "--no-refresh",
        action="store_true",
        help="compare the views as they are (by default they are refreshed first)",
    )
    check.set_defaults(run=validate_alignment)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except CommandError as exc:
        print(f"activity-stats-schema: error: {exc}", file=sys.stderr)
        return FAILED


if __name__ == "__main__":
    sys.exit(main())
