-- Reference data every signed-in user needs to register an activity. Writes: service_role.
CREATE POLICY activity_types_select ON {public}.{activity_types}
    AS PERMISSIVE FOR SELECT TO {authenticated}
    USING (true);
