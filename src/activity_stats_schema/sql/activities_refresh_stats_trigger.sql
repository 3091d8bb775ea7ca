CREATE CONSTRAINT TRIGGER activities_refresh_stats
AFTER INSERT OR DELETE OR UPDATE ON {public}.{activities}
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW
-- Evaluated when the row changes, not at commit: only the first changed row of a transaction
-- queues an event (it sets the transaction-local flag), so a 10,000-row insert pays for one
-- refresh check instead of 10,000. A rolled-back savepoint also rolls the flag back.
WHEN (CASE
        WHEN pg_catalog.current_setting({queued_setting}, true) = 'on' THEN false
        ELSE pg_catalog.set_config({queued_setting}, 'on', true) = 'on'
      END)
EXECUTE FUNCTION {private}.{trigger_function}()
