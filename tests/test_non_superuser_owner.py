"""The schema as a Supabase project has it: migrated by, owned by and used as a role that is not
a superuser. (The modules marked ``both_owners`` run all their tests that way too.)"""

import pytest

from activity_stats_schema import names
from tests.pg_plugin import PROJECT_ROLE


@pytest.mark.parametrize("owner", [PROJECT_ROLE], indirect=True)
def test_the_migrating_role_is_not_a_superuser_and_owns_everything_the_schema_holds(db):
    with db.connect() as conn:
        role = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        foreign = conn.execute(
            """
            SELECT c.oid::regclass::text FROM pg_class c
            WHERE c.relnamespace IN (%(public)s::regnamespace, %(private)s::regnamespace)
              AND c.relowner <> current_user::regrole
            UNION ALL
            SELECT p.oid::regprocedure::text FROM pg_proc p
            WHERE p.pronamespace IN (%(public)s::regnamespace, %(private)s::regnamespace)
              AND p.proowner <> current_user::regrole
            """,
            {"public": names.PUBLIC_SCHEMA, "private": names.PRIVATE_SCHEMA},
        ).fetchall()
        owned = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole"
            " AND relnamespace IN (%s::regnamespace, %s::regnamespace)",
            [names.PUBLIC_SCHEMA, names.PRIVATE_SCHEMA],
        ).fetchone()
    assert role == (False, True)
    assert foreign == []
    assert owned is not None and owned[0] > 0
