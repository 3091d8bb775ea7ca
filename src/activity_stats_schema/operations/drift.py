"""Does a live database match the declarations? (``activity-stats-schema check``)

Runs Alembic's autogenerate comparison, with the library's entities and filters, against the
live database, and renders what it would take to bring the database in line as the same
idempotent SQL a revision would contain. Objects the library does not declare are ignored.
"""

import io
from dataclasses import dataclass

from alembic.autogenerate import produce_migrations
from alembic.migration import MigrationContext
from alembic.operations import Operations, ops
from sqlalchemy import Connection

from activity_stats_schema import autogen, rewriter


@dataclass(frozen=True)
class Drift:
    """One change the database needs: a short description and its SQL."""

    summary: str
    sql: str


def _summary(op: ops.MigrateOperation, statement: str) -> str:
    if isinstance(op, rewriter.SQLStatement):
        first = statement.strip().splitlines()[0] if statement.strip() else ""
        return first[:100]
    diff = op.to_diff_tuple()
    kind = diff[0] if isinstance(diff, tuple) else type(op).__name__
    return f"{kind}: {getattr(op, 'table_name', '') or ''}".rstrip(": ")


def _as_sql(op: ops.MigrateOperation) -> str:
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql",
        dialect_opts={"paramstyle": "named"},  # or "%" in function bodies is printed as "%%"
        opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True},
    )
    Operations(context).invoke(op)
    return buffer.getvalue().strip()


def compare(connection: Connection) -> list[Drift]:
    """Every change the live database needs to match the declarations."""
    context = autogen.comparison_context(connection)
    script = produce_migrations(context, autogen.metadata)
    autogen.rewrite(context, script)
    assert script.upgrade_ops is not None
    drifts = []
    for op in autogen.flatten(script.upgrade_ops):
        statement = _as_sql(op)
        drifts.append(Drift(_summary(op, statement), statement))
    return drifts


def report(drifts: list[Drift]) -> str:
    if not drifts:
        return "no drift: the database matches the declarations"
    lines = [f"drift: {len(drifts)} change(s) would bring the database in line", ""]
    for number, drift in enumerate(drifts, 1):
        lines.append(f"-- [{number}] {drift.summary}")
        lines.append(drift.sql)
        lines.append("")
    return "\n".join(lines).rstrip()
