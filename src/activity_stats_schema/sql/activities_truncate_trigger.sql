CREATE TRIGGER activities_truncate_marks_stats
AFTER TRUNCATE ON {public}.{activities}
FOR EACH STATEMENT
-- TRUNCATE fires no row trigger: without this, the views would go on showing the removed rows
-- until some later write. Statement-level, so it only marks the change (and notifies); the
-- trailing edge refreshes once the transaction has committed.
EXECUTE FUNCTION {private}.{mark_function}()
