-- Each service's code connects acting as its own role (cs_<service>, see cs_db::connect_as):
-- it may write only the tables its own migrations grant it, and read another service's
-- data only through the read-model views granted to every service (cs_services). Roles are
-- cluster-wide, so creating one that exists (another database, a concurrent run) is no error.
CREATE FUNCTION cs_ensure_role(name text, member_of text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN', name);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    IF member_of IS NOT NULL THEN
        EXECUTE format('GRANT %I TO %I', member_of, name);
    END IF;
END $$;

SELECT cs_ensure_role('cs_services');
-- A service's role: one of the services.
CREATE FUNCTION cs_service_role(name text) RETURNS void
LANGUAGE sql AS $$ SELECT cs_ensure_role(name, 'cs_services') $$;
