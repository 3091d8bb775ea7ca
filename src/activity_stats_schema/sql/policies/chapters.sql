-- A chapter is visible to its coordinators and to its peer mentors. Writes: service_role.
CREATE POLICY chapters_select ON {public}.{chapters}
    AS PERMISSIVE FOR SELECT TO {authenticated}
    USING (id = ANY ((SELECT {private}.{coordinated_chapters}())::bigint[])
           OR EXISTS (SELECT FROM {public}.{peer_mentors} AS pm
                      WHERE pm.chapter_id = chapters.id
                        AND pm.id = ANY ((SELECT {private}.{own_peer_mentors}())::bigint[])));
