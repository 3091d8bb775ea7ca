"""What a Supabase project provides, for PostgreSQL servers that are not Supabase.

The migrations assume Supabase's roles (``anon``, ``authenticated``, ``service_role``) and
``auth.uid()``. The demo, the tests and the benchmark create them here with :func:`bootstrap`;
the migrations never do, so they run unchanged on a real Supabase project.
:func:`as_api_user` acts as PostgREST does for one request.
"""

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from activity_stats_schema.sqlfiles import load


def bootstrap(conn: psycopg.Connection) -> None:
    """Create Supabase's roles, ``auth`` schema and default privileges (idempotent)."""
    conn.execute(load("supabase_emulation.sql"))


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
