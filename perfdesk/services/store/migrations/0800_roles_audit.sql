-- 0800: the database enforces the audit trail of thresholds and expectations, and four
-- roles say who may do what. See docs/storage.md, "Roles and the audit trail".
--
-- * Every threshold version gets its audit row from a trigger (it cannot be skipped),
--   with `db_user` = session_user (the login the database authenticated; it cannot be
--   forged). `actor`/`created_by` stay what the desk claims (its OS user, shown in the
--   UI). A direct INSERT into threshold_audit is refused: audit rows come only from the
--   trigger. Expectation versions carry `db_user` the same way.
-- * Desks write through two SECURITY DEFINER functions (perfdesk_save_thresholds,
--   perfdesk_save_expectations); nobody but the owner has INSERT on those tables.
-- * Roles (NOLOGIN groups; grant them to logins): perfdesk_viewer (read), perfdesk_trader
--   (viewer + acknowledge, snooze, silence), perfdesk_risk (viewer + thresholds,
--   expectations, alert settings), perfdesk_collector (writes the live data).
--
-- Idempotent (IF NOT EXISTS, CREATE OR REPLACE, DROP ... IF EXISTS) and safe for an owner
-- that is not a superuser: without CREATEROLE the roles that do not exist yet are skipped
-- with a NOTICE (an administrator creates them later and re-runs the grants at the end
-- of this file by hand, or perfdesk_grant_roles()); triggers, functions and revokes need
-- only ownership of the tables.

ALTER TABLE threshold_versions ADD COLUMN IF NOT EXISTS action text NOT NULL DEFAULT 'save'
    CHECK (action IN ('save', 'revert', 'import'));
ALTER TABLE threshold_versions ADD COLUMN IF NOT EXISTS db_user text NOT NULL
    DEFAULT session_user;
ALTER TABLE threshold_audit ADD COLUMN IF NOT EXISTS db_user text NOT NULL
    DEFAULT session_user;
ALTER TABLE expectations ADD COLUMN IF NOT EXISTS db_user text NOT NULL
    DEFAULT session_user;

-- Who wrote a version is the session's login, whatever the INSERT said.
CREATE OR REPLACE FUNCTION perfdesk_stamp_db_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.db_user := session_user;
    NEW.created_at := now();
    IF coalesce(NEW.created_by, '') = '' THEN
        NEW.created_by := session_user;
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS threshold_versions_stamp ON threshold_versions;
CREATE TRIGGER threshold_versions_stamp BEFORE INSERT ON threshold_versions
    FOR EACH ROW EXECUTE FUNCTION perfdesk_stamp_db_user();
DROP TRIGGER IF EXISTS expectations_stamp ON expectations;
CREATE TRIGGER expectations_stamp BEFORE INSERT ON expectations
    FOR EACH ROW EXECUTE FUNCTION perfdesk_stamp_db_user();

-- The audit row of every threshold version: old -> new, written by the database.
CREATE OR REPLACE FUNCTION perfdesk_audit_threshold_version() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    previous jsonb;
BEGIN
    SELECT settings INTO previous FROM threshold_versions
     WHERE scope = NEW.scope AND version < NEW.version ORDER BY version DESC LIMIT 1;
    INSERT INTO threshold_audit (scope, version, action, actor, old_settings, new_settings,
                                 comment, db_user)
    VALUES (NEW.scope, NEW.version, NEW.action, NEW.created_by, previous, NEW.settings,
            NEW.comment, NEW.db_user);
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS threshold_versions_audit ON threshold_versions;
CREATE TRIGGER threshold_versions_audit AFTER INSERT ON threshold_versions
    FOR EACH ROW EXECUTE FUNCTION perfdesk_audit_threshold_version();

-- Audit rows come from the trigger above only (trigger depth 2), never from a client.
CREATE OR REPLACE FUNCTION perfdesk_refuse_direct_audit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'threshold_audit rows are written by the database when a threshold version is stored; insert into threshold_versions (perfdesk_save_thresholds) instead'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS threshold_audit_no_direct_insert ON threshold_audit;
CREATE TRIGGER threshold_audit_no_direct_insert BEFORE INSERT ON threshold_audit
    FOR EACH ROW EXECUTE FUNCTION perfdesk_refuse_direct_audit();

-- The one way desks store a threshold set: next version of the scope, serialised per
-- scope, audited by the trigger. `claimed_by` is the desk's name for its user.
CREATE OR REPLACE FUNCTION perfdesk_save_thresholds(
    p_scope text, p_settings jsonb, p_claimed_by text, p_action text, p_comment text
) RETURNS threshold_versions LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    next_version integer;
    saved threshold_versions;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_scope, 7));
    SELECT coalesce(max(version), 0) + 1 INTO next_version
      FROM threshold_versions WHERE scope = p_scope;
    INSERT INTO threshold_versions (scope, version, settings, created_by, comment, action)
    VALUES (p_scope, next_version, p_settings, p_claimed_by, p_comment, p_action)
    RETURNING * INTO saved;
    RETURN saved;
END $$;

CREATE OR REPLACE FUNCTION perfdesk_save_expectations(
    p_strategy_id text, p_source text, p_profile jsonb, p_claimed_by text
) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    next_version integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(p_strategy_id, 8));
    SELECT coalesce(max(version), 0) + 1 INTO next_version
      FROM expectations WHERE strategy_id = p_strategy_id;
    INSERT INTO expectations (strategy_id, version, source, profile, created_by)
    VALUES (p_strategy_id, next_version, p_source, p_profile, p_claimed_by);
    UPDATE strategies SET expectations = p_profile, updated_at = now()
     WHERE strategy_id = p_strategy_id;
    RETURN next_version;
END $$;

-- SECURITY DEFINER functions run with a fixed search_path (no hijack through a schema
-- the caller controls): this schema, then pg_temp last.
DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY[
        'perfdesk_audit_threshold_version()',
        'perfdesk_save_thresholds(text, jsonb, text, text, text)',
        'perfdesk_save_expectations(text, text, jsonb, text)'
    ] LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', f, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END $$;

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON threshold_versions, threshold_audit, expectations
    FROM PUBLIC;

-- Roles and their grants (re-runnable: SELECT perfdesk_grant_roles()).
CREATE OR REPLACE FUNCTION perfdesk_grant_roles() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r text;
    can_create boolean;
    skipped text[] := '{}';
    config_tables text[] := ARRAY['threshold_versions', 'threshold_audit', 'expectations',
                                  'alert_settings_versions', 'schema_migrations'];
    t text;
BEGIN
    SELECT rolsuper OR rolcreaterole INTO can_create FROM pg_roles WHERE rolname = current_user;
    FOREACH r IN ARRAY ARRAY['perfdesk_viewer', 'perfdesk_trader', 'perfdesk_risk',
                             'perfdesk_collector'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            IF can_create THEN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            ELSE
                skipped := skipped || r;
            END IF;
        END IF;
    END LOOP;
    IF cardinality(skipped) > 0 THEN
        RAISE NOTICE 'perfdesk: % cannot create roles (no CREATEROLE); not created: %. An administrator can create them and run REVOKE ALL ON FUNCTION perfdesk_grant_roles() FROM PUBLIC;
SELECT perfdesk_grant_roles();',
            current_user, array_to_string(skipped, ', ');
        RETURN 'skipped: ' || array_to_string(skipped, ', ');
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO perfdesk_viewer, perfdesk_collector',
                   current_schema());
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO perfdesk_viewer, perfdesk_collector',
                   current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO perfdesk_viewer',
                   current_schema());
    BEGIN
        GRANT perfdesk_viewer TO perfdesk_trader, perfdesk_risk;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'perfdesk: % may not grant perfdesk_viewer (no ADMIN OPTION); an administrator runs GRANT perfdesk_viewer TO perfdesk_trader, perfdesk_risk;', current_user;
    END;
    -- trader: acknowledge, snooze, silence (what the collector then applies)
    GRANT INSERT ON client_actions TO perfdesk_trader;
    GRANT INSERT, UPDATE ON alert_silences TO perfdesk_trader;
    -- risk: thresholds and expectations (through the functions), alert timing settings
    GRANT EXECUTE ON FUNCTION perfdesk_save_thresholds(text, jsonb, text, text, text),
                              perfdesk_save_expectations(text, text, jsonb, text)
        TO perfdesk_risk;
    GRANT INSERT ON alert_settings_versions TO perfdesk_risk;
    -- both edit report schedules (the Reports screen)
    GRANT INSERT, UPDATE, DELETE ON report_schedules TO perfdesk_trader, perfdesk_risk;
    -- collector: the live data, alerts, heartbeats, report runs; expectations an engine
    -- declares (through the function); never thresholds or their audit
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
        IF NOT t = ANY (config_tables) THEN
            EXECUTE format('GRANT INSERT, UPDATE, DELETE ON %I TO perfdesk_collector', t);
        END IF;
    END LOOP;
    GRANT EXECUTE ON FUNCTION perfdesk_save_expectations(text, text, jsonb, text)
        TO perfdesk_collector;
    RETURN 'granted';
END $$;

REVOKE ALL ON FUNCTION perfdesk_grant_roles() FROM PUBLIC;
SELECT perfdesk_grant_roles();
