CREATE TRIGGER activities_delete_marks_stats
AFTER DELETE ON {public}.{activities}
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT
-- One marker per statement, with the earliest occurred_at it deleted.
EXECUTE FUNCTION {private}.{mark_function}()
