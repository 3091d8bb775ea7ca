"""The harness stops the server it started even when the tests fail, and leaves no data behind.

Runs a failing test session in a subprocess, then checks from outside that its postmaster is
gone and its data folder removed.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.pg_plugin import EXISTING_SERVER_VARIABLE

PROJECT = Path(__file__).resolve().parent.parent

FAILING_TEST = textwrap.dedent(
    """
    def test_fails_after_recording_its_server(cluster, tmp_path_factory):
        root = cluster.server.root
        pid = (root / "data" / "postmaster.pid").read_text().split()[0]
        with open({report!r}, "w") as report:
            report.write(f"{{root}} {{pid}}")
        assert False, "this session must fail"
    """
)


@pytest.mark.skipif(
    bool(os.environ.get(EXISTING_SERVER_VARIABLE)), reason="the server is not the harness's"
)
def test_server_is_stopped_and_removed_when_tests_fail(tmp_path):
    report = tmp_path / "server.txt"
    (tmp_path / "test_inner.py").write_text(FAILING_TEST.format(report=str(report)))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.pg_plugin",
            "-p",
            "no:cacheprovider",
            str(tmp_path / "test_inner.py"),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    root, pid = report.read_text().split()
    assert not running(int(pid))
    assert not Path(root).exists()


def running(pid: int) -> bool:
    """Alive and not a zombie (an exited server not yet reaped by its adoptive parent)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
