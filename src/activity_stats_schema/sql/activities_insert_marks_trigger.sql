CREATE TRIGGER activities_insert_marks_stats
AFTER INSERT ON {public}.{activities}
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT
-- One marker per statement, with the earliest occurred_at it inserted (mark_stats_change).
EXECUTE FUNCTION {private}.{mark_function}()
