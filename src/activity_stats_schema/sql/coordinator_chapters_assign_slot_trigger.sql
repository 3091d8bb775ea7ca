CREATE TRIGGER coordinator_chapters_assign_slot
BEFORE INSERT ON {public}.{coordinator_chapters}
FOR EACH ROW
EXECUTE FUNCTION {private}.{assignment_guard_function}()
