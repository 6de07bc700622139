-- Projections of the event stream (services.store.projection): how far each has applied the stream, so a restart
-- carries on where it stopped and a rebuild starts again from the first event.
CREATE TABLE projections (
    name        text PRIMARY KEY,
    stream_seq  bigint NOT NULL DEFAULT 0,       -- the last stream sequence applied
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The feedback service: the tickets served at a counter (projected from ticket.completed, with the clerk who
-- completed them), and one satisfaction vote per ticket.
CREATE TABLE feedback_served (
    ticket_id     uuid PRIMARY KEY,
    office_id     text NOT NULL,
    number        text NOT NULL,
    counter_id    text,
    clerk         text,                            -- the username of who completed it
    service_code  text NOT NULL,
    procedure     text,
    local_day     date NOT NULL,
    completed_at  timestamptz NOT NULL
);
CREATE INDEX feedback_served_day ON feedback_served (local_day);

CREATE TABLE ratings (
    ticket_id     uuid PRIMARY KEY,                -- one vote per ticket
    vote_id       uuid NOT NULL UNIQUE,            -- the voter's own id of this vote: a retry is recognised
    office_id     text NOT NULL,
    counter_id    text,
    clerk         text,
    service_code  text NOT NULL,
    procedure     text,
    local_day     date NOT NULL,
    level         smallint NOT NULL,
    scale         smallint NOT NULL CHECK (level BETWEEN 1 AND scale),
    reasons       text[] NOT NULL DEFAULT '{}',
    via           text NOT NULL CHECK (via IN ('tablet', 'phone', 'staff')),
    device_id     text,
    created_at    timestamptz NOT NULL
);
CREATE INDEX ratings_office_day ON ratings (office_id, local_day);

-- The stats service: one row per ticket, kept current from the ticket events (a projection: rebuilt from the stream
-- it comes out the same). The covering index serves every figure of one office over any range without the table.
CREATE TABLE stats_offices (
    office_id     text PRIMARY KEY,
    name          text NOT NULL,
    timezone      text NOT NULL,
    province      text,                            -- province code
    province_name text,
    wait_alert_s  int NOT NULL DEFAULT 1800,
    rating_scale  smallint NOT NULL DEFAULT 5,
    opening_time  text NOT NULL DEFAULT '07:30',
    closing_time  text NOT NULL DEFAULT '17:30',
    service_names jsonb NOT NULL DEFAULT '{}',
    counter_names jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX stats_offices_province ON stats_offices (province) WHERE province IS NOT NULL;

CREATE TABLE stats_tickets (
    ticket_id       uuid PRIMARY KEY,
    office_id       text NOT NULL,
    local_day       date NOT NULL,
    number          text NOT NULL,
    service_code    text NOT NULL,                 -- the service the citizen came for (origin)
    procedure       text,
    priority        boolean NOT NULL DEFAULT false,
    issued_at       timestamptz NOT NULL,
    issued_hour     smallint NOT NULL,             -- local hour of issue, 0–23
    first_called_at timestamptz,
    started_at      timestamptz,
    finished_at     timestamptz,
    outcome         text NOT NULL,                 -- waiting | called | serving | served | no_show | cancelled | expired
    counter_id      text,                          -- where it was (last) served or called
    clerk           text,                          -- who served it (or last called it)
    wait_s          real,                          -- issue → first call
    service_s       real,                          -- start (or call) → completion
    transferred     boolean NOT NULL DEFAULT false,
    recalls         smallint NOT NULL DEFAULT 0,
    rating          smallint,
    rating_reasons  text[]
);
CREATE INDEX stats_tickets_office_day ON stats_tickets (office_id, local_day)
    INCLUDE (service_code, counter_id, clerk, issued_hour, outcome, wait_s, service_s, transferred, rating);
CREATE INDEX stats_tickets_office_issued ON stats_tickets (office_id, issued_at, ticket_id);   -- exports, in order

-- One row per office and local day: what the province view ranks, without reading a month of tickets. Recomputed
-- from stats_tickets whenever a day of an office changes (stats_dirty), so it never drifts from it.
CREATE TABLE stats_office_days (
    office_id     text NOT NULL,
    local_day     date NOT NULL,
    issued        int NOT NULL,
    served        int NOT NULL,
    no_show       int NOT NULL,
    cancelled     int NOT NULL,
    expired       int NOT NULL,
    transferred   int NOT NULL,
    waited        int NOT NULL,                    -- tickets with a wait (called at least once)
    wait_sum_s    double precision NOT NULL,
    wait_over     int NOT NULL,                    -- waits longer than the office's alert threshold
    wait_hist     int[] NOT NULL,                  -- counts per bucket of services.domain.stats.WAIT_BUCKETS_S
    timed         int NOT NULL,                    -- tickets with a service time
    service_sum_s double precision NOT NULL,
    ratings       int[] NOT NULL,                  -- votes per level 1..5
    PRIMARY KEY (office_id, local_day)
);
CREATE INDEX stats_office_days_day ON stats_office_days (local_day);

CREATE TABLE stats_dirty (
    office_id  text NOT NULL,
    local_day  date NOT NULL,
    PRIMARY KEY (office_id, local_day)
);
