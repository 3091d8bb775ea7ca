"""Who may do what: the complete privileges of every object, and row-level security on every
table of the API schema (the policies themselves are in :mod:`.policies`)."""

from collections.abc import Iterable

from activity_stats_schema import names
from activity_stats_schema.entities.privileges import Privileges
from activity_stats_schema.entities.row_level_security import RowLevelSecurity

AUTHENTICATED = names.AUTHENTICATED_ROLE
SERVICE = names.SERVICE_ROLE
PRIVATE = names.PRIVATE_SCHEMA
PUBLIC_SCHEMA = names.PUBLIC_SCHEMA

#: The columns a signed-in user may set on an activity. Not id or created_at (the server's),
#: and registered_by only when inserting (the policy requires it to be the caller), so an
#: update cannot rewrite who registered an activity.
ACTIVITY_WRITABLE = (
    "peer_mentor_id",
    "chapter_id",
    "activity_type_id",
    "occurred_at",
    "duration_minutes",
)
READ_WRITE = ("SELECT", "INSERT", "UPDATE", "DELETE")
#: What the app may read of the contingency switches, and what service_role may change.
NOTICE_COLUMNS = ("notice_active", "notice_message", "notice_since")
SWITCH_COLUMNS = (
    *NOTICE_COLUMNS,
    "notice_reason",
    "single_chapter_scope",
    "single_chapter_scope_since",
)


def _columns(privilege: str, columns: Iterable[str]) -> str:
    return f"{privilege} ({', '.join(columns)})"


#: Tables of the API schema. anon gets nothing; authenticated reads (row-level security decides
#: which rows) and writes activities only; service_role, which bypasses RLS, administers.
_PUBLIC_TABLES = [
    Privileges("TABLE", PUBLIC_SCHEMA, table, {AUTHENTICATED: ["SELECT"], SERVICE: READ_WRITE})
    for table in names.PUBLIC_TABLES
    if table != names.ACTIVITIES
] + [
    Privileges(
        "TABLE",
        PUBLIC_SCHEMA,
        names.ACTIVITIES,
        {
            AUTHENTICATED: [
                "SELECT",
                "DELETE",
                _columns("INSERT", (*ACTIVITY_WRITABLE, "registered_by")),
                _columns("UPDATE", ACTIVITY_WRITABLE),
            ],
            SERVICE: READ_WRITE,
        },
    )
]

#: The private schema: its materialized views bypass row-level security and its log and refresh
#: functions are the owner's. The API never exposes it; authenticated may only call the scope
#: helpers that policies call and the dashboard's readers (below), service_role the readers
#: (hence USAGE on the schema). Nothing else in it is granted to anyone.
_PRIVATE = [
    Privileges("SCHEMA", PRIVATE, PRIVATE, {AUTHENTICATED: ["USAGE"], SERVICE: ["USAGE"]}),
    *(
        Privileges("TABLE", PRIVATE, name)
        for name in (
            names.REFRESH_LOG,
            names.COUNTABLE_ACTIVITIES,
            *names.MATERIALIZED_VIEWS,
            *names.LIVE_VIEWS,
        )
    ),
    Privileges("FUNCTION", PRIVATE, names.RECENT_START_FUNCTION, arguments=""),
    Privileges("FUNCTION", PRIVATE, names.REFRESH_FUNCTION, arguments="boolean, boolean, boolean"),
    Privileges("FUNCTION", PRIVATE, names.REFRESH_PENDING_FUNCTION, arguments=""),
    Privileges(
        "FUNCTION", PRIVATE, names.REFRESH_BEGIN_FUNCTION, arguments="boolean, boolean, boolean"
    ),
    Privileges("FUNCTION", PRIVATE, names.REFRESH_VIEW_FUNCTION, arguments="text"),
    Privileges(
        "FUNCTION",
        PRIVATE,
        names.REFRESH_VIEWS_FUNCTION,
        arguments="text[], timestamp with time zone",
    ),
    Privileges("FUNCTION", PRIVATE, names.REFRESH_END_FUNCTION, arguments="bigint[], text"),
    Privileges("TABLE", PRIVATE, names.PENDING_CHANGES),
    #: The switches: signed-in users read the notice (through dashboard_notice); service_role
    #: reads and flips both, as the owner does.
    Privileges(
        "TABLE",
        PRIVATE,
        names.CONTINGENCY,
        {
            AUTHENTICATED: [_columns("SELECT", NOTICE_COLUMNS)],
            SERVICE: ["SELECT", _columns("UPDATE", SWITCH_COLUMNS)],
        },
    ),
    Privileges("FUNCTION", PRIVATE, names.TRIGGER_FUNCTION, arguments=""),
    Privileges("FUNCTION", PRIVATE, names.MARK_FUNCTION, arguments=""),
    Privileges("FUNCTION", PRIVATE, names.LOG_GUARD_FUNCTION, arguments=""),
    Privileges("FUNCTION", PRIVATE, names.ASSIGNMENT_GUARD_FUNCTION, arguments=""),
    *(
        Privileges("FUNCTION", PRIVATE, name, {AUTHENTICATED: ["EXECUTE"]}, arguments="")
        for name in (
            names.COORDINATED_CHAPTERS_FUNCTION,
            names.OWN_PEER_MENTORS_FUNCTION,
            names.CALLER_SEES_ALL_FUNCTION,
        )
    ),
]

#: The dashboard's read path: signed-in users and service_role, never anon. The API schema's
#: functions run as the caller (SECURITY INVOKER), so the caller also needs EXECUTE on the
#: private reader each one calls; the reader returns only the caller's rows.
_SIGNED_IN = {AUTHENTICATED: ["EXECUTE"], SERVICE: ["EXECUTE"]}
_DASHBOARD = [
    *(
        Privileges("FUNCTION", schema, name, _SIGNED_IN, arguments=arguments)
        for schema in (PUBLIC_SCHEMA, PRIVATE)
        for name, arguments in (
            (names.DASHBOARD_PEER_MENTOR_STATS, ""),
            (names.DASHBOARD_ACTIVITY_TIME_SERIES, "date, date"),
            (names.BUFDIR_EXPORT, "date, date"),
        )
    ),
    Privileges("FUNCTION", PUBLIC_SCHEMA, names.DASHBOARD_NOTICE, _SIGNED_IN, arguments=""),
]

PRIVILEGES = [*_PUBLIC_TABLES, *_PRIVATE, *_DASHBOARD]


def declared_for(schema: str, name: str) -> Privileges | None:
    """The declared privileges of the object ``schema.name`` (a schema: ``name == schema``)."""
    for entity in PRIVILEGES:
        if (entity.schema, entity.name) == (schema, name):
            return entity
    return None


#: Every table of the API schema.
ROW_LEVEL_SECURITY = [RowLevelSecurity(names.PUBLIC_SCHEMA, t) for t in names.PUBLIC_TABLES]
