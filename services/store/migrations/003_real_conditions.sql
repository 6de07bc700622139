-- Tickets carry a version (every change adds one: screens ignore an older event), the procedure chosen at the
-- kiosk and the identified citizen; unfinished tickets expire at the office's closing time.
ALTER TABLE tickets ADD COLUMN version int NOT NULL DEFAULT 1;
ALTER TABLE tickets ADD COLUMN procedure text;
ALTER TABLE tickets ADD COLUMN citizen_id uuid;
ALTER TABLE tickets DROP CONSTRAINT tickets_status_check;
ALTER TABLE tickets ADD CONSTRAINT tickets_status_check
    CHECK (status IN ('waiting', 'called', 'serving', 'done', 'no_show', 'cancelled', 'expired'));

-- "Next" reads the head of each queue in index order: the same cost on a queue of 100 or 30,000.
CREATE INDEX tickets_queue_heads ON tickets (office_id, service_code, (priority IS NOT NULL), queued_at, seq)
    WHERE status = 'waiting' AND for_counter IS NULL;
CREATE INDEX tickets_directed_heads ON tickets (office_id, for_counter, queued_at, seq)
    WHERE status = 'waiting' AND for_counter IS NOT NULL;
DROP INDEX tickets_waiting;
CREATE INDEX tickets_waiting ON tickets (office_id, queued_at, seq) WHERE status = 'waiting';
-- Tickets left unfinished, found by the expiry at closing time.
CREATE INDEX tickets_unfinished ON tickets (office_id, local_day)
    WHERE status IN ('waiting', 'called', 'serving', 'no_show');

-- Counters change under a version too (pause, resume), for the same reason.
ALTER TABLE counters ADD COLUMN version int NOT NULL DEFAULT 1;

-- The kiosk's procedures of each service (name, pictogram, shown on the first screen or not).
ALTER TABLE services ADD COLUMN procedures jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE services ADD COLUMN icon text;

-- Published outbox rows are pruned after a retention period.
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;
