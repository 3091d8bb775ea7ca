"""Emulation of what Supabase provides, for servers that are not Supabase.

The migrations assume Supabase's roles and ``auth.uid()``; here they are created in the test
bootstrap (never in the migrations). ``as_api_user`` acts as PostgREST does per request.
"""

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

EMULATION_SQL = Path(__file__).resolve().parent.parent / "sql" / "supabase_emulation.sql"


def bootstrap(conn: psycopg.Connection) -> None:
    """Create Supabase's roles, ``auth`` schema and default privileges in this database."""
    conn.execute(EMULATION_SQL.read_text())  # type: ignore[arg-type]


@contextmanager
def as_api_user(
    conn: psycopg.Connection, role: str, user_id: uuid.UUID | None = None
) -> Iterator[psycopg.Connection]:
    """One PostgREST request: a transaction with ``SET LOCAL ROLE`` and the JWT claims set.

    The transaction commits when the block ends without error (deferred triggers fire then).
    """
    claims = {"role": role}
    if user_id is not None:
        claims["sub"] = str(user_id)
    with conn.transaction():
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        conn.execute("SELECT set_config('request.jwt.claims', %s, true)", [json.dumps(claims)])
        yield conn
