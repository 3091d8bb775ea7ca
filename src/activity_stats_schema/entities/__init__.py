"""Entity kinds alembic-utils lacks, reusable by any schema: a materialized view with its indexes,
the complete privileges of an object, row-level security switched on."""

from activity_stats_schema.entities.materialized_view import MaterializedView
from activity_stats_schema.entities.privileges import Privileges
from activity_stats_schema.entities.row_level_security import RowLevelSecurity

__all__ = ["MaterializedView", "Privileges", "RowLevelSecurity"]
