"""Row-level security policies, one permissive policy per table, role and action.

Each table's policies are in ``sql/policies/<table>.sql``. Every policy is ``TO authenticated``:
``anon`` has no policy, so it sees and writes nothing even where a grant would let it try.
"""

from alembic_utils.pg_policy import PGPolicy

from activity_stats_schema import names
from activity_stats_schema.sqlfiles import statements


def declare(table: str) -> list[PGPolicy]:
    return [PGPolicy.from_sql(s) for s in statements(f"policies/{table}.sql")]


POLICIES = [policy for table in names.PUBLIC_TABLES for policy in declare(table)]
