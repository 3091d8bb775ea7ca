"""Catalog checks that fail the build when a future change forgets a security rule."""

from activity_stats_schema import names

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


def test_no_security_definer_function_in_public_is_executable_by_anon(db):
    with db.connect() as conn:
        rows = conn.execute(
            """
            SELECT p.oid::regprocedure::text FROM pg_proc p
            WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace
              AND has_function_privilege(%s, p.oid, 'EXECUTE')
            """,
            [names.ANON_ROLE],
        ).fetchall()
    assert rows == []


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


def test_nothing_in_the_private_schema_is_reachable_but_the_scope_helpers(db):
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
        names.COORDINATED_CHAPTERS_FUNCTION,
        names.OWN_PEER_MENTORS_FUNCTION,
        names.CALLER_SEES_ALL_FUNCTION,
    }
    assert {(f"{names.PRIVATE_SCHEMA}.{h}()", names.AUTHENTICATED_ROLE) for h in helpers} == set(
        rows
    )
