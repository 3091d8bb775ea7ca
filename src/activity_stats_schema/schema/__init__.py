"""This schema's declarations: tables, counting rules and views, functions, triggers, access.

:data:`ENTITIES` lists every alembic-utils entity in the order a database needs them (a view
after the tables it reads, a function after the views it reads, a trigger after its function,
policies after the helpers they call); :data:`metadata` holds the tables.
"""

from alembic_utils.replaceable_entity import ReplaceableEntity

from activity_stats_schema.schema.access import PRIVILEGES, ROW_LEVEL_SECURITY, declared_for
from activity_stats_schema.schema.functions import (
    DASHBOARD_FUNCTIONS,
    FUNCTIONS,
    RECENT_TIER_START,
)
from activity_stats_schema.schema.policies import POLICIES
from activity_stats_schema.schema.tables import SEED_ROWS, metadata
from activity_stats_schema.schema.triggers import TRIGGERS
from activity_stats_schema.schema.views import MATERIALIZED_VIEWS, VIEWS

ENTITIES: tuple[ReplaceableEntity, ...] = (
    *VIEWS,
    RECENT_TIER_START,
    *MATERIALIZED_VIEWS,
    *FUNCTIONS,
    *DASHBOARD_FUNCTIONS,
    *TRIGGERS,
    *ROW_LEVEL_SECURITY,
    *POLICIES,
    *PRIVILEGES,
)

__all__ = ["ENTITIES", "PRIVILEGES", "ROW_LEVEL_SECURITY", "SEED_ROWS", "declared_for", "metadata"]
