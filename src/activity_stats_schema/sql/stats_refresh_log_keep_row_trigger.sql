CREATE TRIGGER stats_refresh_log_keep_row
BEFORE DELETE OR TRUNCATE ON {private}.{refresh_log}
FOR EACH STATEMENT
EXECUTE FUNCTION {private}.{log_guard_function}()
