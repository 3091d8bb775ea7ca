"""Who can do what, through the real API: PostgREST 12 as Supabase runs it, HS256 tokens as
Supabase Auth issues them. Each caller (anon, a peer mentor, a coordinator of 2 chapters and one
of 5, service_role) against each table and RPC, reads and writes: the rows it gets, or the HTTP
status and SQLSTATE it is refused with. The SQL-level access tests model this path with
``as_api_user``; these prove the model against the real thing.
"""

import uuid
from collections.abc import Iterator

import pytest

from activity_stats_schema import names
from tests.pg_plugin import Cluster, Database, Templates
from tests.support.access import Org, build, chapter_names
from tests.support.api import Api, postgrest, postgrest_installed

pytestmark = pytest.mark.skipif(
    not postgrest_installed(), reason="PostgREST is not installed (nox -s test installs tests/js)"
)

CALLERS = ("anon", "peer_mentor_c", "coordinator_ab", "coordinator_abcde", "service_role")
SIX = frozenset("ABCDEF")
YEAR = {"period_start": "2026-01-01", "period_end": "2026-12-31"}
#: PostgREST answers a refused privilege with 401 to anon (no token), 403 to a signed-in role.
ANON_REFUSED = (401, "42501")


@pytest.fixture(scope="module")
def database(cluster: Cluster, templates: Templates) -> Iterator[Database]:
    name = cluster.create_database(template=templates.head)
    yield Database(cluster, name)
    cluster.drop_database(name)


@pytest.fixture(scope="module")
def org(database: Database) -> Org:
    with database.connect() as conn:
        return build(conn)


@pytest.fixture(scope="module")
def api(database: Database, org: Org, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with postgrest(database.url, tmp_path_factory.mktemp("postgrest")) as running:
        yield running


def token(api: Api, org: Org, caller: str) -> str | None:
    users = {
        "peer_mentor_c": org.mentor_user["C"],
        "coordinator_ab": org.coordinator_ab,
        "coordinator_abcde": org.coordinator_five,
    }
    if caller == "anon":
        return None
    if caller == names.SERVICE_ROLE:
        return api.token(names.SERVICE_ROLE)
    return api.token(names.AUTHENTICATED_ROLE, users[caller])


def chapters(org: Org, rows: list[dict], key: str = "chapter_id") -> set[str]:
    return chapter_names(org, [row[key] for row in rows])


#: What each caller reads through each path, as the set of chapters in the rows.
READS = {
    "/activities?select=chapter_id": ("chapter_id", {}),
    "/chapters?select=id": ("id", {}),
    "/peer_mentors?select=chapter_id": ("chapter_id", {}),
    "/rpc/dashboard_peer_mentor_stats": ("chapter_id", {}),
    "/rpc/dashboard_activity_time_series": ("chapter_id", {}),
    "/rpc/bufdir_export": ("chapter_id", YEAR),
}
EXPECTED_CHAPTERS = {
    "peer_mentor_c": {
        "/activities?select=chapter_id": {"C"},
        "/chapters?select=id": {"C"},
        "/peer_mentors?select=chapter_id": {"C"},
        "/rpc/dashboard_peer_mentor_stats": {"C"},
        "/rpc/dashboard_activity_time_series": set(),  # the chapter series is coordinators'
        "/rpc/bufdir_export": set(),
    },
    "coordinator_ab": dict.fromkeys(READS, frozenset("AB")),
    "coordinator_abcde": dict.fromkeys(READS, frozenset("ABCDE")),
    "service_role": dict.fromkeys(READS, SIX),
}


@pytest.mark.parametrize("path", list(READS))
@pytest.mark.parametrize("caller", CALLERS)
def test_each_caller_reads_exactly_its_chapters_through_each_path(api, org, caller, path):
    key, body = READS[path]
    method = "POST" if path.startswith("/rpc/") else "GET"
    response = api.request(
        method, path, token(api, org, caller), body or ({} if method == "POST" else None)
    )
    if caller == "anon":
        assert (response.status, response.code) == ANON_REFUSED
        return
    assert response.status == 200, response.body
    assert chapters(org, response.body, key) == EXPECTED_CHAPTERS[caller][path]


@pytest.mark.parametrize(
    ("caller", "expected"),
    [
        ("peer_mentor_c", 0),
        ("coordinator_ab", 1),
        ("coordinator_abcde", 1),
        ("service_role", 2),
    ],
)
def test_coordinators_read_their_own_record_only(api, org, caller, expected):
    response = api.request("GET", "/coordinators?select=user_id", token(api, org, caller))
    assert response.status == 200
    assert len(response.body) == expected


@pytest.mark.parametrize("caller", CALLERS)
def test_the_notice_is_for_signed_in_callers(api, org, caller):
    response = api.request("POST", "/rpc/dashboard_notice", token(api, org, caller), {})
    if caller == "anon":
        assert (response.status, response.code) == ANON_REFUSED
    else:
        assert (response.status, response.body) == (
            200,
            [{"active": False, "message": None, "since": None}],
        )


@pytest.mark.parametrize(
    "path",
    [
        f"/{names.REFRESH_LOG}",
        f"/{names.MV_PEER_MENTOR_STATS_RECENT}",
        f"/{names.COUNTABLE_ACTIVITIES}",
    ],
)
def test_the_private_schema_is_not_served(api, org, path):
    response = api.request("GET", path, api.token(names.SERVICE_ROLE))
    assert response.status == 404


@pytest.mark.parametrize(
    "function", [names.REFRESH_FUNCTION, names.REFRESH_PENDING_FUNCTION, "coordinated_chapter_ids"]
)
def test_no_private_function_is_an_rpc(api, org, function):
    response = api.request("POST", f"/rpc/{function}", api.token(names.SERVICE_ROLE), {})
    assert (response.status, response.code) == (404, "PGRST202")


def test_the_openapi_root_lists_nothing_of_the_private_schema(api, org):
    response = api.request("GET", "/", api.token(names.SERVICE_ROLE))
    assert response.status == 200
    paths = set(response.body["paths"])
    assert "/rpc/dashboard_peer_mentor_stats" in paths and "/activities" in paths
    private = {
        names.REFRESH_LOG,
        names.PENDING_CHANGES,
        names.CONTINGENCY,
        *names.MATERIALIZED_VIEWS,
        *names.LIVE_VIEWS,
        names.COUNTABLE_ACTIVITIES,
        names.REFRESH_FUNCTION,
        names.REFRESH_PENDING_FUNCTION,
        names.COORDINATED_CHAPTERS_FUNCTION,
    }
    assert {p for p in paths if p.strip("/").removeprefix("rpc/") in private} == set()
    assert names.PRIVATE_SCHEMA not in str(response.body)


def activity(org: Org, chapter: str, registered_by: uuid.UUID) -> dict:
    return {
        "peer_mentor_id": org.mentor[chapter],
        "chapter_id": org.chapter[chapter],
        "activity_type_id": org.activity_type,
        "occurred_at": "2026-06-01T10:00:00+02:00",
        "duration_minutes": 30,
        "registered_by": str(registered_by),
    }


#: Inserts: (caller, chapter, registered_by as which user) -> (status, SQLSTATE or None).
INSERTS = [
    ("anon", "A", "coordinator_ab", ANON_REFUSED),
    ("peer_mentor_c", "C", "peer_mentor_c", (201, None)),
    ("peer_mentor_c", "D", "peer_mentor_c", (403, "42501")),
    ("coordinator_ab", "B", "coordinator_ab", (201, None)),
    ("coordinator_ab", "C", "coordinator_ab", (403, "42501")),
    ("coordinator_ab", "A", "peer_mentor_c", (403, "42501")),  # registered_by is the caller
    ("coordinator_abcde", "E", "coordinator_abcde", (201, None)),
    ("coordinator_abcde", "F", "coordinator_abcde", (403, "42501")),
    ("service_role", "F", "coordinator_ab", (201, None)),
]


@pytest.mark.parametrize(("caller", "chapter", "as_user", "expected"), INSERTS)
def test_inserts_land_only_in_the_callers_chapters(api, org, caller, chapter, as_user, expected):
    users = {
        "peer_mentor_c": org.mentor_user["C"],
        "coordinator_ab": org.coordinator_ab,
        "coordinator_abcde": org.coordinator_five,
    }
    response = api.request(
        "POST", "/activities", token(api, org, caller), activity(org, chapter, users[as_user])
    )
    assert (response.status, response.code) == expected, response.body


SCOPED_WRITES = [
    ("peer_mentor_c", "D", 0),
    ("coordinator_ab", "C", 0),
    ("coordinator_abcde", "F", 0),
    ("peer_mentor_c", "C", 1),
    ("coordinator_ab", "A", 1),
]


@pytest.mark.parametrize(("caller", "chapter", "expected"), SCOPED_WRITES)
def test_updates_reach_only_the_callers_rows(api, org, caller, chapter, expected):
    where = f"/activities?chapter_id=eq.{org.chapter[chapter]}&duration_minutes=eq.60"
    updated = api.request(
        "PATCH",
        where,
        token(api, org, caller),
        {"duration_minutes": 60},
        Prefer="return=representation",
    )
    assert (updated.status, len(updated.body)) == (200, expected)


@pytest.mark.parametrize(("caller", "chapter", "expected"), SCOPED_WRITES)
def test_deletes_reach_only_the_callers_rows(api, org, caller, chapter, expected):
    service = api.token(names.SERVICE_ROLE)
    row = activity(org, chapter, org.coordinator_ab) | {"duration_minutes": 7}
    added = api.request("POST", "/activities", service, row, Prefer="return=representation")
    assert added.status == 201
    where = f"/activities?id=eq.{added.body[0]['id']}"
    deleted = api.request("DELETE", where, token(api, org, caller), Prefer="return=representation")
    assert (deleted.status, len(deleted.body)) == (200, expected)
    left = api.request("GET", where, service)
    assert len(left.body) == 1 - expected


def test_anon_can_neither_update_nor_delete(api, org):
    for method in ("PATCH", "DELETE"):
        response = api.request(
            method,
            "/activities?id=gt.0",
            None,
            {"duration_minutes": 1} if method == "PATCH" else None,
        )
        assert (response.status, response.code) == ANON_REFUSED


def test_registered_by_cannot_be_rewritten(api, org):
    response = api.request(
        "PATCH",
        f"/activities?chapter_id=eq.{org.chapter['A']}",
        token(api, org, "coordinator_ab"),
        {"registered_by": str(org.coordinator_ab)},
    )
    assert (response.status, response.code) == (403, "42501")
