-- Staff accounts, their login sessions, enrolled devices, login attempts (for the lock-out) and the
-- security log. Tokens are stored as SHA-256 digests only: a copy of the database does not log anyone in.
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    display_name  text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'manager', 'clerk')),
    office_id     text,
    counter_id    text,
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text,
    CHECK (role = 'admin' OR office_id IS NOT NULL)
);
CREATE INDEX users_office ON users (office_id);

CREATE TABLE sessions (
    token_hash  bytea PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf        text NOT NULL,
    address     text NOT NULL DEFAULT '',
    user_agent  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE devices (
    id           uuid PRIMARY KEY,
    office_id    text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('kiosk', 'display', 'tablet')),
    name         text NOT NULL,
    counter_id   text,
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text,
    revoked_at   timestamptz,
    revoked_by   text
);
CREATE INDEX devices_office ON devices (office_id);

CREATE TABLE login_attempts (
    id        bigserial PRIMARY KEY,
    username  text NOT NULL,
    address   text NOT NULL,
    at        timestamptz NOT NULL,
    ok        boolean NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts (username, at DESC);
CREATE INDEX login_attempts_address ON login_attempts (address, at DESC) WHERE NOT ok;

-- Append-only: who did what to accounts and devices, and every refused login.
CREATE TABLE security_log (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    actor      text NOT NULL,
    action     text NOT NULL,
    target     text NOT NULL DEFAULT '',
    office_id  text,
    detail     jsonb NOT NULL DEFAULT '{}'::jsonb
);
