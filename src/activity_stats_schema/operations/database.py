"""Database URLs: one accepted form for every entry point (CLI, env.py, tests, demo)."""

import os

from sqlalchemy.engine import URL, make_url

#: Where the URL comes from when none is passed.
URL_ENVIRONMENT_VARIABLE = "DATABASE_URL"


def sqlalchemy_url(url: str | URL) -> URL:
    """The URL for SQLAlchemy with the psycopg 3 driver.

    ``postgres://`` and ``postgresql://`` (as Supabase and libpq print them) are accepted.
    """
    parsed = make_url(str(url).replace("postgres://", "postgresql://", 1))
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"not a PostgreSQL URL: {parsed.render_as_string(hide_password=True)}")
    return parsed.set(drivername="postgresql+psycopg")


def libpq_url(url: str | URL) -> str:
    """The same URL for psycopg / libpq (no SQLAlchemy driver suffix)."""
    return sqlalchemy_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def url_from_environment() -> str | None:
    return os.environ.get(URL_ENVIRONMENT_VARIABLE) or None
