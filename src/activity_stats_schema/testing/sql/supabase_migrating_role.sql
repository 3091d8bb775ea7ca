-- A role with the attributes of the role Supabase runs migrations as (its "postgres"): not a
-- superuser, so what it creates and the SECURITY DEFINER functions it owns have only the rights
-- a Supabase project's own objects have. For servers that are not Supabase (the tests); never
-- part of the migrations.
CREATE ROLE {migrating_role} LOGIN PASSWORD {password}
    NOSUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS;
