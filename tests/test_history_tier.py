"""The two tiers: history (before the boundary) refreshed only when a change reaches it or the
boundary moves, off every COMMIT path; recent refreshed at COMMIT. Whatever tier a change lands
in, once the trailing edge has run the dashboard and the export return what the live views do.

Time is data here: the boundary is made due to move to a chosen Monday by setting
recent_minimum, and the trailing edge (refresh_pending) is called, as the refresher or pg_cron
would call it.
"""

import datetime as dt
import random
from typing import Any

import psycopg
import pytest
from psycopg import sql

from activity_stats_schema import names
from activity_stats_schema.operations import alignment
from activity_stats_schema.schema.functions import (
    CALL_REFRESH_BEGIN,
    CALL_REFRESH_END,
    CALL_REFRESH_VIEWS,
)
from tests.support import reference
from tests.support.data import (
    LOG,
    OSLO,
    Seed,
    insert_activities,
    make_due,
    pending,
    refresh_log,
    refresh_pending,
    seed,
    set_log,
    view_total,
)

#: Run as the server's superuser and again as a role shaped like Supabase's postgres.
pytestmark = pytest.mark.both_owners

ZONE = sql.Literal(names.REPORTING_TIME_ZONE)
#: Mondays, where the boundary stands after a move (the start of an Europe/Oslo week).
MARCH = dt.date(2026, 3, 2)
MAY = dt.date(2026, 5, 4)
RECENT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=OSLO)
OLD = dt.datetime(2025, 6, 10, 10, 0, tzinfo=OSLO)
#: Another day before the boundary (not a duplicate of OLD's activities).
BACKDATED = OLD + dt.timedelta(days=1)
STATS = "SELECT * FROM dashboard_peer_mentor_stats()"
SERIES = "SELECT * FROM dashboard_activity_time_series()"


def boundary(conn: psycopg.Connection) -> dt.date:
    """The history boundary, as the Europe/Oslo day it starts."""
    row = conn.execute(
        sql.SQL("SELECT (history_boundary AT TIME ZONE {})::date FROM {}").format(ZONE, LOG)
    ).fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def make_boundary_due(conn: psycopg.Connection, monday: dt.date) -> None:
    """recent_minimum such that the boundary is due to move to ``monday`` (now less
    recent_minimum falls on that week's Thursday)."""
    assert monday.isoweekday() == 1, monday
    with conn.transaction():
        conn.execute(
            sql.SQL(
                "UPDATE {} SET recent_minimum"
                " = (clock_timestamp() AT TIME ZONE {}) - (%s::date + 3)::timestamp"
            ).format(LOG, ZONE),
            [monday],
        )


def trailing_edge(conn: psycopg.Connection) -> list[str]:
    """refresh_pending() until it has nothing to do, each call due; what each call did."""
    outcomes: list[str] = []
    while not outcomes or outcomes[-1] != "clean":
        assert len(outcomes) < 5, outcomes
        make_due(conn)
        outcomes.append(refresh_pending(conn))
    return outcomes


def move_boundary(conn: psycopg.Connection, monday: dt.date) -> None:
    make_boundary_due(conn, monday)
    assert trailing_edge(conn)[0] == "refreshed"
    assert boundary(conn) == monday


def split_at_march(conn: psycopg.Connection) -> Seed:
    """Two activities before the boundary (June 2025) and two after (March 2026)."""
    data = seed(conn)
    with conn.transaction():
        insert_activities(conn, data, 2, occurred_at=OLD)
        insert_activities(conn, data, 2, chapter="B", occurred_at=RECENT)
    move_boundary(conn, MARCH)
    assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 4
    assert view_total(conn, (names.MV_PEER_MENTOR_STATS_HISTORY,)) == 2
    return data


def read(conn: psycopg.Connection, query: str, live: bool) -> list[tuple[Any, ...]]:
    set_log(conn, read_live_views=live)
    try:
        return conn.execute(query).fetchall()
    finally:
        set_log(conn, read_live_views=False)


def assert_dashboard_is_live(conn: psycopg.Connection) -> None:
    """The dashboard's readers over the tiers return what they return over the live views."""
    for query in (STATS, SERIES):
        assert read(conn, query, live=False) == read(conn, query, live=True), query


def assert_export_agrees(conn: psycopg.Connection, first: dt.date, last: dt.date) -> None:
    """The export of a period against the dashboard's time series over the same days."""
    export = conn.execute(
        "SELECT chapter_id, activity_type_id, activities, total_minutes FROM bufdir_export(%s, %s)",
        [first, last],
    ).fetchall()
    series = conn.execute(
        "SELECT chapter_id, activity_type_id, sum(activity_count), sum(total_minutes)"
        " FROM dashboard_activity_time_series(%s, %s) GROUP BY 1, 2 ORDER BY 1, 2",
        [first, last],
    ).fetchall()
    assert export == series, (first, last)


def test_a_recent_change_is_shown_at_commit_without_a_refresh_of_history(db):
    with db.connect() as conn:
        data = split_at_march(conn)
        before = refresh_log(conn)
        make_due(conn)
        with conn.transaction():
            insert_activities(conn, data, 1, occurred_at=RECENT + dt.timedelta(days=3))
        after = refresh_log(conn)
        assert after["refresh_count"] == before["refresh_count"] + 1
        assert after["history_refreshed_at"] == before["history_refreshed_at"]
        assert pending(conn) == 0
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 5
        assert_dashboard_is_live(conn)


def test_a_backdated_insert_is_left_to_the_trailing_edge_which_shows_it(db):
    with db.connect() as conn:
        data = split_at_march(conn)
        before = refresh_log(conn)
        make_due(conn)
        with conn.transaction():
            insert_activities(conn, data, 1, chapter="C", occurred_at=OLD)
        # No refresh at COMMIT: the change is before the boundary. It waits, marked.
        assert refresh_log(conn)["refresh_count"] == before["refresh_count"]
        assert pending(conn) == 1
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 4
        assert trailing_edge(conn) == ["refreshed", "clean"]
        assert refresh_log(conn)["history_refreshed_at"] > before["history_refreshed_at"]
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 5
        assert pending(conn) == 0
        assert_dashboard_is_live(conn)


CHANGES = {
    "an update moving a recent activity into history": (
        "UPDATE activities SET occurred_at = occurred_at - interval '300 days'"
        " WHERE id = (SELECT max(id) FROM activities)"
    ),
    "an update moving an old activity into the recent tier": (
        "UPDATE activities SET occurred_at = occurred_at + interval '300 days'"
        " WHERE id = (SELECT min(id) FROM activities)"
    ),
    "a delete of an old activity": (
        "DELETE FROM activities WHERE id = (SELECT min(id) FROM activities)"
    ),
    "a TRUNCATE": "TRUNCATE activities",
    "a type's counts_for_bufdir switched": "UPDATE activity_types SET counts_for_bufdir = false",
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_reaching_history_is_shown_once_the_trailing_edge_has_run(db, change):
    with db.connect() as conn:
        split_at_march(conn)
        before = read(conn, STATS, live=False)
        with conn.transaction():
            conn.execute(change)
        assert read(conn, STATS, live=True) != before  # the change does change the numbers
        assert trailing_edge(conn)[0] == "refreshed"
        assert pending(conn) == 0
        assert_dashboard_is_live(conn)
        assert_export_agrees(conn, dt.date(2025, 1, 1), dt.date(2026, 12, 31))


def test_a_load_that_skips_the_triggers_is_shown_by_the_manual_refresh(db):
    with db.connect() as conn:
        data = split_at_march(conn)
        with conn.transaction():
            conn.execute("ALTER TABLE activities DISABLE TRIGGER USER")
            insert_activities(conn, data, 3, chapter="C", occurred_at=OLD)
            insert_activities(conn, data, 3, chapter="C", occurred_at=RECENT)
            conn.execute("ALTER TABLE activities ENABLE TRIGGER USER")
        assert pending(conn) == 0  # nothing marked: the edge cannot know
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 4
        assert conn.execute("SELECT activity_stats.refresh_stats(true)").fetchone() == (
            "refreshed",
        )
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 10
        assert_dashboard_is_live(conn)


def test_the_boundary_moves_at_the_trailing_edge_and_never_at_a_commit(db):
    with db.connect() as conn:
        data = split_at_march(conn)
        make_boundary_due(conn, MAY)
        make_due(conn)
        with conn.transaction():
            insert_activities(conn, data, 1, occurred_at=dt.datetime(2026, 6, 1, 9, tzinfo=OSLO))
        log = refresh_log(conn)
        assert boundary(conn) == MARCH  # the COMMIT refreshed the recent tier only
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 5
        assert trailing_edge(conn) == ["refreshed", "clean"]
        assert boundary(conn) == MAY
        assert refresh_log(conn)["history_refreshed_at"] > log["history_refreshed_at"]
        # March's activities moved from the recent tier to history, counted once.
        assert view_total(conn, (names.MV_PEER_MENTOR_STATS_HISTORY,)) == 4
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 5
        assert_dashboard_is_live(conn)


def test_a_server_that_missed_several_moves_catches_up_in_one_refresh(db):
    with db.connect() as conn:
        split_at_march(conn)
        count = refresh_log(conn)["refresh_count"]
        make_boundary_due(conn, dt.date(2026, 9, 7))
        assert trailing_edge(conn) == ["refreshed", "clean"]
        assert refresh_log(conn)["refresh_count"] == count + 1
        assert boundary(conn) == dt.date(2026, 9, 7)
        assert_dashboard_is_live(conn)


def test_a_writer_that_began_before_the_boundary_moved_loses_nothing(db):
    """The writer's change is recent when written and history when committed: the refresh
    judges its marker by the boundary at refresh time, not as the writer saw it."""
    with db.connect() as conn, db.connect() as writer:
        data = split_at_march(conn)
        set_log(conn, debounce_interval="0 seconds")
        with writer.transaction():
            insert_activities(writer, data, 1, occurred_at=dt.datetime(2026, 4, 10, tzinfo=OSLO))
            move_boundary(conn, MAY)
        # Its COMMIT found only a change before the (new) boundary waiting: left to the edge.
        assert pending(conn) == 1
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 4
        assert trailing_edge(conn) == ["refreshed", "clean"]
        assert view_total(conn, names.PEER_MENTOR_STATS_TIERS) == 5
        assert_dashboard_is_live(conn)


def test_a_failed_move_keeps_the_boundary_and_what_the_dashboard_shows(db):
    with db.connect() as conn:
        split_at_march(conn)
        shown = read(conn, STATS, live=False)
        with conn.transaction():
            conn.execute(
                sql.SQL("DROP INDEX {}").format(
                    sql.Identifier(
                        names.PRIVATE_SCHEMA, f"{names.MV_PEER_MENTOR_STATS_HISTORY}_key"
                    )
                )
            )
        make_boundary_due(conn, MAY)
        make_due(conn)
        assert refresh_pending(conn) == "failed"
        assert refresh_log(conn)["last_error"].startswith("55000: ")
        assert boundary(conn) == MARCH  # the move was rolled back with the refreshes
        assert read(conn, STATS, live=False) == shown
        assert_dashboard_is_live(conn)


def test_the_boundary_moves_only_with_every_view_refreshed(db):
    with db.connect() as conn:
        split_at_march(conn)
        with conn.transaction(force_rollback=True):
            row = conn.execute(CALL_REFRESH_BEGIN, [True, False, False]).fetchone()
            assert row is not None
            state, _, views, at = row
            assert (state, views) == ("started", list(names.RECENT_VIEWS))
            with pytest.raises(psycopg.errors.InvalidParameterValue, match="every view"):
                conn.execute(CALL_REFRESH_VIEWS, [views, at + dt.timedelta(days=61)])
        with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="no refresh"):
            conn.execute(CALL_REFRESH_VIEWS, [list(names.MATERIALIZED_VIEWS), None])
        assert boundary(conn) == MARCH


def begin_history(edge: psycopg.Connection) -> tuple[list[int], list[str], dt.datetime]:
    """In ``edge``'s open transaction, the trailing edge's first step when a change reaches
    before the boundary: a refresh of history alone (the history lock, not the log row)."""
    row = edge.execute(CALL_REFRESH_BEGIN, [False, True, True]).fetchone()
    assert row is not None
    state, marked, views, at = row
    assert (state, views) == ("started", list(names.HISTORY_VIEWS))
    return marked, views, at


def end_history(edge: psycopg.Connection, begun: tuple[list[int], list[str], dt.datetime]) -> None:
    marked, views, at = begun
    row = edge.execute(CALL_REFRESH_VIEWS, [views, at]).fetchone()
    assert row == (None,)
    assert edge.execute(CALL_REFRESH_END, [marked, None]).fetchone() == ("refreshed",)


def test_a_refresh_of_history_does_not_hold_up_the_recent_tier(db):
    """While the trailing edge refreshes history, a writer's COMMIT still refreshes the recent
    tier: a backdated change never delays the recent ones."""
    with db.connect() as conn, db.connect() as edge, db.connect() as writer:
        data = split_at_march(conn)
        set_log(conn, debounce_interval="0 seconds")
        with conn.transaction():
            insert_activities(conn, data, 1, occurred_at=BACKDATED)  # left to the trailing edge
        with edge.transaction():
            begun = begin_history(edge)
            with writer.transaction():
                insert_activities(writer, data, 1, chapter="C", occurred_at=RECENT)
            assert view_total(conn, (names.MV_PEER_MENTOR_STATS_RECENT,)) == 3
            end_history(edge, begun)
        assert view_total(conn, (names.MV_PEER_MENTOR_STATS_HISTORY,)) == 3
        assert pending(conn) == 1  # owed a refresh of the recent tier, which the edge does next
        assert trailing_edge(conn) == ["refreshed", "clean"]
        assert_dashboard_is_live(conn)


def test_a_refresh_of_history_leaves_what_reaches_the_recent_tier_to_its_refresh(db):
    """An update that moves an activity from history into the recent tier: a refresh of history
    alone settles the history side and keeps the change marked for the recent tier."""
    with db.connect() as conn, db.connect() as edge:
        split_at_march(conn)
        set_log(conn, debounce_interval="1 day")
        with conn.transaction():
            conn.execute(
                "UPDATE activities SET occurred_at = %s"
                " WHERE id = (SELECT min(id) FROM activities WHERE occurred_at = %s)",
                [RECENT + dt.timedelta(hours=1), OLD],
            )
        with edge.transaction():
            end_history(edge, begin_history(edge))
        assert view_total(conn, (names.MV_PEER_MENTOR_STATS_HISTORY,)) == 1
        assert view_total(conn, (names.MV_PEER_MENTOR_STATS_RECENT,)) == 2  # not yet refreshed
        assert pending(conn) == 1
        assert trailing_edge(conn) == ["refreshed", "clean"]
        assert view_total(conn, (names.MV_PEER_MENTOR_STATS_RECENT,)) == 3
        assert_dashboard_is_live(conn)


def test_the_boundary_waits_for_a_refresh_of_history_in_progress(db):
    """A move needs the history lock as well as the log row: while another session refreshes
    history, the trailing edge neither waits nor moves, and moves once that refresh is done."""
    with db.connect() as conn, db.connect() as edge:
        data = split_at_march(conn)
        with conn.transaction():
            insert_activities(conn, data, 1, occurred_at=BACKDATED)
        with edge.transaction():
            begun = begin_history(edge)
            make_boundary_due(conn, MAY)
            make_due(conn)
            assert refresh_pending(conn) == "clean"  # nothing recent waits; history is busy
            assert boundary(conn) == MARCH
            end_history(edge, begun)
        assert trailing_edge(conn) == ["refreshed", "clean"]
        assert boundary(conn) == MAY
        assert_dashboard_is_live(conn)


def test_a_failed_refresh_of_history_keeps_its_changes_marked(db):
    with db.connect() as conn:
        data = split_at_march(conn)
        with conn.transaction():
            insert_activities(conn, data, 1, occurred_at=BACKDATED)
            conn.execute(
                sql.SQL("DROP INDEX {}").format(
                    sql.Identifier(
                        names.PRIVATE_SCHEMA, f"{names.MV_PEER_MENTOR_STATS_HISTORY}_key"
                    )
                )
            )
        make_due(conn)
        assert refresh_pending(conn) == "failed"
        assert refresh_log(conn)["last_error"].startswith("55000: ")
        assert pending(conn) == 1
        assert view_total(conn, (names.MV_PEER_MENTOR_STATS_HISTORY,)) == 2


def test_the_alignment_validator_agrees_with_the_boundary_inside_the_reference_data(db):
    with db.connect() as conn:
        reference.load(conn)
        move_boundary(conn, dt.date(2026, 2, 2))
        assert view_total(conn, (names.MV_PEER_MENTOR_STATS_HISTORY,)) > 0
        assert view_total(conn, (names.MV_PEER_MENTOR_STATS_RECENT,)) > 0
        assert alignment.compare(conn, refresh=False) == []
        assert alignment.compare(conn) == []


def _random_time(rng: random.Random) -> dt.datetime:
    """A time between June 2024 and November 2026, at one of few minutes of a day (so that
    duplicate registrations of a minute happen)."""
    day = dt.datetime(2024, 6, 1, 10, tzinfo=OSLO) + dt.timedelta(days=rng.randrange(900))
    return day + dt.timedelta(minutes=rng.choice((0, 0, 1, 59, 60)))


def _random_change(conn: psycopg.Connection, data: Seed, rng: random.Random) -> None:
    kinds = (data.counting_type, data.other_type, data.not_counting_type)
    chapter = rng.choice("ABC")
    choice = rng.random()
    if choice < 0.45:
        for _ in range(rng.randint(1, 4)):
            insert_activities(
                conn,
                data,
                rng.randint(1, 3),
                chapter=chapter,
                occurred_at=_random_time(rng),
                minutes=rng.choice((15, 30, 45)),
                activity_type=rng.choice(kinds),
            )
    elif choice < 0.7:
        conn.execute(
            "UPDATE activities SET occurred_at = %s, duration_minutes = %s"
            " WHERE id = (SELECT id FROM activities ORDER BY random() LIMIT 1)",
            [_random_time(rng), rng.choice((10, 20, 90))],
        )
    elif choice < 0.8:
        conn.execute(
            "UPDATE activities SET activity_type_id = %s"
            " WHERE id = (SELECT id FROM activities ORDER BY random() LIMIT 1)",
            [rng.choice(kinds)],
        )
    elif choice < 0.93:
        conn.execute(
            "DELETE FROM activities WHERE id IN"
            " (SELECT id FROM activities ORDER BY random() LIMIT %s)",
            [rng.randint(1, 3)],
        )
    else:
        conn.execute(
            "UPDATE activity_types SET counts_for_bufdir = NOT counts_for_bufdir WHERE id = %s",
            [rng.choice(kinds[:2])],
        )


@pytest.mark.parametrize("run", range(3))
def test_random_changes_around_a_moving_boundary_read_as_the_live_views(db, run):
    rng = random.Random(run)  # noqa: S311 (test data, repeatable by its seed)
    with db.connect() as conn:
        conn.execute("SELECT setseed(%s)", [run / 10])
        data = seed(conn)
        set_log(conn, debounce_interval="0 seconds")  # every COMMIT refreshes the recent tier
        monday = dt.date(2024, 12, 30)
        move_boundary(conn, monday)
        for _ in range(40):
            with conn.transaction():
                for _ in range(rng.randint(1, 2)):
                    _random_change(conn, data, rng)
            if rng.random() < 0.15 and monday < dt.date(2026, 9, 7):
                monday += dt.timedelta(weeks=rng.randint(1, 13))
                make_boundary_due(conn, monday)
            if rng.random() < 0.4:
                trailing_edge(conn)
                assert_dashboard_is_live(conn)
        trailing_edge(conn)
        assert boundary(conn) == monday
        assert_dashboard_is_live(conn)
        for first, last in ((dt.date(2024, 1, 1), dt.date(2026, 12, 31)), (monday, monday)):
            assert_export_agrees(conn, first, last)
        assert pending(conn) == 0
