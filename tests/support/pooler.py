"""A transaction-mode pooler in front of a test database: Debian's PgBouncer with
``pool_mode = transaction``, which does to a session's LISTEN what a Supabase project's pooler on
port 6543 does (the server connection goes back to the pool after each statement, and a
notification that reaches it there is dropped).

PgBouncer refuses to run as root: as root it runs as the embedded server's unprivileged user.
It is stopped, and its folder removed, when the block ends.

Idle server connections are reused in turn (``server_round_robin``), not most recent first: once
two are open, consecutive transactions of one client land on different server connections, as
they do on a busy pooler. What one transaction leaves on its server connection (a LISTEN, a
prepared statement) is then missing from the next one's.
"""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from activity_stats_schema.testing.embedded import free_port, unprivileged_user
from tests.support.processes import listening, wait_ready

#: Where Debian's package puts it (not on a non-root PATH).
DEBIAN_PGBOUNCER = "/usr/sbin/pgbouncer"


def pgbouncer() -> str | None:
    """The PgBouncer program, if installed (``nox -s test`` installs it when root)."""
    found = shutil.which("pgbouncer")
    if found:
        return found
    return DEBIAN_PGBOUNCER if os.access(DEBIAN_PGBOUNCER, os.X_OK) else None


def _quoted(value: str) -> str:
    """A value in PgBouncer's auth file: in double quotes, a double quote doubled."""
    return '"' + value.replace('"', '""') + '"'


@contextmanager
def transaction_pooler(url: str, timeout: float = 30) -> Iterator[str]:
    """Start PgBouncer in transaction mode in front of ``url``'s server; yield the URL through
    it (same database, user and password)."""
    program = pgbouncer()
    if program is None:
        raise RuntimeError("PgBouncer is not installed: apt-get install pgbouncer")
    target = make_url(url)
    port = free_port()
    user = unprivileged_user()
    folder = Path(tempfile.mkdtemp(prefix="activity-stats-pooler-"))
    try:
        (folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={target.host or '127.0.0.1'} port={target.port or 5432}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {folder / 'users.txt'}\n"
            "pool_mode = transaction\n"
            "default_pool_size = 2\n"
            "server_round_robin = 1\n"
            f"logfile = {folder / 'pgbouncer.log'}\n"
        )
        # With auth_type = trust the client gives no password; the file's is the server's.
        (folder / "users.txt").write_text(
            f"{_quoted(target.username or '')} {_quoted(target.password or '')}\n"
        )
        if user is not None:
            for path in (folder, *folder.iterdir()):
                os.chown(path, user.pw_uid, user.pw_gid)
        process = subprocess.Popen(
            [program, str(folder / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
        )
        try:
            wait_ready(process, lambda: listening(port), folder / "pgbouncer.log", timeout)
            yield target.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        finally:
            process.terminate()
            process.wait(timeout=30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
