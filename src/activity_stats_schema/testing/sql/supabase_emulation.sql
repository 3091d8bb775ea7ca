-- What a Supabase project provides and this library relies on, for servers that are not
-- Supabase (the embedded test server). Never part of the migrations: on Supabase all of this
-- already exists. Safe to run more than once.

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'anon') THEN
        CREATE ROLE anon NOLOGIN NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
        CREATE ROLE authenticated NOLOGIN NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
        CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
    END IF;
    -- PostgREST logs in as authenticator and switches role per request (SET LOCAL ROLE).
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'authenticator') THEN
        CREATE ROLE authenticator LOGIN NOINHERIT;
    END IF;
END
$roles$;

GRANT anon, authenticated, service_role TO authenticator;

-- Supabase's statement timeouts for API requests (its "Timeouts" guide): anon 3 s,
-- authenticated 8 s, and authenticator's 8 s for whatever sets none (service_role). PostgREST
-- (>= 11.1) applies the impersonated role's settings to each request's transaction, and
-- as_api_user does the same; a SET ROLE alone applies none of them. A role that already has a
-- statement_timeout (a server that is Supabase's, or set by hand) keeps it.
DO $timeouts$
DECLARE
    v_role    text;
    v_timeout text;
BEGIN
    FOR v_role, v_timeout IN
        VALUES ('anon', '3s'), ('authenticated', '8s'), ('authenticator', '8s')
    LOOP
        IF NOT EXISTS (
            SELECT FROM pg_catalog.pg_db_role_setting AS s
              JOIN pg_catalog.pg_roles AS r ON r.oid = s.setrole
             WHERE r.rolname = v_role AND s.setdatabase = 0
               AND EXISTS (SELECT FROM unnest(s.setconfig) AS c
                            WHERE c LIKE 'statement\_timeout=%')
        ) THEN
            EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', v_role, v_timeout);
        END IF;
    END LOOP;
END
$timeouts$;

CREATE SCHEMA IF NOT EXISTS auth;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;

-- auth.uid() as Supabase defines it: the JWT's subject, from the per-request claims.
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE
AS $$
    SELECT nullif(coalesce(
        current_setting('request.jwt.claim.sub', true),
        (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')
    ), '')::uuid
$$;

CREATE OR REPLACE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT nullif(coalesce(
        current_setting('request.jwt.claim.role', true),
        (current_setting('request.jwt.claims', true)::jsonb ->> 'role')
    ), '')::text
$$;

GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;

-- Supabase's default privileges: everything the migrating role creates in public is granted
-- to the API roles; row-level security is what keeps data apart.
ALTER DEFAULT PRIVILEGES FOR ROLE {migrating_role} IN SCHEMA public
    GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE {migrating_role} IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE {migrating_role} IN SCHEMA public
    GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
