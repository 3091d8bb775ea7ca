"""The Supabase emulation the tests use (it lives in the package: the demo uses it too)."""

from activity_stats_schema.testing.emulation import as_api_user, bootstrap, create_migrating_role

__all__ = ["as_api_user", "bootstrap", "create_migrating_role"]
