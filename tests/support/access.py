"""A small organisation for access tests: six chapters, a mentor in each, two coordinators."""

import datetime as dt
import uuid
from dataclasses import dataclass

import psycopg

from activity_stats_schema import names

CHAPTERS = ("A", "B", "C", "D", "E", "F")


@dataclass
class Org:
    chapter: dict[str, int]
    mentor: dict[str, int]
    mentor_user: dict[str, uuid.UUID]
    coordinator_ab: uuid.UUID  # coordinates A and B
    coordinator_five: uuid.UUID  # coordinates A to E
    activity_type: int


def build(conn: psycopg.Connection) -> Org:
    """As the owner (bypassing row-level security): chapters, mentors, one activity each."""
    chapter, mentor, mentor_user = {}, {}, {}
    with conn.transaction():
        activity_type = conn.execute(
            "INSERT INTO activity_types (name) VALUES ('visit') RETURNING id"
        ).fetchone()[0]
        for name in CHAPTERS:
            chapter[name] = conn.execute(
                "INSERT INTO chapters (name) VALUES (%s) RETURNING id", [name]
            ).fetchone()[0]
            mentor_user[name] = uuid.uuid4()
            mentor[name] = conn.execute(
                "INSERT INTO peer_mentors (chapter_id, user_id, display_name)"
                " VALUES (%s, %s, %s) RETURNING id",
                [chapter[name], mentor_user[name], f"mentor {name}"],
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO activities (peer_mentor_id, chapter_id, activity_type_id,"
                " occurred_at, duration_minutes, registered_by) VALUES (%s, %s, %s, %s, 60, %s)",
                [
                    mentor[name],
                    chapter[name],
                    activity_type,
                    dt.datetime(2026, 5, 4, 12, tzinfo=dt.UTC),
                    mentor_user[name],
                ],
            )
        coordinator_ab, coordinator_five = uuid.uuid4(), uuid.uuid4()
        for user, chapters in ((coordinator_ab, "AB"), (coordinator_five, "ABCDE")):
            add_coordinator(conn, user, [chapter[name] for name in chapters])
        # One refresh now, so the views hold every chapter.
        conn.execute(f"SELECT {names.PRIVATE_SCHEMA}.{names.REFRESH_FUNCTION}(true)")
    return Org(chapter, mentor, mentor_user, coordinator_ab, coordinator_five, activity_type)


def add_coordinator(conn: psycopg.Connection, user: uuid.UUID, chapter_ids: list[int]) -> None:
    """A coordinator of ``chapter_ids``, the first their primary, in one transaction (the
    reference to the primary assignment is checked at COMMIT)."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO coordinators (user_id, display_name, primary_chapter_id)"
            " VALUES (%s, 'c', %s)",
            [user, chapter_ids[0]],
        )
        for chapter_id in chapter_ids:
            conn.execute(
                "INSERT INTO coordinator_chapters (coordinator_id, chapter_id) VALUES (%s, %s)",
                [user, chapter_id],
            )


def chapter_names(org: Org, ids) -> set[str]:
    by_id = {v: k for k, v in org.chapter.items()}
    return {by_id[i] for i in ids}
