-- Offices, their services and counters, tickets, and the transactional outbox.
CREATE TABLE offices (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    timezone    text NOT NULL DEFAULT 'Asia/Ho_Chi_Minh',
    settings    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE services (
    office_id   text NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    code        text NOT NULL,
    name        text NOT NULL,
    name_en     text NOT NULL DEFAULT '',
    field       text NOT NULL DEFAULT '',
    prefix      text,
    width       int  NOT NULL DEFAULT 3,
    start       int  NOT NULL DEFAULT 0,
    position    int  NOT NULL DEFAULT 0,
    active      boolean NOT NULL DEFAULT true,
    PRIMARY KEY (office_id, code)
);

CREATE TABLE counters (
    office_id    text NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    id           text NOT NULL,
    name         text NOT NULL,
    services     text[] NOT NULL DEFAULT '{}',
    paused       boolean NOT NULL DEFAULT false,
    active       boolean NOT NULL DEFAULT true,
    -- recent calls, oldest first: 'P' priority, 'N' normal (for the fairness rule)
    recent_calls text NOT NULL DEFAULT '',
    PRIMARY KEY (office_id, id)
);

-- One row per office, service and local day; its row lock serialises numbering.
CREATE TABLE number_sequences (
    office_id    text NOT NULL,
    service_code text NOT NULL,
    local_day    date NOT NULL,
    last_seq     int  NOT NULL,
    PRIMARY KEY (office_id, service_code, local_day)
);

CREATE TABLE tickets (
    id              uuid PRIMARY KEY,
    office_id       text NOT NULL,
    service_code    text NOT NULL,
    origin_service  text NOT NULL,
    local_day       date NOT NULL,
    seq             int  NOT NULL,
    number          text NOT NULL,
    priority        text,
    status          text NOT NULL CHECK (status IN ('waiting','called','serving','done','no_show','cancelled')),
    counter_id      text,
    for_counter     text,
    issued_at       timestamptz NOT NULL,
    queued_at       timestamptz NOT NULL,
    called_at       timestamptz,
    started_at      timestamptz,
    finished_at     timestamptz,
    skipped_at      timestamptz,
    recall_count    int NOT NULL DEFAULT 0,
    transfer_count  int NOT NULL DEFAULT 0,
    idempotency_key text,
    -- A number is never issued twice, whatever the concurrency.
    UNIQUE (office_id, origin_service, local_day, seq),
    UNIQUE (office_id, idempotency_key)
);
CREATE INDEX tickets_waiting ON tickets (office_id, service_code, queued_at) WHERE status = 'waiting';
CREATE INDEX tickets_finished ON tickets (office_id, service_code, finished_at DESC) WHERE status = 'done';
CREATE INDEX tickets_called ON tickets (office_id, called_at DESC) WHERE called_at IS NOT NULL;
-- A counter holds at most one current ticket, and a ticket sits at one counter.
CREATE UNIQUE INDEX tickets_one_current_per_counter ON tickets (office_id, counter_id)
    WHERE status IN ('called', 'serving');

CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    subject      text NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
