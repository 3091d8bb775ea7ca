"""The reference dataset (tests/data/reference) and its hand-derived expected totals.

``python -m tests.support.reference`` (``nox -s validate``) loads it into an embedded server and
runs ``activity-stats-schema validate-alignment`` on it.
"""

import csv
import uuid
from pathlib import Path

import psycopg

from activity_stats_schema.operations.migrate import upgrade
from activity_stats_schema.testing import emulation

DATA = Path(__file__).resolve().parent.parent / "data" / "reference"
TYPES = {"visit": True, "phone": True, "internal": False}


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="") as f:
        return list(csv.DictReader(f))


def load(conn: psycopg.Connection) -> dict[str, dict[str, int]]:
    """Insert the dataset in file order (ids follow it); return the ids of chapters, mentors,
    types by name. Coordinators register by proxy under their own user id."""
    activities = rows("activities.csv")
    ids: dict[str, dict[str, int]] = {"chapter": {}, "mentor": {}, "type": {}}
    users: dict[str, uuid.UUID] = {}
    coordinator = uuid.uuid4()
    with conn.transaction():
        for name, counts in TYPES.items():
            ids["type"][name] = conn.execute(
                "INSERT INTO activity_types (name, counts_for_bufdir) VALUES (%s, %s) RETURNING id",
                [name, counts],
            ).fetchone()[0]
        for row in activities:
            chapter, mentor = row["chapter"], row["peer_mentor"]
            if chapter not in ids["chapter"]:
                ids["chapter"][chapter] = conn.execute(
                    "INSERT INTO chapters (name) VALUES (%s) RETURNING id", [chapter]
                ).fetchone()[0]
            if mentor not in ids["mentor"]:
                users[mentor] = uuid.uuid4()
                ids["mentor"][mentor] = conn.execute(
                    "INSERT INTO peer_mentors (chapter_id, user_id, display_name)"
                    " VALUES (%s, %s, %s) RETURNING id",
                    [ids["chapter"][chapter], users[mentor], mentor],
                ).fetchone()[0]
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO activities (peer_mentor_id, chapter_id, activity_type_id,"
                " occurred_at, duration_minutes, registered_by, created_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        ids["mentor"][r["peer_mentor"]],
                        ids["chapter"][r["chapter"]],
                        ids["type"][r["activity_type"]],
                        r["occurred_at"],
                        int(r["duration_minutes"]),
                        users[r["peer_mentor"]] if r["registered_by"] == "mentor" else coordinator,
                        r["created_at"],
                    )
                    for r in activities
                ],
            )
    return ids


def main() -> int:
    from activity_stats_schema.operations.cli import main as cli
    from activity_stats_schema.testing.embedded import embedded_server

    with embedded_server() as server:
        with server.connect(autocommit=True) as conn:
            emulation.bootstrap(conn)
            upgrade(server.url())
            load(conn)
        print(f"reference dataset: {len(rows('activities.csv'))} registrations loaded\n")
        print("$ activity-stats-schema validate-alignment")
        return cli(["--database-url", server.url(), "validate-alignment"])


if __name__ == "__main__":
    raise SystemExit(main())
