CREATE FUNCTION {private}.{assignment_guard_function}()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- Gives a new assignment the lowest free slot, and refuses a coordinator's sixth chapter with
-- an error that says so. Assignments of one coordinator are serialized on their coordinator
-- row, so two concurrent inserts cannot both see a free slot; the UNIQUE (coordinator_id, slot)
-- constraint holds the limit even where this trigger does not run.
DECLARE
    v_taken int;
BEGIN
    PERFORM FROM {public}.{coordinators} WHERE user_id = NEW.coordinator_id FOR UPDATE;
    IF NEW.slot IS NULL THEN
        SELECT min(s) INTO NEW.slot
        FROM pg_catalog.generate_series(1, {max_chapters}) AS s
        WHERE NOT EXISTS (
            SELECT FROM {public}.{coordinator_chapters} AS cc
            WHERE cc.coordinator_id = NEW.coordinator_id AND cc.slot = s);
        IF NEW.slot IS NULL THEN
            SELECT count(*) INTO v_taken FROM {public}.{coordinator_chapters}
            WHERE coordinator_id = NEW.coordinator_id;
            RAISE EXCEPTION 'coordinator % already has % chapters; at most % are allowed',
                    NEW.coordinator_id, v_taken, {max_chapters}
                USING ERRCODE = 'check_violation',
                      CONSTRAINT = 'coordinator_chapters_slot_in_range_check',
                      HINT = 'Remove one of the coordinator''s chapters first.';
        END IF;
    END IF;
    RETURN NEW;
END
$function$
