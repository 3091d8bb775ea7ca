CREATE TRIGGER contingency_switches_keep_row
BEFORE DELETE OR TRUNCATE ON {private}.{contingency}
FOR EACH STATEMENT
EXECUTE FUNCTION {private}.{log_guard_function}()
