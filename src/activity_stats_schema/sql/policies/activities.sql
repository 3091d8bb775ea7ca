-- A coordinator reads and writes activities of their chapters (proxy registrations included:
-- the (peer_mentor_id, chapter_id) foreign key keeps the mentor in that chapter); a peer mentor
-- reads and writes their own. New rows must name the caller as registered_by. anon: nothing.
CREATE POLICY activities_select ON {public}.{activities}
    AS PERMISSIVE FOR SELECT TO {authenticated}
    USING (chapter_id = ANY ((SELECT {private}.{coordinated_chapters}())::bigint[])
           OR peer_mentor_id = ANY ((SELECT {private}.{own_peer_mentors}())::bigint[]));

CREATE POLICY activities_insert ON {public}.{activities}
    AS PERMISSIVE FOR INSERT TO {authenticated}
    WITH CHECK (registered_by = (SELECT auth.uid())
                AND (chapter_id = ANY ((SELECT {private}.{coordinated_chapters}())::bigint[])
                     OR peer_mentor_id = ANY ((SELECT {private}.{own_peer_mentors}())::bigint[])));

-- USING picks the rows one may change; WITH CHECK refuses moving one out of one's scope.
CREATE POLICY activities_update ON {public}.{activities}
    AS PERMISSIVE FOR UPDATE TO {authenticated}
    USING (chapter_id = ANY ((SELECT {private}.{coordinated_chapters}())::bigint[])
           OR peer_mentor_id = ANY ((SELECT {private}.{own_peer_mentors}())::bigint[]))
    WITH CHECK (chapter_id = ANY ((SELECT {private}.{coordinated_chapters}())::bigint[])
                OR peer_mentor_id = ANY ((SELECT {private}.{own_peer_mentors}())::bigint[]));

CREATE POLICY activities_delete ON {public}.{activities}
    AS PERMISSIVE FOR DELETE TO {authenticated}
    USING (chapter_id = ANY ((SELECT {private}.{coordinated_chapters}())::bigint[])
           OR peer_mentor_id = ANY ((SELECT {private}.{own_peer_mentors}())::bigint[]));
