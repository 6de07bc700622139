-- The identity service's tables: citizens as read from their ID card, their consents, their face encodings
-- (sealed with AES-256-GCM by the service; the key is never stored here) and the append-only log of every use of
-- a citizen's data. Biometric data is sensitive personal data (Nghị định 13/2023/NĐ-CP).
CREATE TABLE citizens (
    id             uuid PRIMARY KEY,
    id_number      text NOT NULL UNIQUE CHECK (id_number ~ '^[0-9]{12}$'),
    old_id_number  text,
    name           text NOT NULL,
    birth_date     date NOT NULL,
    sex            text NOT NULL CHECK (sex IN ('Nam', 'Nữ')),
    address        text NOT NULL,
    issue_date     date NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per consent given: when, for what, where, taken by whom; withdrawn once, never deleted.
CREATE TABLE citizen_consents (
    id            bigserial PRIMARY KEY,
    citizen_id    uuid NOT NULL REFERENCES citizens (id),
    purpose       text NOT NULL,
    office_id     text,
    granted_at    timestamptz NOT NULL DEFAULT now(),
    granted_by    text NOT NULL,
    withdrawn_at  timestamptz,
    withdrawn_by  text
);
CREATE INDEX citizen_consents_active ON citizen_consents (citizen_id) WHERE withdrawn_at IS NULL;

-- At most one face per citizen, under a live consent. `key_id` names the key that sealed it (rotation);
-- the ciphertext is bound to the citizen's id (AES-GCM associated data), so it cannot be moved to another row.
CREATE TABLE face_encodings (
    citizen_id   uuid PRIMARY KEY REFERENCES citizens (id),
    consent_id   bigint NOT NULL REFERENCES citizen_consents (id),
    key_id       text NOT NULL,
    nonce        bytea NOT NULL CHECK (length(nonce) = 12),
    ciphertext   bytea NOT NULL,
    enrolled_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX face_encodings_key ON face_encodings (key_id);

-- Who used which citizen's data, when, where and why. `citizen_id` is NULL for a face that matched nobody.
CREATE TABLE citizen_audit (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    citizen_id  uuid,
    action      text NOT NULL,
    outcome     text NOT NULL,
    purpose     text NOT NULL,
    office_id   text,
    actor_type  text NOT NULL,
    actor_id    text NOT NULL,
    actor       text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX citizen_audit_citizen ON citizen_audit (citizen_id, id);

CREATE FUNCTION citizen_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'citizen_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER citizen_audit_no_update_delete BEFORE UPDATE OR DELETE ON citizen_audit
    FOR EACH ROW EXECUTE FUNCTION citizen_audit_append_only();
CREATE TRIGGER citizen_audit_no_truncate BEFORE TRUNCATE ON citizen_audit
    FOR EACH STATEMENT EXECUTE FUNCTION citizen_audit_append_only();

-- A consent is proof: it may be withdrawn once, and is otherwise never changed or deleted.
CREATE FUNCTION citizen_consents_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.withdrawn_at IS NULL AND NEW.withdrawn_at IS NOT NULL
       AND (NEW.id, NEW.citizen_id, NEW.purpose, NEW.office_id, NEW.granted_at, NEW.granted_by)
           IS NOT DISTINCT FROM (OLD.id, OLD.citizen_id, OLD.purpose, OLD.office_id, OLD.granted_at, OLD.granted_by)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'citizen_consents: only a withdrawal may change a consent (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER citizen_consents_keep BEFORE UPDATE OR DELETE ON citizen_consents
    FOR EACH ROW EXECUTE FUNCTION citizen_consents_keep();
