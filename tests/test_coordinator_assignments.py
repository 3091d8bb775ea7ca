"""At most five chapters per coordinator, enforced by the database with a clear error."""

import uuid

import psycopg
import pytest

from activity_stats_schema import names
from tests.support.access import add_coordinator, build


def assign(conn, coordinator, chapter_id):
    conn.execute(
        "INSERT INTO coordinator_chapters (coordinator_id, chapter_id) VALUES (%s, %s)",
        [coordinator, chapter_id],
    )


def test_a_sixth_chapter_is_refused_with_a_clear_error(db):
    with db.connect() as conn:
        org = build(conn)
        with pytest.raises(psycopg.errors.CheckViolation) as refused:
            assign(conn, org.coordinator_five, org.chapter["F"])
        message = str(refused.value)
        assert f"already has {names.MAX_CHAPTERS_PER_COORDINATOR} chapters" in message
        assert f"at most {names.MAX_CHAPTERS_PER_COORDINATOR}" in message
        assert conn.execute(
            "SELECT count(*) FROM coordinator_chapters WHERE coordinator_id = %s",
            [org.coordinator_five],
        ).fetchone() == (5,)


def test_a_freed_slot_can_be_used_again(db):
    with db.connect() as conn:
        org = build(conn)
        conn.execute(
            "DELETE FROM coordinator_chapters WHERE coordinator_id = %s AND chapter_id = %s",
            [org.coordinator_five, org.chapter["C"]],
        )
        assign(conn, org.coordinator_five, org.chapter["F"])
        slots = [
            r[0]
            for r in conn.execute(
                "SELECT slot FROM coordinator_chapters WHERE coordinator_id = %s ORDER BY slot",
                [org.coordinator_five],
            )
        ]
        assert slots == [1, 2, 3, 4, 5]


def test_the_limit_holds_even_when_slots_are_given_by_hand(db):
    """With the trigger's help bypassed by an explicit slot, the constraints still hold."""
    with db.connect() as conn:
        org = build(conn)
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(
                "INSERT INTO coordinator_chapters (coordinator_id, chapter_id, slot)"
                " VALUES (%s, %s, 6)",
                [org.coordinator_five, org.chapter["F"]],
            )
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(
                "INSERT INTO coordinator_chapters (coordinator_id, chapter_id, slot)"
                " VALUES (%s, %s, 1)",
                [org.coordinator_five, org.chapter["F"]],
            )


def test_concurrent_assignments_cannot_exceed_the_limit(db):
    """Two sessions each adding a fifth chapter: the second waits for the first, then fails."""
    with db.connect() as setup:
        org = build(setup)
        coordinator = uuid.uuid4()
        add_coordinator(setup, coordinator, [org.chapter[name] for name in "ABCD"])
    with db.connect() as first, db.connect() as second:
        second.execute("SET lock_timeout = '100ms'")
        with first.transaction():
            assign(first, coordinator, org.chapter["E"])
            # The second session must wait on the coordinator row the first one holds.
            with pytest.raises(psycopg.errors.LockNotAvailable):
                assign(second, coordinator, org.chapter["F"])
        with pytest.raises(psycopg.errors.CheckViolation):
            assign(second, coordinator, org.chapter["F"])
