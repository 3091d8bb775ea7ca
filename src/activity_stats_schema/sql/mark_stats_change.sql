CREATE FUNCTION {private}.{mark_function}()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
 SET enable_seqscan TO 'off'
AS $function$
-- Fired once per statement that changes activities (AFTER INSERT, UPDATE, DELETE, each with its
-- transition tables), and by the changes no row trigger sees: a TRUNCATE of activities, a
-- type's counts_for_bufdir switched. Leaves a marker that stays until a refresh has seen the
-- change: the trailing edge (refresher process or pg_cron, refresh_pending()) picks up what the
-- debounce or a busy refresh left behind. A plain insert: writers never wait on each other.
--
-- The marker says how far back the change reaches: the earliest occurred_at among the rows the
-- statement inserted, deleted, or updated (old and new values), or -infinity when every tier
-- may have changed (TRUNCATE, a type switched). A refresh compares it with the history
-- boundary as it stands while the refresh holds the log row or the history lock (a move needs
-- both), never as the writer saw it: a writer that started before the boundary moved cannot
-- misfile its change. A statement that changed no row leaves none.
--
-- Only the first change after a refresh NOTIFYs, so writers do not queue on the notification
-- lock. That check reads markers above the last cleared id only (an index range scan over the
-- newest entries), never the deleted markers that wait for VACUUM below it; a marker the check
-- cannot see only costs an extra NOTIFY. enable_seqscan is off in this function to keep it so:
-- costed for its first row at the default selectivity of id > (a column), the EXISTS looks
-- cheapest as a sequential scan, which reads every deleted marker VACUUM has not yet removed.
--
-- SECURITY DEFINER: writers (e.g. Supabase's authenticated) need no privilege on the private
-- schema.
DECLARE
    v_from timestamptz;
BEGIN
    IF TG_OP = 'TRUNCATE' OR TG_TABLE_NAME <> {activities_name} THEN
        v_from := {every_tier};
    ELSIF TG_OP = 'INSERT' THEN
        SELECT pg_catalog.min(n.occurred_at) INTO v_from FROM new_rows AS n;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT pg_catalog.min(o.occurred_at) INTO v_from FROM old_rows AS o;
    ELSE
        SELECT LEAST(
                   (SELECT pg_catalog.min(o.occurred_at) FROM old_rows AS o),
                   (SELECT pg_catalog.min(n.occurred_at) FROM new_rows AS n))
          INTO v_from;
    END IF;
    IF v_from IS NULL THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT FROM {private}.{pending_changes} AS p
                    WHERE p.id > (SELECT l.pending_cleared_through
                                    FROM {private}.{refresh_log} AS l)) THEN
        PERFORM pg_catalog.pg_notify({changes_channel}, '');
    END IF;
    INSERT INTO {private}.{pending_changes} (touched_from) VALUES (v_from);
    RETURN NULL;
END
$function$
