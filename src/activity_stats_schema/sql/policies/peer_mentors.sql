-- Peer mentors of one's chapters, and one's own record. Writes: service_role.
CREATE POLICY peer_mentors_select ON {public}.{peer_mentors}
    AS PERMISSIVE FOR SELECT TO {authenticated}
    USING (chapter_id = ANY ((SELECT {private}.{coordinated_chapters}())::bigint[])
           OR user_id = (SELECT auth.uid()));
