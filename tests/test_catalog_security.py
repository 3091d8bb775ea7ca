"""Catalog checks that fail the build when a future change forgets a security rule."""

import pytest

from activity_stats_schema import names

#: Run as the server's superuser and again as a role shaped like Supabase's postgres.
pytestmark = pytest.mark.both_owners

API = [names.ANON_ROLE, names.AUTHENTICATED_ROLE]


def test_every_table_in_public_has_row_level_security(db):
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"
            " AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity"
        ).fetchall()
    assert rows == []


def test_every_security_definer_function_pins_search_path(db):
    with db.connect() as conn:
        rows = conn.execute(
            """
            SELECT p.oid::regprocedure::text FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE p.prosecdef AND n.nspname IN (%s, %s)
              AND NOT EXISTS (SELECT FROM unnest(p.proconfig) AS c WHERE c LIKE 'search_path=%%')
            """,
            [names.PUBLIC_SCHEMA, names.PRIVATE_SCHEMA],
        ).fetchall()
        definers = conn.execute(
            "SELECT count(*) FROM pg_proc WHERE prosecdef AND pronamespace IN"
            " (%s::regnamespace, %s::regnamespace)",
            [names.PUBLIC_SCHEMA, names.PRIVATE_SCHEMA],
        ).fetchone()
    assert rows == []
    assert definers[0] >= 2  # the check looked at something


def test_no_materialized_view_is_readable_by_api_roles(db):
    with db.connect() as conn:
        rows = conn.execute(
            """
            SELECT c.oid::regclass::text, r FROM pg_class c, unnest(%s::text[]) AS r
            WHERE c.relkind = 'm' AND has_table_privilege(r, c.oid, 'SELECT')
            """,
            [API],
        ).fetchall()
        views = conn.execute("SELECT count(*) FROM pg_matviews").fetchone()
    assert rows == []
    assert views[0] == len(names.MATERIALIZED_VIEWS)


def test_no_security_definer_function_in_the_api_schema_is_executable_by_an_api_role(db):
    """Supabase's advisor (lints 0028 and 0029): a SECURITY DEFINER function in an exposed
    schema is an RPC endpoint that runs with its owner's rights. None may be callable."""
    with db.connect() as conn:
        rows = conn.execute(
            """
            SELECT p.oid::regprocedure::text, r FROM pg_proc p, unnest(%s::text[]) AS r
            WHERE p.prosecdef AND p.pronamespace = %s::regnamespace
              AND has_function_privilege(r, p.oid, 'EXECUTE')
            """,
            [API, names.PUBLIC_SCHEMA],
        ).fetchall()
        definers = conn.execute(
            "SELECT count(*) FROM pg_proc WHERE prosecdef AND pronamespace = %s::regnamespace",
            [names.PUBLIC_SCHEMA],
        ).fetchone()
        api_functions = conn.execute(
            "SELECT count(*) FROM pg_proc WHERE pronamespace = %s::regnamespace"
            " AND has_function_privilege(%s, oid, 'EXECUTE')",
            [names.PUBLIC_SCHEMA, names.AUTHENTICATED_ROLE],
        ).fetchone()
    assert rows == []
    assert definers == (0,)
    assert api_functions == (4,)  # the check looked at the dashboard's API and the notice


def test_every_foreign_key_has_an_index_whose_leading_columns_cover_it(db):
    """Supabase's advisor (lint 0001, unindexed_foreign_keys)."""
    with db.connect() as conn:
        uncovered = conn.execute(
            """
            SELECT k.conrelid::regclass::text, k.conname FROM pg_constraint k
            WHERE k.contype = 'f'
              AND k.connamespace IN (%s::regnamespace, %s::regnamespace)
              AND NOT EXISTS (
                  SELECT FROM pg_index i
                  WHERE i.indrelid = k.conrelid AND i.indisvalid
                    AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1]::int2[] @> k.conkey
                    AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1]::int2[] <@ k.conkey)
            """,
            [names.PUBLIC_SCHEMA, names.PRIVATE_SCHEMA],
        ).fetchall()
        checked = conn.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
            " AND connamespace = %s::regnamespace",
            [names.PUBLIC_SCHEMA],
        ).fetchone()
    assert uncovered == []
    assert checked is not None and checked[0] >= 6


def test_one_permissive_policy_per_table_role_and_action(db):
    with db.connect() as conn:
        rows = conn.execute(
            """
            SELECT tablename, r, cmd, count(*) FROM pg_policies, unnest(roles) AS r
            WHERE schemaname = 'public' AND permissive = 'PERMISSIVE'
            GROUP BY 1, 2, 3 HAVING count(*) > 1
            """
        ).fetchall()
        per_role = conn.execute(
            "SELECT DISTINCT unnest(roles) FROM pg_policies WHERE schemaname = 'public'"
        ).fetchall()
    assert rows == []
    assert per_role == [(names.AUTHENTICATED_ROLE,)]  # anon gets no policy at all


def test_nothing_in_the_private_schema_is_reachable_but_the_scope_helpers_and_readers(db):
    """The API roles reach the private schema only through the scope helpers that policies call
    and the dashboard's readers (which return only the caller's rows); anon through neither."""
    with db.connect() as conn:
        rows = conn.execute(
            """
            SELECT p.oid::regprocedure::text, r FROM pg_proc p, unnest(%s::text[]) AS r
            WHERE p.pronamespace = %s::regnamespace AND has_function_privilege(r, p.oid, 'EXECUTE')
            ORDER BY 1, 2
            """,
            [API, names.PRIVATE_SCHEMA],
        ).fetchall()
    helpers = {
        f"{names.COORDINATED_CHAPTERS_FUNCTION}()",
        f"{names.OWN_PEER_MENTORS_FUNCTION}()",
        f"{names.CALLER_SEES_ALL_FUNCTION}()",
        f"{names.DASHBOARD_PEER_MENTOR_STATS}()",
        f"{names.DASHBOARD_ACTIVITY_TIME_SERIES}(date,date)",
        f"{names.BUFDIR_EXPORT}(date,date)",
    }
    assert {(f"{names.PRIVATE_SCHEMA}.{h}", names.AUTHENTICATED_ROLE) for h in helpers} == set(rows)
