"""A materialized view as one entity with its indexes (the unique index that ``REFRESH
MATERIALIZED VIEW CONCURRENTLY`` needs).

alembic-utils' ``PGMaterializedView`` knows nothing of indexes: replacing a view drops them, and a
dropped index is not seen as drift. :class:`MaterializedView` makes the unique index part of the
entity: created with it, compared with it, and restored with it when a migration replaces the view.
"""

import re
from collections.abc import Sequence
from typing import Any, Self

from alembic_utils.pg_materialized_view import PGMaterializedView
from alembic_utils.replaceable_entity import ReplaceableEntity
from alembic_utils.reversible_op import CreateOp, ReplaceOp, ReversibleOp
from alembic_utils.statement import normalize_whitespace
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause


class MaterializedView(PGMaterializedView, ReplaceableEntity):
    """A materialized view together with its indexes.

    ``index_definitions`` are complete ``CREATE [UNIQUE] INDEX`` statements. Entities read from
    the database carry PostgreSQL's rendering of them (``pg_indexes.indexdef``), so a declared
    view and a live one compare equal exactly when the live view has the same query and indexes.
    (``ReplaceableEntity`` is repeated as a base so that alembic-utils' drop detection, which
    only walks its direct subclasses, sees this class.)
    """

    type_ = "materialized_view"

    def __init__(
        self,
        schema: str,
        signature: str,
        definition: str,
        with_data: bool = True,
        index_definitions: Sequence[str] = (),
    ) -> None:
        super().__init__(schema, signature, definition, with_data=with_data)
        self.index_definitions: tuple[str, ...] = tuple(sorted(index_definitions))

    @classmethod
    def declare(cls, schema: str, name: str, query: str, unique_key: Sequence[str]) -> Self:
        """A view of ``query``, unique on ``unique_key`` (the index is named ``<name>_key``)."""
        index = sql.SQL("CREATE UNIQUE INDEX {index} ON {view} USING btree ({columns})").format(
            index=sql.Identifier(f"{name}_key"),
            view=sql.Identifier(schema, name),
            columns=sql.SQL(", ").join(sql.Identifier(c) for c in unique_key),
        )
        return cls(
            schema=schema,
            signature=name,
            definition=query,
            index_definitions=[index.as_string(None)],
        )

    @property
    def qualified(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.signature)

    def create_statements(self, if_not_exists: bool = False) -> list[str]:
        """CREATE for the view then each index; guarded when ``if_not_exists``."""
        head = (
            "CREATE MATERIALIZED VIEW IF NOT EXISTS"
            if if_not_exists
            else ("CREATE MATERIALIZED VIEW")
        )
        data = "WITH DATA" if self.with_data else "WITH NO DATA"
        view = sql.SQL("{head} {view} AS\n{query}\n{data}").format(
            head=sql.SQL(head),
            view=self.qualified,
            query=sql.SQL(self.definition.strip().rstrip(";")),
            data=sql.SQL(data),
        )
        indexes = list(self.index_definitions)
        if if_not_exists:
            indexes = [
                d.replace("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1).replace(
                    "CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1
                )
                for d in indexes
            ]
        return [view.as_string(None), *indexes]

    def drop_statement(self, if_exists: bool = True) -> str:
        head = "DROP MATERIALIZED VIEW IF EXISTS" if if_exists else "DROP MATERIALIZED VIEW"
        return sql.SQL("{} {}").format(sql.SQL(head), self.qualified).as_string(None)

    def to_sql_statement_create(self) -> TextClause:
        return text(";\n".join(self.create_statements()))

    def to_sql_statement_create_or_replace(self) -> Any:
        yield text(self.drop_statement())
        for statement in self.create_statements():
            yield text(statement)

    def comparable(self) -> tuple[str, tuple[str, ...]]:
        return normalize_whitespace(self.definition), self.index_definitions

    _version_to_replace: "MaterializedView | None" = None  # type: ignore[assignment]
    #: When only the indexes differ from the live view: the statements that fix them (the view
    #: itself, and its data, stay).
    _index_changes: list[str] | None = None
    _index_changes_back: list[str] | None = None

    def get_required_migration_op(
        self, sess: Session, dependencies: list[ReplaceableEntity] | None = None
    ) -> ReversibleOp | None:
        live = {e.identity: e for e in self.from_database(sess, self.schema)}.get(self.identity)
        if live is None:
            return CreateOp(self)
        simulated = self.get_database_definition(sess, dependencies=dependencies)
        if simulated.comparable() == live.comparable():
            return None
        self._version_to_replace = live
        self._index_changes = self._index_changes_back = None
        if normalize_whitespace(simulated.definition) == normalize_whitespace(live.definition):
            self._index_changes = index_changes(live, simulated)
            self._index_changes_back = index_changes(simulated, live)
        return ReplaceOp(self)

    @classmethod
    def from_database(cls, sess: Session, schema: str = "%") -> list[Self]:  # type: ignore[override]
        rows = sess.execute(
            text(
                """
                SELECT v.schemaname, v.matviewname, v.definition, v.ispopulated,
                       coalesce(array_agg(i.indexdef ORDER BY i.indexname)
                                FILTER (WHERE i.indexdef IS NOT NULL), '{}')
                FROM pg_catalog.pg_matviews AS v
                LEFT JOIN pg_catalog.pg_indexes AS i
                       ON i.schemaname = v.schemaname AND i.tablename = v.matviewname
                WHERE v.schemaname LIKE :schema
                GROUP BY 1, 2, 3, 4
                """
            ),
            {"schema": schema},
        ).all()
        return [
            cls(row[0], row[1], row[2], with_data=row[3], index_definitions=row[4]) for row in rows
        ]


_INDEX_NAME = re.compile(r'^CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?"?([^" ]+)"? ON ')


def _indexes_by_name(view: MaterializedView) -> dict[str, str]:
    found = {}
    for definition in view.index_definitions:
        match = _INDEX_NAME.match(definition)
        assert match, definition
        found[match.group(1)] = definition
    return found


def index_changes(live: MaterializedView, target: MaterializedView) -> list[str]:
    """Statements that turn ``live``'s indexes into ``target``'s (both as PostgreSQL renders
    them): drop what differs or should not be there, create what is missing."""
    have, want = _indexes_by_name(live), _indexes_by_name(target)
    statements = [
        sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(live.schema, name)).as_string(None)
        for name, definition in sorted(have.items())
        if want.get(name) != definition
    ]
    statements += [
        definition for name, definition in sorted(want.items()) if have.get(name) != definition
    ]
    return statements
