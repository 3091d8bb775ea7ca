-- One's own chapter assignments. Writes: service_role.
CREATE POLICY coordinator_chapters_select ON {public}.{coordinator_chapters}
    AS PERMISSIVE FOR SELECT TO {authenticated}
    USING (coordinator_id = (SELECT auth.uid()));
