"""The refresher as a process of its own, as it is deployed."""

import signal
import subprocess
import sys
from collections.abc import Iterator
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
