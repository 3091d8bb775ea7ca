CREATE FUNCTION {private}.{log_guard_function}()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
-- The refresh log and the contingency switches have exactly one row each: the primary key on
-- a constant column allows at most one, and this guard refuses DELETE and TRUNCATE so there is
-- never none.
BEGIN
    RAISE EXCEPTION 'the row of %.% cannot be removed', TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation',
              HINT = 'Change its settings with UPDATE instead.';
END
$function$
