"""Running this library's own migrations from Python (tests, demo, CLI).

The Alembic scripts live in the top-level ``migrations/`` folder, so they read as a normal
Alembic project; the package ships the same folder as ``activity_stats_schema._migrations``,
which is how ``MIGRATIONS_DIR`` finds it, installed or in a checkout.
"""

import io
from contextlib import redirect_stdout
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from activity_stats_schema.database import sqlalchemy_url


def _migrations_dir() -> Path:
    checkout = Path(__file__).resolve().parents[2] / "migrations"
    if checkout.is_dir():  # a checkout, or an editable install of one
        return checkout
    return Path(__file__).resolve().parent / "_migrations"  # installed from a wheel


MIGRATIONS_DIR = _migrations_dir()


def alembic_config(url: str, script_location: Path = MIGRATIONS_DIR) -> Config:
    """An Alembic config for ``url`` (any PostgreSQL URL form)."""
    if not script_location.is_dir():
        raise FileNotFoundError(f"migrations not found at {script_location}")
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("path_separator", "os")
    rendered = sqlalchemy_url(url).render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def offline_sql(url: str, revision_range: str, *, downgrade: bool = False) -> str:
    """The SQL Alembic would run for ``revision_range`` (``from:to``), without a database."""
    config = alembic_config(url)
    buffer = io.StringIO()
    config.output_buffer = buffer
    with redirect_stdout(io.StringIO()):
        if downgrade:
            command.downgrade(config, revision_range, sql=True)
        else:
            command.upgrade(config, revision_range, sql=True)
    return buffer.getvalue()


def revisions(url: str = "postgresql://localhost/unused") -> list[str]:
    """Revision ids from base to head."""
    script = ScriptDirectory.from_config(alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def head(url: str = "postgresql://localhost/unused") -> str:
    script = ScriptDirectory.from_config(alembic_config(url))
    current = script.get_current_head()
    assert current is not None
    return current
