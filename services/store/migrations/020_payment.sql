-- The payment service: fees asked at the counters, bank notices exactly as the gateways sent them, the payments they
-- brought, the exceptions a person settles, and receipts numbered per office and year without gaps.

CREATE TABLE fees (
    id              uuid PRIMARY KEY,
    office_id       text NOT NULL,
    reference       text NOT NULL,                      -- MC + 6 characters, written in the transfer's content
    amount          bigint NOT NULL CHECK (amount > 0), -- VND
    description     text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'paid', 'cancelled', 'expired')),
    ticket_id       uuid NOT NULL,
    ticket_number   text NOT NULL,
    counter_id      text,
    office_name     text NOT NULL,                      -- as it was when the fee was asked (the receipt prints it)
    timezone        text NOT NULL,
    bank_bin        text NOT NULL,
    bank_account    text NOT NULL,
    bank_name       text NOT NULL,
    qr              text NOT NULL,                      -- the VietQR payload shown to the citizen
    created_at      timestamptz NOT NULL,
    created_by      text NOT NULL,
    expires_at      timestamptz NOT NULL,
    paid_at         timestamptz,
    payment_id      uuid,                               -- the payment that paid it
    cancelled_at    timestamptz,
    cancelled_by    text,
    cancel_reason   text,
    expired_at      timestamptz,
    idempotency_key text,
    UNIQUE (office_id, reference),
    UNIQUE (office_id, idempotency_key)
);
CREATE INDEX fees_account_reference ON fees (bank_account, reference);
CREATE INDEX fees_pending_expiry ON fees (expires_at) WHERE status = 'pending';
CREATE INDEX fees_office_created ON fees (office_id, created_at);

-- Every authentic notice, once: stored before it is answered, processed after (see services.payment.notices).
CREATE TABLE bank_notices (
    id            uuid PRIMARY KEY,
    gateway       text NOT NULL CHECK (gateway IN ('sepay', 'payos')),
    gateway_key   text NOT NULL UNIQUE,     -- BankTransfer.key; for a notice without one, gateway:sha256:<body>
    body_sha256   bytea NOT NULL,
    raw           bytea NOT NULL,           -- the body exactly as received (never the Authorization header)
    kind          text NOT NULL CHECK (kind IN ('transfer', 'not_paid', 'malformed', 'test', 'conflicting')),
    amount        bigint,                   -- the transfer as parsed (kind 'transfer')
    content       text,
    account       text,
    direction     text,
    occurred_at   timestamptz,
    parse_error   text,
    received_at   timestamptz NOT NULL,
    repeats       int NOT NULL DEFAULT 0,   -- how many times the gateway sent it again
    last_seen_at  timestamptz NOT NULL,
    processed_at  timestamptz,
    outcome       text,                     -- services.domain.fee_matching outcome, or the kind
    office_id     text
);
CREATE INDEX bank_notices_unprocessed ON bank_notices (received_at) WHERE processed_at IS NULL;

-- Money received: one row per incoming transfer, applied to a fee or waiting in an exception.
CREATE TABLE payments (
    id           uuid PRIMARY KEY,
    notice_id    uuid NOT NULL UNIQUE REFERENCES bank_notices (id),
    office_id    text,
    gateway      text NOT NULL,
    amount       bigint NOT NULL,
    content      text NOT NULL,
    account      text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL,
    fee_id       uuid REFERENCES fees (id),
    applied_at   timestamptz
);
CREATE INDEX payments_office_time ON payments (office_id, occurred_at);
CREATE UNIQUE INDEX payments_one_per_fee ON payments (fee_id) WHERE fee_id IS NOT NULL;

CREATE TABLE payment_exceptions (
    id            uuid PRIMARY KEY,
    office_id     text,                    -- NULL: the receiving account is no known office's; admins settle it
    kind          text NOT NULL,           -- unmatched underpaid overpaid late duplicate_reference malformed conflicting
    notice_id     uuid NOT NULL REFERENCES bank_notices (id),
    payment_id    uuid REFERENCES payments (id),
    fee_id        uuid REFERENCES fees (id),
    amount        bigint,
    created_at    timestamptz NOT NULL,
    resolved_at   timestamptz,
    resolved_by   text,
    resolution    text,
    resolved_fee  uuid REFERENCES fees (id)
);
CREATE INDEX payment_exceptions_office ON payment_exceptions (office_id, created_at);

-- One row per office and year; its row lock hands out receipt numbers one at a time, inside the transaction that
-- records the payment, so a rolled-back payment gives its number back and no number is skipped.
CREATE TABLE receipt_sequences (
    office_id    text NOT NULL,
    year         int  NOT NULL,
    last_number  int  NOT NULL,
    PRIMARY KEY (office_id, year)
);

CREATE TABLE receipts (
    id          uuid PRIMARY KEY,              -- unguessable: the citizen's key to the receipt
    office_id   text NOT NULL,
    year        int  NOT NULL,
    number      int  NOT NULL CHECK (number > 0),
    fee_id      uuid NOT NULL UNIQUE REFERENCES fees (id),
    payment_id  uuid NOT NULL REFERENCES payments (id),
    issued_at   timestamptz NOT NULL,
    content     jsonb NOT NULL,                -- what the receipt says, frozen when issued
    UNIQUE (office_id, year, number)
);

-- An issued receipt is never changed nor deleted, so its number is never used twice.
CREATE FUNCTION receipts_are_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'receipts are final: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER receipts_are_final BEFORE UPDATE OR DELETE ON receipts
    FOR EACH ROW EXECUTE FUNCTION receipts_are_final();
