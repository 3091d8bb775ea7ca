CREATE TRIGGER activity_types_mark_stats
AFTER UPDATE OF counts_for_bufdir ON {public}.{activity_types}
FOR EACH STATEMENT
-- The views count only activities whose type counts for Bufdir, so switching a type changes
-- them without any write to activities. Marks the change for the trailing edge, as for a
-- TRUNCATE of activities: once per statement, whatever the number of rows. Inserting or
-- deleting a type cannot change the views (a type in use cannot be deleted).
EXECUTE FUNCTION {private}.{mark_function}()
