"""Processes the tests start: the refresher as it is deployed, and the wait for a server
process (PostgREST, nginx, PgBouncer) to be ready."""

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def running_refresher(url: str, log_path: Path, *options: str) -> Iterator[subprocess.Popen[bytes]]:
    """``activity-stats-schema refresher [options]`` on ``url``, logging to ``log_path``; SIGTERM
    at the end if it still runs."""
    command = "-m", "activity_stats_schema", "--database-url", url, "refresher", *options
    with log_path.open("w+") as log:
        process = subprocess.Popen(
            [sys.executable, *command],
            stderr=log,
            stdout=log,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)


def listening(port: int) -> bool:
    """Something accepts connections on this loopback port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def wait_ready(
    process: subprocess.Popen[bytes], ready: Callable[[], bool], log: Path, timeout: float
) -> None:
    """Return once ``ready()``; fail with the log's tail if the process exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.05)  # start-up only: nothing to ask yet but the port
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    raise RuntimeError(f"{process.args[0]} did not start (exit {process.poll()}); {log}:\n{tail}")
