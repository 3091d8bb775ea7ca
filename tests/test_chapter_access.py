"""Row-level security as a coordinator, a peer mentor, anon and service_role see it, through
every read path (tables and dashboard functions), acting as PostgREST does per request.

Every test runs in both coordinator scopes (the ``scope`` fixture): multi-chapter, and the
single-chapter contingency, where a coordinator reaches only their primary chapter (the first
of their chapters here: A) and everything else stays as it is."""

import datetime as dt
from dataclasses import dataclass

import psycopg
import pytest

from activity_stats_schema import names
from activity_stats_schema.operations.contingency import set_single_chapter_scope
from tests.support.access import Org, build, chapter_names
from tests.support.data import make_due
from tests.support.supabase import as_api_user

#: Run as the server's superuser and again as a role shaped like Supabase's postgres.
pytestmark = pytest.mark.both_owners

AUTHENTICATED, ANON, SERVICE = names.AUTHENTICATED_ROLE, names.ANON_ROLE, names.SERVICE_ROLE
WHEN = dt.datetime(2026, 5, 5, 9, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Scope:
    single: bool

    def visible(self, chapters: str) -> set[str]:
        """What a coordinator of ``chapters`` (primary first) reaches in this scope."""
        return set(chapters[:1] if self.single else chapters)


@pytest.fixture(params=[False, True], ids=["multi_chapter", "single_chapter"])
def scope(request) -> Scope:
    return Scope(single=request.param)


@pytest.fixture
def org(db, scope: Scope) -> Org:
    with db.connect() as conn:
        built = build(conn)
        set_single_chapter_scope(conn, scope.single)
        return built


@pytest.fixture
def conn(db):
    with db.connect() as connection:
        yield connection


def chapters_through_every_read_path(conn, org: Org) -> dict[str, set[str]]:
    q = {
        "activities": "SELECT chapter_id FROM activities",
        "chapters": "SELECT id FROM chapters",
        "peer_mentors": "SELECT chapter_id FROM peer_mentors",
        "dashboard_peer_mentor_stats": "SELECT chapter_id FROM dashboard_peer_mentor_stats()",
        "dashboard_activity_time_series": "SELECT chapter_id FROM dashboard_activity_time_series()",
    }
    return {path: chapter_names(org, [r[0] for r in conn.execute(sql)]) for path, sql in q.items()}


def insert_activity(conn, org: Org, chapter: str, registered_by) -> None:
    conn.execute(
        "INSERT INTO activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at,"
        " duration_minutes, registered_by) VALUES (%s, %s, %s, %s, 30, %s)",
        [org.mentor[chapter], org.chapter[chapter], org.activity_type, WHEN, registered_by],
    )


def test_coordinator_of_a_and_b_sees_a_and_b_through_every_read_path(conn, org, scope):
    with as_api_user(conn, AUTHENTICATED, org.coordinator_ab):
        seen = chapters_through_every_read_path(conn, org)
    assert seen == {path: scope.visible("AB") for path in seen}


def test_coordinator_of_five_chapters_sees_all_five(conn, org, scope):
    with as_api_user(conn, AUTHENTICATED, org.coordinator_five):
        seen = chapters_through_every_read_path(conn, org)
    assert seen == {path: scope.visible("ABCDE") for path in seen}


def test_the_export_is_scoped_like_the_dashboard(conn, org, scope):
    with as_api_user(conn, AUTHENTICATED, org.coordinator_five):
        rows = conn.execute(
            "SELECT chapter_id FROM bufdir_export('2026-01-01', '2026-12-31')"
        ).fetchall()
    assert chapter_names(org, [r[0] for r in rows]) == scope.visible("ABCDE")


def test_coordinator_registers_for_a_mentor_of_their_chapter(conn, org, scope):
    chapter = "B" if not scope.single else "A"
    with as_api_user(conn, AUTHENTICATED, org.coordinator_ab):
        insert_activity(conn, org, chapter, org.coordinator_ab)
    assert conn.execute(
        "SELECT count(*) FROM activities WHERE chapter_id = %s", [org.chapter[chapter]]
    ).fetchone() == (2,)


def test_a_non_primary_chapter_takes_writes_only_in_the_multi_chapter_scope(conn, org, scope):
    def write_to_b() -> int:
        with as_api_user(conn, AUTHENTICATED, org.coordinator_ab):
            insert_activity(conn, org, "B", org.coordinator_ab)
            return conn.execute(
                "UPDATE activities SET duration_minutes = 1 WHERE chapter_id = %s",
                [org.chapter["B"]],
            ).rowcount

    if scope.single:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            write_to_b()
    else:
        assert write_to_b() == 2


def test_coordinator_cannot_insert_into_another_chapter(conn, org):
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        with as_api_user(conn, AUTHENTICATED, org.coordinator_ab):
            insert_activity(conn, org, "C", org.coordinator_ab)


def test_proxy_registration_of_another_chapters_mentor_is_refused(conn, org):
    """Mentor of C written into chapter A: the (peer_mentor_id, chapter_id) reference refuses."""
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        with as_api_user(conn, AUTHENTICATED, org.coordinator_ab):
            conn.execute(
                "INSERT INTO activities (peer_mentor_id, chapter_id, activity_type_id,"
                " occurred_at, duration_minutes, registered_by) VALUES (%s, %s, %s, %s, 30, %s)",
                [org.mentor["C"], org.chapter["A"], org.activity_type, WHEN, org.coordinator_ab],
            )


def test_registered_by_must_be_the_caller(conn, org):
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        with as_api_user(conn, AUTHENTICATED, org.coordinator_ab):
            insert_activity(conn, org, "A", org.mentor_user["A"])


def test_coordinator_cannot_update_or_delete_in_another_chapter(conn, org):
    with as_api_user(conn, AUTHENTICATED, org.coordinator_ab):
        updated = conn.execute(
            "UPDATE activities SET duration_minutes = 1 WHERE chapter_id = %s", [org.chapter["C"]]
        ).rowcount
        deleted = conn.execute(
            "DELETE FROM activities WHERE chapter_id = %s", [org.chapter["C"]]
        ).rowcount
    assert (updated, deleted) == (0, 0)
    assert conn.execute(
        "SELECT duration_minutes FROM activities WHERE chapter_id = %s", [org.chapter["C"]]
    ).fetchone() == (60,)


def test_moving_an_activity_into_another_chapter_is_refused(conn, org):
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        with as_api_user(conn, AUTHENTICATED, org.coordinator_ab):
            conn.execute(
                "UPDATE activities SET chapter_id = %s, peer_mentor_id = %s WHERE chapter_id = %s",
                [org.chapter["C"], org.mentor["C"], org.chapter["A"]],
            )


def test_registered_by_and_created_at_cannot_be_rewritten(conn, org):
    for column, value in (("registered_by", org.coordinator_ab), ("created_at", WHEN)):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            with as_api_user(conn, AUTHENTICATED, org.coordinator_ab):
                conn.execute(f"UPDATE activities SET {column} = %s", [value])


def test_peer_mentor_sees_and_writes_only_their_own(conn, org):
    with as_api_user(conn, AUTHENTICATED, org.mentor_user["C"]):
        own = conn.execute("SELECT peer_mentor_id FROM activities").fetchall()
        stats = conn.execute("SELECT peer_mentor_id FROM dashboard_peer_mentor_stats()").fetchall()
        series = conn.execute("SELECT * FROM dashboard_activity_time_series()").fetchall()
        insert_activity(conn, org, "C", org.mentor_user["C"])
        others = conn.execute(
            "UPDATE activities SET duration_minutes = 1 WHERE peer_mentor_id <> %s",
            [org.mentor["C"]],
        ).rowcount
    assert own == [(org.mentor["C"],)]
    assert stats == [(org.mentor["C"],)]
    assert series == []  # the chapter series is for coordinators
    assert others == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        with as_api_user(conn, AUTHENTICATED, org.mentor_user["C"]):
            insert_activity(conn, org, "D", org.mentor_user["C"])


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM activities",
        "SELECT * FROM chapters",
        "SELECT * FROM dashboard_peer_mentor_stats()",
        "SELECT * FROM dashboard_activity_time_series()",
        "INSERT INTO activities (peer_mentor_id, chapter_id, activity_type_id, occurred_at,"
        " duration_minutes) VALUES (1, 1, 1, now(), 1)",
        "DELETE FROM activities",
    ],
)
def test_anon_can_neither_read_nor_write(conn, org, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        with as_api_user(conn, ANON):
            conn.execute(statement)


def test_service_role_sees_everything(conn, org):
    with as_api_user(conn, SERVICE):
        seen = chapters_through_every_read_path(conn, org)
    assert seen == {path: set("ABCDEF") for path in seen}


def test_a_user_without_assignments_sees_nothing(conn, org):
    import uuid

    with as_api_user(conn, AUTHENTICATED, uuid.uuid4()):
        seen = chapters_through_every_read_path(conn, org)
    assert seen == {path: set() for path in seen}


def test_an_insert_by_authenticated_reaches_that_coordinators_dashboard(conn, org, scope):
    chapter = "B" if not scope.single else "A"
    make_due(conn)
    with as_api_user(conn, AUTHENTICATED, org.coordinator_ab):
        insert_activity(conn, org, chapter, org.coordinator_ab)
    with as_api_user(conn, AUTHENTICATED, org.coordinator_ab):
        counts = dict(
            conn.execute(
                "SELECT chapter_id, sum(activity_count) FROM dashboard_peer_mentor_stats()"
                " GROUP BY chapter_id"
            ).fetchall()
        )
    if scope.single:
        assert counts == {org.chapter["A"]: 2}
    else:
        assert counts == {org.chapter["A"]: 1, org.chapter["B"]: 2}


def test_the_scope_switch_takes_effect_for_the_next_statement(db, conn, org, scope):
    """Flipped from another session, with no reconnect: the next statement sees it."""
    with db.connect() as operator:
        for single in (not scope.single, scope.single):
            set_single_chapter_scope(operator, single)
            with as_api_user(conn, AUTHENTICATED, org.coordinator_ab):
                seen = chapters_through_every_read_path(conn, org)
            assert seen == {path: Scope(single).visible("AB") for path in seen}


def test_coordinator_activity_query_computes_the_scope_once(conn, org):
    """The scope helper runs as an InitPlan (once per statement), not once per row."""
    conn.execute("ANALYZE activities")
    with as_api_user(conn, AUTHENTICATED, org.coordinator_ab):
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM activities"
                " WHERE occurred_at >= '2026-01-01'"
            )
        )
    assert "InitPlan" in plan
    assert f"{names.COORDINATED_CHAPTERS_FUNCTION}()" in plan
