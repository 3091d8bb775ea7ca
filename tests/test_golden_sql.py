"""The golden SQL committed beside the migrations is current, and applies with psql as it is,
each file in its own transaction, to the same catalog as the online migrations."""

import pytest

from activity_stats_schema.operations.migrate import revisions
from activity_stats_schema.testing.golden import (
    GOLDEN_DIR,
    SUPABASE_MIGRATIONS,
    golden_files,
    supabase_migration_files,
)
from tests.support.catalog import psql_apply, schema_dump


@pytest.mark.parametrize(
    ("folder", "generate"),
    [(GOLDEN_DIR, golden_files), (SUPABASE_MIGRATIONS, supabase_migration_files)],
    ids=["golden_sql", "supabase_migrations"],
)
def test_generated_sql_is_up_to_date(folder, generate):
    wanted = generate()
    assert set(folder.glob("*.sql")) == set(wanted), "run: nox -s golden"
    stale = sorted(p.name for p, text in wanted.items() if p.read_text() != text)
    assert stale == [], f"out of date: {stale}; run: nox -s golden"


@pytest.fixture
def golden():
    return {path.name: path.read_text() for path in GOLDEN_DIR.glob("*.sql")}


def apply(url, script, tmp_path):
    result = psql_apply(url, script, tmp_path, single_transaction=True)
    assert result.returncode == 0, result.stderr


def test_golden_files_apply_in_order_to_the_online_catalog(
    cluster, owned_templates, empty_db, golden, tmp_path
):
    before = schema_dump(empty_db.url)
    for revision in revisions():
        apply(empty_db.url, golden[f"{revision}.upgrade.sql"], tmp_path)
    online = cluster.create_database(template=owned_templates.head)
    try:
        assert schema_dump(empty_db.url) == schema_dump(cluster.url(online))
    finally:
        cluster.drop_database(online)
    for revision in reversed(revisions()):
        apply(empty_db.url, golden[f"{revision}.downgrade.sql"], tmp_path)
    assert schema_dump(empty_db.url) == before
