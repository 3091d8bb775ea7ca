CREATE TRIGGER activities_update_marks_stats
AFTER UPDATE ON {public}.{activities}
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT
-- One marker per statement, with the earliest occurred_at before or after the update: an
-- activity moved across the history boundary changes both tiers.
EXECUTE FUNCTION {private}.{mark_function}()
