"""SQL bodies live in ``sql/*.sql`` beside this module, so they read and diff as SQL.

Placeholders (``{private}``, ``{activities}``, ``{reporting_time_zone}`` …) are filled from
:mod:`activity_stats_schema.names` through :mod:`psycopg.sql`: names become quoted identifiers,
values become quoted literals, lists ``ARRAY[…]`` of literals. Nothing is spliced into SQL with
string formatting.
"""

from functools import cache
from importlib.resources import files

from psycopg import sql
from sqlalchemy import TextClause
from sqlalchemy import text as sa_text

from activity_stats_schema import names


@cache
def load(filename: str, package: str = "activity_stats_schema") -> str:
    """The raw text of a SQL file in ``package``'s ``sql`` folder."""
    return files(package).joinpath("sql", filename).read_text(encoding="utf-8")


def render_template(template: str, **values: sql.Composable) -> str:
    """Fill a template's placeholders with the schema's names and literals, plus ``values``."""
    params: dict[str, sql.Composable] = {
        key: sql.Identifier(value) for key, value in names.sql_names().items()
    }
    params.update({key: sql.Literal(value) for key, value in names.sql_literals().items()})
    params.update({key: sql.Literal(value) for key, value in names.sql_numbers().items()})
    params.update(
        {
            key: sql.SQL("ARRAY[{}]").format(sql.SQL(", ").join(map(sql.Literal, value)))
            for key, value in names.sql_text_arrays().items()
        }
    )
    params.update(values)
    return sql.SQL(template).format(**params).as_string(None).strip()


def render(filename: str, package: str = "activity_stats_schema", **values: sql.Composable) -> str:
    """A packaged SQL file with its placeholders filled."""
    return render_template(load(filename, package), **values)


def typed_literal(value: str, type_name: str) -> TextClause:
    """A server default such as ``'10 seconds'::interval``, quoted by psycopg."""

    rendered = sql.SQL("{}::{}").format(sql.Literal(value), sql.SQL(type_name)).as_string(None)
    return sa_text(rendered)


def statements(filename: str) -> list[str]:
    """The statements of a packaged file that holds several, each without leading comments.

    Statements end with a semicolon at the end of a line (no function bodies in such files).
    """
    result = []
    for chunk in render(filename).split(";\n"):
        lines = [line for line in chunk.strip().splitlines() if not line.startswith("--")]
        if lines:
            result.append("\n".join(lines).rstrip(";"))
    return result
