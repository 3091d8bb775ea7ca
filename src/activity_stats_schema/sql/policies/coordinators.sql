-- One's own coordinator record. Writes: service_role.
CREATE POLICY coordinators_select ON {public}.{coordinators}
    AS PERMISSIVE FOR SELECT TO {authenticated}
    USING (user_id = (SELECT auth.uid()));
