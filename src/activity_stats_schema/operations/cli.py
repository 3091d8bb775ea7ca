"""``activity-stats-schema``: operations on a live database.

The database comes from ``--database-url`` or ``DATABASE_URL``. Expected failures (a bad URL, a
server that does not answer, a database that is not migrated) end with a one-line error and a
non-zero exit, never a traceback.
"""

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import psycopg
from alembic.util import CommandError as AlembicCommandError
from psycopg import sql
from psycopg.rows import dict_row
from sqlalchemy import Connection

from activity_stats_schema import names
from activity_stats_schema.operations import alignment, contingency, drift, migrate
from activity_stats_schema.operations.database import (
    URL_ENVIRONMENT_VARIABLE,
    libpq_url,
    url_from_environment,
)
from activity_stats_schema.schema.functions import FORCE_REFRESH

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


def _url(args: argparse.Namespace) -> str:
    url: str | None = args.database_url or url_from_environment()
    if not url:
        raise CommandError(f"no database: pass --database-url or set {URL_ENVIRONMENT_VARIABLE}")
    return url


def _connect(args: argparse.Namespace) -> psycopg.Connection:
    url = _url(args)
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


def _known_revision(revision: str) -> None:
    known = migrate.revisions()
    relative = revision[:1] in ("+", "-") and revision[1:].isdigit()
    if revision in ("head", "base", *known) or relative:
        return
    raise CommandError(f"unknown revision {revision!r}; known: base, {', '.join(known)}, head")


def _migration(
    step: Callable[[Connection, str], None], done: str
) -> Callable[[argparse.Namespace], int]:
    """A command that moves the database to ``args.revision`` with ``step``."""

    def run(args: argparse.Namespace) -> int:
        _known_revision(args.revision)
        _connect(args).close()  # a clear error for a bad URL or a server that does not answer
        try:
            with migrate.connect(_url(args)) as connection:
                step(connection, args.revision)
        except AlembicCommandError as exc:
            raise CommandError(str(exc)) from None
        print(f"{done} {args.revision}")
        return OK

    return run


def upgrade(args: argparse.Namespace) -> int:
    result = _migration(partial(migrate.upgrade, views=args.views), "upgraded to")(args)
    if args.views:
        print(f"the dashboard reads the {args.views} views")
    return result


downgrade = _migration(migrate.downgrade, "downgraded to")


def show_sql(args: argparse.Namespace) -> int:
    start, _, end = args.range.partition(":")
    if not end:
        raise CommandError(f"a range is FROM:TO, e.g. base:head (got {args.range!r})")
    for revision in (start, end):
        _known_revision(revision)
    try:
        if not args.downgrade_only:
            print(f"-- upgrade {start}:{end}")
            print(migrate.offline_sql(f"{start}:{end}"))
        if not args.upgrade_only:
            print(f"-- downgrade {end}:{start}")
            print(migrate.offline_sql(f"{end}:{start}", downgrade=True))
    except AlembicCommandError as exc:
        raise CommandError(str(exc)) from None
    return OK


def check(args: argparse.Namespace) -> int:
    _connect(args).close()
    try:
        with migrate.connect(_url(args)) as connection:
            drifts = drift.compare(connection)
    except Exception as exc:  # reflection errors: the database is not what we expect
        raise CommandError(f"cannot compare the database: {str(exc).splitlines()[0]}") from None
    print(drift.report(drifts))
    return FOUND if drifts else OK


STATUS_QUERY = sql.SQL(
    """
    SELECT l.last_refreshed_at, l.last_attempt_at, l.last_duration, l.debounce_interval,
           l.refresh_lock_timeout, l.refresh_count, l.failure_count, l.last_error,
           l.last_error_at, l.async_refresh, l.read_live_views,
           clock_timestamp() - l.last_refreshed_at AS staleness,
           (l.history_boundary AT TIME ZONE {zone})::date AS history_boundary,
           l.history_refreshed_at, l.recent_minimum,
           p.pending_changes, clock_timestamp() - p.oldest AS oldest_pending_age,
           p.pending_history_changes
    FROM {log} AS l,
         LATERAL (SELECT count(*) AS pending_changes, min(created_at) AS oldest,
                         count(*) FILTER (WHERE touched_from < l.history_boundary)
                             AS pending_history_changes
                  FROM {pending}) AS p
    """
).format(
    log=sql.Identifier(names.PRIVATE_SCHEMA, names.REFRESH_LOG),
    pending=sql.Identifier(names.PRIVATE_SCHEMA, names.PENDING_CHANGES),
    zone=sql.Literal(names.REPORTING_TIME_ZONE),
)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _shown(value: Any) -> str:
    """A status value as a person reads it: times to the second, durations in seconds."""
    if isinstance(value, dt.timedelta):
        return f"{value.total_seconds():.3f} s"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return "" if value is None else str(value)


#: Changing a switch as a role that may not.
NOT_THE_OWNER = "permission denied: connect as the schema's owner or service_role"


@contextmanager
def _operating(
    args: argparse.Namespace, refused: str = NOT_THE_OWNER
) -> Iterator[psycopg.Connection]:
    """A connection for one command, with the database's expected refusals as one line each:
    not migrated, a privilege the role lacks (``refused``), a value the command rejects."""
    with _connect(args) as conn:
        try:
            yield conn
        except NOT_MIGRATED as exc:
            raise _not_migrated(exc) from None
        except psycopg.errors.InsufficientPrivilege:
            raise CommandError(refused) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None


def status(args: argparse.Namespace) -> int:
    with _operating(args) as conn:
        with conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(STATUS_QUERY).fetchone()
        switches = contingency.read(conn)
    assert row is not None
    never = row["refresh_count"] == 0
    if args.json:
        document = {key: _json_value(value) for key, value in {**row, **switches}.items()}
        document["never_refreshed"] = never
        print(json.dumps(document, indent=2, sort_keys=True))
        return OK
    staleness = "never refreshed" if never else f"{row['staleness'].total_seconds():.1f} s"
    print(f"last refresh      {'never' if never else _shown(row['last_refreshed_at'])}")
    print(f"  took            {_shown(row['last_duration'])}")
    print(f"staleness now     {staleness}")
    print(f"refreshes         {row['refresh_count']}")
    print(f"failures          {row['failure_count']}")
    if row["last_error"]:
        print(f"last error        {row['last_error']} (at {_shown(row['last_error_at'])})")
    oldest = row["oldest_pending_age"]
    waiting = f" (oldest {oldest.total_seconds():.1f} s)" if oldest is not None else ""
    history = row["pending_history_changes"]
    older = f"; {history} reach before the history boundary" if history else ""
    print(f"changes waiting   {row['pending_changes']}{waiting}{older}")
    print(f"history boundary  {row['history_boundary']} ({names.REPORTING_TIME_ZONE} midnight)")
    print(f"  refreshed       {_shown(row['history_refreshed_at']) or 'never'}")
    print(f"  recent at least {row['recent_minimum'].days} days")
    mode = "async (writers only signal)" if row["async_refresh"] else "sync (at COMMIT, debounced)"
    print(f"refresh mode      {mode}")
    source = "live views (fallback)" if row["read_live_views"] else "materialized views"
    print(f"dashboard reads   {source}")
    print(f"notice            {_notice_line(switches)}")
    print(f"coordinator scope {_scope_line(switches)}")
    print(f"debounce interval {_shown(row['debounce_interval'])}")
    print(f"lock timeout      {_shown(row['refresh_lock_timeout'])}")
    return OK


def refresh(args: argparse.Namespace) -> int:
    refused = "permission denied: the refresh runs as the views' owner (connect as it)"
    with _operating(args, refused) as conn:
        row = conn.execute(FORCE_REFRESH).fetchone()
    outcome = row[0] if row else "?"
    print(f"refresh: {outcome}")
    return OK if outcome == "refreshed" else FOUND


def refresher(args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading

    from activity_stats_schema.operations.refresher import Refresher

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    _connect(args).close()  # fail fast on a bad URL; later losses are retried
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        Refresher(_url(args), stop, view_sessions=args.view_sessions).run()
    except NOT_MIGRATED as exc:
        # A refresher newer than the schema (deployed before its migration ran): say so.
        raise _not_migrated(exc) from None
    return OK


def validate_alignment(args: argparse.Namespace) -> int:
    with _operating(args) as conn:
        differences = alignment.compare(conn, refresh=not args.no_refresh)
        print(alignment.report(differences))
        if differences and args.set_notice:
            reason = f"validate-alignment found {len(differences)} difference(s)"
            contingency.set_notice(conn, args.message, reason)
            print(f"notice set: {args.message}")
        elif not differences and args.clear_notice:
            contingency.clear_notice(conn)
            print("notice cleared")
    return FOUND if differences else OK


def notice(args: argparse.Namespace) -> int:
    """``notice set MESSAGE [--reason WHY]`` / ``notice clear`` / ``notice show``."""
    with _operating(args) as conn:
        if args.action == "set":
            contingency.set_notice(conn, args.message, args.reason)
        elif args.action == "clear":
            contingency.clear_notice(conn)
        state = contingency.read(conn)
    print(_notice_line(state))
    return OK


def scope(args: argparse.Namespace) -> int:
    """``scope single`` / ``scope multi`` / ``scope show``: the coordinators' chapter scope."""
    with _operating(args) as conn:
        if args.mode != "show":
            contingency.set_single_chapter_scope(conn, args.mode == "single")
        state = contingency.read(conn)
    print(_scope_line(state))
    return OK


def _notice_line(state: dict[str, Any]) -> str:
    if not state["notice_active"]:
        return "off"
    reason = f"; why: {state['notice_reason']}" if state["notice_reason"] else ""
    return f"on since {_shown(state['notice_since'])}: {state['notice_message']}{reason}"


def _scope_line(state: dict[str, Any]) -> str:
    if not state["single_chapter_scope"]:
        return "multi-chapter (every coordinator sees all their chapters)"
    return (
        "single-chapter since "
        f"{_shown(state['single_chapter_scope_since'])} (coordinators see their primary chapter)"
    )


def build_parser() -> argparse.ArgumentParser:
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument(
        "--database-url",
        help=f"PostgreSQL URL (default: ${URL_ENVIRONMENT_VARIABLE})",
    )
    parser = argparse.ArgumentParser(
        prog="activity-stats-schema",
        description="Operate the activity-statistics schema on a live PostgreSQL database.",
        parents=[database],
    )
    # Given after the command too (``check --database-url URL``); there it wins.
    after = argparse.ArgumentParser(add_help=False)
    after.add_argument("--database-url", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for add in (_migration_commands, _inspection_commands, _refresh_commands, _switch_commands):
        add(commands, after)
    return parser


#: The subcommands' parser collection, as argparse types it.
type Commands = argparse._SubParsersAction[argparse.ArgumentParser]


def _migration_commands(commands: Commands, after: argparse.ArgumentParser) -> None:
    """upgrade, downgrade."""
    for name, run, default, text in (
        ("upgrade", upgrade, "head", "apply migrations up to REVISION"),
        ("downgrade", downgrade, None, "revert migrations down to REVISION (base: everything)"),
    ):
        command = commands.add_parser(name, help=text, description=text, parents=[after])
        if default:
            command.add_argument(
                "revision", nargs="?", default=default, help=f"target revision (default: {default})"
            )
        else:
            command.add_argument("revision", help="target revision, e.g. base or v0_1_0_schema")
        if name == "upgrade":
            command.add_argument(
                "--views",
                choices=list(names.VIEW_MODES),
                help="the migration-level switch: the dashboard reads the materialized views"
                " (default) or the plain live views (the fallback); unchanged when omitted",
            )
        command.set_defaults(run=run)


def _inspection_commands(commands: Commands, after: argparse.ArgumentParser) -> None:
    """sql, check, status."""
    show = commands.add_parser(
        "sql",
        parents=[after],
        help="print the upgrade and downgrade SQL of a revision range, without a database",
        description="The SQL Alembic would run, offline (the URL only picks the dialect).",
    )
    show.add_argument("range", nargs="?", default="base:head", help="FROM:TO (default base:head)")
    only = show.add_mutually_exclusive_group()
    only.add_argument("--upgrade-only", action="store_true")
    only.add_argument("--downgrade-only", action="store_true")
    show.set_defaults(run=show_sql)

    drift_check = commands.add_parser(
        "check",
        parents=[after],
        help="compare the live database with the declarations (exit 1 on drift)",
        description=drift.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    drift_check.set_defaults(run=check)

    state = commands.add_parser(
        "status",
        parents=[after],
        help="the refresh log: last refresh, staleness, failures, interval",
    )
    state.add_argument("--json", action="store_true", help="machine-readable, for monitoring")
    state.set_defaults(run=status)


def _refresh_commands(commands: Commands, after: argparse.ArgumentParser) -> None:
    """refresher, refresh."""
    process = commands.add_parser(
        "refresher",
        parents=[after],
        help="run the trailing-edge refresher (LISTEN/NOTIFY) until SIGTERM",
        description="Refreshes the views whenever committed changes wait, as soon as the "
        "debounce interval allows; reconnects after a lost connection.",
    )
    process.add_argument(
        "--view-sessions",
        action="store_true",
        help="refresh each view on a connection of its own, at once (default: one after the"
        " other on one connection): faster on a server with cores to spare, but the refresh"
        " then competes with writers on every core",
    )
    process.set_defaults(run=refresher)

    now = commands.add_parser(
        "refresh",
        parents=[after],
        help="refresh the views now, through the function the trigger uses",
    )
    now.set_defaults(run=refresh)


def _switch_commands(commands: Commands, after: argparse.ArgumentParser) -> None:
    """validate-alignment and the contingency switches: notice, scope."""
    align = commands.add_parser(
        "validate-alignment",
        parents=[after],
        help="compare dashboard totals with the Bufdir export per chapter, type and month",
        description=alignment.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    align.add_argument(
        "--no-refresh",
        action="store_true",
        help="compare the views as they are (by default they are refreshed first)",
    )
    align.add_argument(
        "--set-notice",
        action="store_true",
        help="when they differ, switch on the dashboard's notice that numbers are indicative",
    )
    align.add_argument(
        "--clear-notice",
        action="store_true",
        help="when they agree, switch the notice off",
    )
    align.add_argument(
        "--message", default=names.DEFAULT_NOTICE, help="the notice users read (with --set-notice)"
    )
    align.set_defaults(run=validate_alignment)

    shown = commands.add_parser(
        "notice",
        parents=[after],
        help="the dashboard's 'numbers are indicative' notice: set, clear or show it",
        description=contingency.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = shown.add_subparsers(dest="action", required=True, metavar="ACTION")
    setting = actions.add_parser("set", parents=[after], help="switch the notice on")
    setting.add_argument("message", help="what users read beside the numbers")
    setting.add_argument("--reason", help="why it is on (for operators; users are not shown it)")
    actions.add_parser("clear", parents=[after], help="switch the notice off")
    actions.add_parser("show", parents=[after], help="print the notice")
    shown.set_defaults(run=notice)

    narrowed = commands.add_parser(
        "scope",
        parents=[after],
        help="coordinators' chapter scope: single (primary chapter only), multi, or show",
    )
    narrowed.add_argument("mode", choices=["single", "multi", "show"])
    narrowed.set_defaults(run=scope)


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
