"""The design's client test, with Supabase's official JavaScript client (``tests/js/``, run by
node's test runner): a signed-in coordinator's inserts reach the dashboard, the first at its
COMMIT, the second (inside the debounce window) through the trailing edge; an insert into a
chapter the coordinator does not hold is refused; anon cannot call the dashboard functions.

The settings are those the README gives for the 2-second promise: a debounce interval of one
second and a trailing edge running (here the refresher process).
"""

import json
import os
import subprocess

import pytest

from activity_stats_schema import names
from tests.support.access import build
from tests.support.api import JS_DIR, gateway, nginx_installed, node, postgrest, postgrest_installed
from tests.support.data import make_due, set_log
from tests.support.processes import running_refresher

pytestmark = pytest.mark.skipif(
    not (postgrest_installed() and nginx_installed() and node()),
    reason="needs PostgREST, nginx and node (nox -s test installs them when root)",
)

#: The debounce interval the README recommends for the 2-second promise.
DEBOUNCE_SECONDS = 1


def test_supabase_js_inserts_reach_the_dashboard_and_refusals_hold(db, tmp_path):
    with db.connect() as conn:
        org = build(conn)
        set_log(conn, debounce_interval=f"{DEBOUNCE_SECONDS} seconds")
        make_due(conn)
    with (
        postgrest(db.url, tmp_path / "postgrest") as api,
        gateway(api.url, tmp_path / "gateway") as project_url,
        running_refresher(db.url, tmp_path / "refresher.log"),
    ):
        setup = {
            "url": project_url,
            "anonKey": api.token(names.ANON_ROLE),
            "coordinatorToken": api.token(names.AUTHENTICATED_ROLE, org.coordinator_ab),
            "coordinator": str(org.coordinator_ab),
            "mentor": org.mentor,
            "chapter": org.chapter,
            "activityType": org.activity_type,
            "debounceSeconds": DEBOUNCE_SECONDS,
            "giveUpMs": 30_000,
        }
        result = subprocess.run(
            [
                node() or "node",
                "--experimental-websocket",
                "--test",
                "--test-reporter=spec",
                str(JS_DIR / "dashboard.test.mjs"),
            ],
            cwd=JS_DIR,
            env={**os.environ, "ACTIVITY_STATS_CLIENT_TEST": json.dumps(setup)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pass 3" in result.stdout and "fail 0" in result.stdout
