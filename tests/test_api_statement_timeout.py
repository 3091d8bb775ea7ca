"""A Supabase API request runs under its role's statement_timeout, but its COMMIT's refresh does
not: the timeout does not bound how long a signed-in writer waits in the default (sync) mode.

Supabase gives ``authenticated`` 8 s and ``anon`` 3 s, and PostgREST applies the impersonated
role's settings to each request's transaction. The test bootstrap sets those timeouts and
``as_api_user`` applies them as PostgREST does. PostgreSQL disables the statement timer before
the transaction commits (``finish_xact_command``), so deferred triggers run outside it: what
bounds the commit-time refresh is its own ``refresh_lock_timeout`` and how long it takes.
"""

from psycopg import sql

from activity_stats_schema import names
from tests.support.data import (
    hold_view_lock,
    insert_activities,
    make_due,
    pending,
    refresh_log,
    refresh_pending,
    seed,
    set_log,
    view_total,
)
from tests.support.supabase import as_api_user


def test_api_requests_run_under_supabases_role_timeouts(db):
    with db.connect() as conn:
        seen = {}
        for role in (names.ANON_ROLE, names.AUTHENTICATED_ROLE):
            with as_api_user(conn, role):
                seen[role] = conn.execute("SHOW statement_timeout").fetchone()
        assert seen == {names.ANON_ROLE: ("3s",), names.AUTHENTICATED_ROLE: ("8s",)}
        # Only the request's transaction: the session's own setting is back afterwards.
        assert conn.execute("SHOW statement_timeout").fetchone() == ("0",)


def test_the_request_timeout_does_not_bound_its_commits_refresh(db):
    with db.connect() as writer, db.connect() as holder, db.connect() as observer:
        data = seed(writer)
        observer.execute(
            sql.SQL("ALTER ROLE {} IN DATABASE {} SET statement_timeout = '100ms'").format(
                sql.Identifier(names.AUTHENTICATED_ROLE), sql.Identifier(db.name)
            )
        )
        # Two timers race while the refresh waits for the view's lock: the request's 100 ms
        # statement timeout (57014) and the refresh's own 1 s lock timeout (55P03).
        set_log(observer, refresh_lock_timeout="1 second")

        with holder.transaction():
            hold_view_lock(holder)
            with as_api_user(writer, names.AUTHENTICATED_ROLE, data.mentor_users["A"]):
                assert writer.execute("SHOW statement_timeout").fetchone() == ("100ms",)
                insert_activities(writer, data, 1)

        # The lock timeout won: PostgreSQL stops the statement timer before it commits, so
        # deferred triggers, and the refresh, run outside it.
        log = refresh_log(observer)
        assert log["failure_count"] == 1
        assert log["last_error"] == "55P03: canceling statement due to lock timeout"
        assert observer.execute("SELECT count(*) FROM activities").fetchone() == (1,)
        assert view_total(observer, names.PEER_MENTOR_STATS_TIERS) == 0
        # The change stays marked, and the trailing edge shows it.
        assert pending(observer) == 1
        make_due(observer)
        assert refresh_pending(observer) == "refreshed"
        assert view_total(observer, names.PEER_MENTOR_STATS_TIERS) == 1
