"""Row-level security switched on, per table, as an entity autogenerate compares.

alembic-utils has policies but not ``ALTER TABLE ... ENABLE ROW LEVEL SECURITY``; without it a
policy protects nothing, and a table in ``public`` is open to the API roles' grants.
"""

from typing import Any, Self

from alembic_utils.replaceable_entity import ReplaceableEntity
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from activity_stats_schema.entities.object_state import ObjectState


class RowLevelSecurity(ObjectState, ReplaceableEntity):
    """Whether row-level security is enabled on one table (and forced on its owner)."""

    type_ = "row_level_security"

    def __init__(self, schema: str, table: str, enabled: bool = True, forced: bool = False):
        self.schema = schema
        self.signature = table
        self.enabled = enabled
        self.forced = forced
        self.definition = ("enabled" if enabled else "disabled") + (", forced" if forced else "")

    @property
    def table(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.signature)

    def statement(self, enabled: bool, forced: bool, if_exists: bool = False) -> str:
        return (
            sql.SQL(
                "ALTER TABLE {if_exists}{table}"
                " {enable} ROW LEVEL SECURITY, {force} ROW LEVEL SECURITY"
            )
            .format(
                if_exists=sql.SQL("IF EXISTS " if if_exists else ""),
                table=self.table,
                enable=sql.SQL("ENABLE" if enabled else "DISABLE"),
                force=sql.SQL("FORCE" if forced else "NO FORCE"),
            )
            .as_string(None)
        )

    def to_sql_statement_create(self) -> TextClause:
        return text(self.statement(self.enabled, self.forced))

    def to_sql_statement_drop(self, cascade: bool = False) -> TextClause:
        return text(self.statement(False, False, if_exists=True))

    def to_sql_statement_create_or_replace(self) -> Any:
        yield self.to_sql_statement_create()

    @classmethod
    def from_database(cls, sess: Session, schema: str = "%") -> list[Self]:  # type: ignore[override]
        rows = sess.execute(
            text(
                """
                SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity
                FROM pg_catalog.pg_class AS c
                JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p') AND n.nspname LIKE :schema
                """
            ),
            {"schema": schema},
        ).all()
        return [cls(r[0], r[1], enabled=r[2], forced=r[3]) for r in rows]

    def to_variable_name(self) -> str:
        return f"rls_{self.schema}_{self.signature}"
