"""Triggers: the statement-level marks of every change to activities (and of the changes no row
trigger sees: TRUNCATE, a type's counts_for_bufdir), the deferred refresh at COMMIT, and the
guards of the refresh log's row and of chapter slots."""

from alembic_utils.pg_trigger import PGTrigger

from activity_stats_schema import names
from activity_stats_schema.sqlfiles import render


def declare(sql_file: str) -> PGTrigger:
    """A trigger entity from a packaged ``CREATE [CONSTRAINT] TRIGGER`` statement."""
    return PGTrigger.from_sql(render(sql_file))


#: AFTER INSERT OR UPDATE OR DELETE, DEFERRABLE INITIALLY DEFERRED: refreshes at COMMIT.
ACTIVITIES_REFRESH_STATS = declare("activities_refresh_stats_trigger.sql")
#: AFTER INSERT, UPDATE, DELETE on activities, per statement, with transition tables: one
#: marker per statement, with the earliest occurred_at it touched.
ACTIVITIES_INSERT_MARKS = declare("activities_insert_marks_trigger.sql")
ACTIVITIES_UPDATE_MARKS = declare("activities_update_marks_trigger.sql")
ACTIVITIES_DELETE_MARKS = declare("activities_delete_marks_trigger.sql")
#: AFTER TRUNCATE on activities, and AFTER UPDATE OF counts_for_bufdir, per statement: they
#: mark the change for the trailing edge (no refresh inside the statement).
ACTIVITIES_TRUNCATE = declare("activities_truncate_trigger.sql")
ACTIVITY_TYPES_CHANGED = declare("activity_types_trigger.sql")
#: BEFORE DELETE OR TRUNCATE on the refresh log and on the contingency switches: the single row
#: of each stays.
STATS_REFRESH_LOG_KEEP_ROW = declare("stats_refresh_log_keep_row_trigger.sql")
CONTINGENCY_KEEP_ROW = declare("contingency_keep_row_trigger.sql")

#: BEFORE INSERT on coordinator_chapters: the lowest free slot, or a clear error.
COORDINATOR_CHAPTERS_ASSIGN_SLOT = declare("coordinator_chapters_assign_slot_trigger.sql")

TRIGGERS = (
    ACTIVITIES_INSERT_MARKS,
    ACTIVITIES_UPDATE_MARKS,
    ACTIVITIES_DELETE_MARKS,
    ACTIVITIES_REFRESH_STATS,
    ACTIVITIES_TRUNCATE,
    ACTIVITY_TYPES_CHANGED,
    STATS_REFRESH_LOG_KEEP_ROW,
    CONTINGENCY_KEEP_ROW,
    COORDINATOR_CHAPTERS_ASSIGN_SLOT,
)

assert ACTIVITIES_REFRESH_STATS.signature == names.REFRESH_TRIGGER
assert ACTIVITIES_INSERT_MARKS.signature == names.INSERT_MARK_TRIGGER
assert ACTIVITIES_UPDATE_MARKS.signature == names.UPDATE_MARK_TRIGGER
assert ACTIVITIES_DELETE_MARKS.signature == names.DELETE_MARK_TRIGGER
assert ACTIVITIES_TRUNCATE.signature == names.TRUNCATE_TRIGGER
assert ACTIVITY_TYPES_CHANGED.signature == names.ACTIVITY_TYPES_TRIGGER
assert STATS_REFRESH_LOG_KEEP_ROW.signature == names.LOG_GUARD_TRIGGER
assert CONTINGENCY_KEEP_ROW.signature == names.CONTINGENCY_GUARD_TRIGGER
assert COORDINATOR_CHAPTERS_ASSIGN_SLOT.signature == names.ASSIGNMENT_GUARD_TRIGGER
