"""Schema dumps and psql, from the same binaries as the server (pg-schema-diff style checks)."""

import re
import shutil
import subprocess
from pathlib import Path

from activity_stats_schema import names
from activity_stats_schema.testing import embedded

VERSION_TABLE = f"{names.VERSION_TABLE_SCHEMA}.{names.VERSION_TABLE}"
# pg_dump >= 17.6 brackets its output with \restrict/\unrestrict and a random key.
_VOLATILE = re.compile(r"^(\\restrict|\\unrestrict|-- Dumped (from|by)) .*$\n?", re.M)
_VERSION_STATEMENTS = re.compile(
    rf"^(CREATE TABLE {re.escape(VERSION_TABLE)} \(.*?\);"
    rf"|(INSERT INTO|UPDATE|DELETE FROM) {re.escape(VERSION_TABLE)}\b.*?;)\n",
    re.S | re.M,
)


def client(program: str) -> str:
    try:
        candidate = embedded.binaries() / program
        if candidate.exists():
            return str(candidate)
    except embedded.EmbeddedServerError:
        pass
    found = shutil.which(program)
    assert found, f"{program} not found"
    return found


def schema_dump(url: str, *, without_version_table: bool = False) -> str:
    """``pg_dump --schema-only`` of the database, without lines that change run to run."""
    args = [client("pg_dump"), "--schema-only", "--dbname", url]
    if without_version_table:
        args += ["--exclude-table", VERSION_TABLE]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return _VOLATILE.sub("", out)


def without_version_bookkeeping(script: str) -> str:
    """Offline SQL minus Alembic's version-table statements."""
    return _VERSION_STATEMENTS.sub("", script)


def psql_apply(
    url: str, script: str, workdir: Path, *, single_transaction: bool = False
) -> subprocess.CompletedProcess[str]:
    """Apply a script as a user would: ``psql -v ON_ERROR_STOP=1 [--single-transaction] -f``."""
    path = workdir / "script.sql"
    path.write_text(script)
    once = ["--single-transaction"] if single_transaction else []
    return subprocess.run(
        [
            client("psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            *once,
            "--dbname",
            url,
            "-f",
            str(path),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
