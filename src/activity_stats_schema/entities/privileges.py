"""Who may do what with each object, declared and compared like any other entity.

alembic-utils' ``PGGrantTable`` covers table grants by the migrating role only, and nothing
covers functions or schemas. :class:`Privileges` states the *complete* access of every role
other than the owner to one object; an object with no entry here keeps PostgreSQL's defaults.
Creating the entity revokes everything from PUBLIC and the API roles, then grants what is
declared, so it also undoes Supabase's default privileges (which grant ``anon`` and
``authenticated`` everything in ``public``). A grant made by hand shows up as drift.
"""

from collections.abc import Iterable, Mapping
from typing import Any, Literal, Self

from alembic_utils.replaceable_entity import ReplaceableEntity
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from activity_stats_schema import names
from activity_stats_schema.entities.object_state import ObjectState

Kind = Literal["TABLE", "FUNCTION", "SCHEMA"]
PUBLIC = "PUBLIC"
#: What ALL means on every supported major (PostgreSQL 17 adds MAINTAIN on tables).
ALL_PRIVILEGES: dict[str, set[str]] = {
    "TABLE": {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"},
    "SCHEMA": {"USAGE", "CREATE"},
}


def normalized(privilege: str) -> str:
    """``"update (b,a)"`` -> ``"UPDATE (a, b)"``: one spelling for declared and live grants."""
    keyword, _, columns = privilege.partition("(")
    if not columns:
        return keyword.strip().upper()
    names_ = sorted(c.strip() for c in columns.rstrip(") ").split(",") if c.strip())
    return f"{keyword.strip().upper()} ({', '.join(names_)})"


def privilege_sql(privilege: str) -> sql.Composable:
    keyword, _, columns = privilege.partition("(")
    if not columns:
        return sql.SQL(keyword.strip())
    return sql.SQL("{} ({})").format(
        sql.SQL(keyword.strip()),
        sql.SQL(", ").join(sql.Identifier(c.strip()) for c in columns.rstrip(") ").split(",")),
    )


class Privileges(ObjectState, ReplaceableEntity):
    """The privileges of all non-owner roles on one table, view, function or schema."""

    type_ = "privileges"

    def __init__(
        self,
        kind: Kind,
        schema: str,
        name: str,
        grants: Mapping[str, Iterable[str]] | None = None,
        arguments: str | None = None,
    ) -> None:
        self.kind: Kind = kind
        self.schema = schema
        self.name = name
        self.arguments = arguments
        self.grants: dict[str, tuple[str, ...]] = {
            role: tuple(sorted({normalized(p) for p in privs}))
            for role, privs in sorted((grants or {}).items())
            if privs
        }
        target = schema if kind == "SCHEMA" else f"{schema}.{name}"
        if kind == "FUNCTION":
            target += f"({arguments or ''})"
        self.signature = f"{kind} {target}"
        self.definition = (
            "; ".join(f"{role}: {', '.join(privs)}" for role, privs in self.grants.items())
            or "no grants"
        )

    # Declaring -------------------------------------------------------------------------------

    @classmethod
    def on_table(cls, schema: str, name: str, **grants: Iterable[str]) -> Self:
        return cls("TABLE", schema, name, grants)

    @classmethod
    def on_function(cls, schema: str, name: str, arguments: str, **grants: Iterable[str]) -> Self:
        """``arguments`` as PostgreSQL lists the argument types (``oidvectortypes``)."""
        return cls("FUNCTION", schema, name, grants, arguments=arguments)

    @classmethod
    def on_schema(cls, schema: str, **grants: Iterable[str]) -> Self:
        return cls("SCHEMA", schema, schema, grants)

    # SQL ---------------------------------------------------------------------------------------

    @property
    def target(self) -> sql.Composable:
        if self.kind == "SCHEMA":
            return sql.SQL("SCHEMA {}").format(sql.Identifier(self.schema))
        if self.kind == "FUNCTION":
            return sql.SQL("FUNCTION {}({})").format(
                sql.Identifier(self.schema, self.name),
                sql.SQL(self.arguments or ""),
            )
        return sql.SQL("TABLE {}").format(sql.Identifier(self.schema, self.name))

    def revoke_statement(self, also_from: Iterable[str] = ()) -> str:
        """Revoke everything from PUBLIC, the API roles and ``also_from``."""
        roles = sorted({*names.API_ROLES, *also_from} - {PUBLIC})
        grantees = [sql.SQL(PUBLIC), *(sql.Identifier(r) for r in roles)]
        return (
            sql.SQL("REVOKE ALL ON {} FROM {}")
            .format(self.target, sql.SQL(", ").join(grantees))
            .as_string(None)
        )

    def grant_statements(self) -> list[str]:
        return [
            sql.SQL("GRANT {privs} ON {target} TO {role}")
            .format(
                privs=sql.SQL(", ").join(privilege_sql(p) for p in self._portable(privs)),
                target=self.target,
                role=sql.SQL(PUBLIC) if role == PUBLIC else sql.Identifier(role),
            )
            .as_string(None)
            for role, privs in self.grants.items()
        ]

    def _portable(self, privileges: tuple[str, ...]) -> tuple[str, ...]:
        """Every privilege a table or schema has, as ALL: the list differs between majors
        (PostgreSQL 17 added MAINTAIN), so a revision generated on one must replay on another."""
        every = ALL_PRIVILEGES.get(self.kind)
        if every and every <= set(privileges):
            return ("ALL", *(p for p in privileges if p not in every and p != "MAINTAIN"))
        return privileges

    def statements(self, replacing: "Privileges | None" = None) -> list[str]:
        """Bring the object's privileges to exactly this entity's, from any prior state."""
        also = replacing.grants.keys() if replacing is not None else ()
        return [self.revoke_statement(also), *self.grant_statements()]

    def existence_check(self) -> sql.Composable:
        """SQL that is true when the object exists."""
        if self.kind == "SCHEMA":
            return sql.SQL("pg_catalog.to_regnamespace({}) IS NOT NULL").format(
                sql.Literal(sql.Identifier(self.schema).as_string(None))
            )
        if self.kind == "FUNCTION":
            return sql.SQL("pg_catalog.to_regprocedure({}) IS NOT NULL").format(
                sql.Literal(self.target.as_string(None).removeprefix("FUNCTION "))
            )
        return sql.SQL("pg_catalog.to_regclass({}) IS NOT NULL").format(
            sql.Literal(sql.Identifier(self.schema, self.name).as_string(None))
        )

    def guarded_statement(self, replacing: "Privileges | None" = None) -> str:
        """:meth:`statements` run only if the object exists: a downgrade that runs again after
        the object is gone must not fail on it."""
        body = sql.SQL("\n").join(
            sql.SQL("        {};").format(sql.SQL(s)) for s in self.statements(replacing)
        )
        return (
            sql.SQL("DO $privileges$\nBEGIN\n    IF {} THEN\n{}\n    END IF;\nEND\n$privileges$")
            .format(self.existence_check(), body)
            .as_string(None)
        )

    def to_sql_statement_create(self) -> TextClause:
        return text(";\n".join(self.statements()))

    def to_sql_statement_drop(self, cascade: bool = False) -> TextClause:
        return text(self.revoke_statement())

    def to_sql_statement_create_or_replace(self) -> Any:
        for statement in self.statements(self._version_to_replace):
            yield text(statement)

    # Comparing ---------------------------------------------------------------------------------

    _version_to_replace: "Privileges | None" = None  # type: ignore[assignment]

    @classmethod
    def from_database(cls, sess: Session, schema: str = "%") -> list[Self]:  # type: ignore[override]
        rows = sess.execute(
            text(
                """
                WITH objects AS (
                    SELECT 'TABLE' AS kind, n.nspname AS schema, c.relname AS name,
                           NULL::text AS arguments, c.relowner AS owner,
                           coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner)) AS acl
                    FROM pg_catalog.pg_class AS c
                    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
                    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname LIKE :schema
                    UNION ALL
                    SELECT 'FUNCTION', n.nspname, p.proname,
                           pg_catalog.oidvectortypes(p.proargtypes), p.proowner,
                           coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))
                    FROM pg_catalog.pg_proc AS p
                    JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
                    WHERE p.prokind = 'f' AND n.nspname LIKE :schema
                      AND NOT EXISTS (
                          SELECT FROM pg_catalog.pg_depend AS d
                          WHERE d.classid = 'pg_catalog.pg_proc'::regclass
                            AND d.objid = p.oid AND d.deptype = 'e')
                    UNION ALL
                    SELECT 'SCHEMA', n.nspname, n.nspname, NULL, n.nspowner,
                           coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))
                    FROM pg_catalog.pg_namespace AS n
                    WHERE n.nspname LIKE :schema
                )
                SELECT o.kind, o.schema, o.name, o.arguments,
                       CASE WHEN a.grantee = 0 THEN 'PUBLIC'
                            ELSE pg_catalog.pg_get_userbyid(a.grantee) END,
                       a.privilege_type
                FROM objects AS o
                LEFT JOIN LATERAL pg_catalog.aclexplode(o.acl) AS a
                       ON a.grantee <> o.owner
                UNION ALL
                -- Column privileges, one "PRIVILEGE (col, ...)" per role and privilege
                SELECT 'TABLE', n.nspname, c.relname, NULL,
                       CASE WHEN x.grantee = 0 THEN 'PUBLIC'
                            ELSE pg_catalog.pg_get_userbyid(x.grantee) END,
                       x.privilege_type || ' ('
                           || pg_catalog.string_agg(a.attname, ', ' ORDER BY a.attname) || ')'
                FROM pg_catalog.pg_attribute AS a
                JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid
                JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
                CROSS JOIN LATERAL pg_catalog.aclexplode(a.attacl) AS x
                WHERE a.attacl IS NOT NULL AND NOT a.attisdropped AND a.attnum > 0
                  AND n.nspname LIKE :schema AND x.grantee <> c.relowner
                GROUP BY n.nspname, c.relname, x.grantee, x.privilege_type
                """
            ),
            {"schema": schema},
        ).all()
        grouped: dict[tuple[Kind, str, str, str | None], dict[str, set[str]]] = {}
        for kind, schema_name, name, arguments, role, privilege in rows:
            grants = grouped.setdefault((kind, schema_name, name, arguments), {})
            if role is not None:
                grants.setdefault(role, set()).add(privilege)
        return [
            cls(kind, schema_name, name, grants, arguments=arguments)
            for (kind, schema_name, name, arguments), grants in grouped.items()
        ]

    def to_variable_name(self) -> str:
        return f"privileges_{self.schema}_{self.name}".lower()

    def render_self_for_migration(self, omit_definition: bool = False) -> str:
        return (
            f"{self.to_variable_name()} = {self.__class__.__name__}("
            f"{self.kind!r}, {self.schema!r}, {self.name!r}, {self.grants!r}, "
            f"arguments={self.arguments!r})\n"
        )
