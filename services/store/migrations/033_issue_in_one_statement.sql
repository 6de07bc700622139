-- A ticket is issued in one statement (services.store.issuing): the number taken, the ticket and its event
-- written together and its place in the queue read, with no BEGIN and COMMIT round trips around them. What Python
-- did between those steps is done here instead, each the same as its Python twin
-- (tests/integration/test_issue_statement.py holds them equal).

-- Issuing keeps a copy of each office's configuration (its rules, its services' names and number formats) and
-- writes only while the copy is current: every change of the office's configuration moves this on
-- (repository.upsert_office), and a statement made from an older copy writes nothing and is made again.
ALTER TABLE offices ADD COLUMN config_version bigint NOT NULL DEFAULT 1;

-- Issue times follow the numbers: a number is issued no earlier than the one before it, even when the issuer that
-- read its clock later took the row lock first.
ALTER TABLE number_sequences ADD COLUMN last_issued_at timestamptz;

-- services.domain.numbering.NumberFormat.label: "HT-015" (prefix, dash, padded to `width`, never cut), or
-- `start + seq` without a prefix.
CREATE FUNCTION ticket_label(prefix text, width int, start int, seq int) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN prefix IS NULL THEN (start::bigint + seq)::text
                WHEN length(seq::text) >= width THEN prefix || '-' || seq::text
                ELSE prefix || '-' || lpad(seq::text, width, '0') END
$$;

-- Python's datetime.isoformat() of a UTC time (services.ticketing.views._iso): microseconds only when not zero.
CREATE FUNCTION iso_utc(ts timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char(ts AT TIME ZONE 'UTC',
                   CASE WHEN extract(microseconds FROM ts)::bigint % 1000000 = 0
                        THEN 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'
                        ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"' END)
$$;

-- Migration 032 wrote its own "LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE" into the body of this trigger
-- function by mistake: every new waiting ticket locked the whole tickets table until its transaction ended, which
-- serialised issuing across all offices and made two writers that both held a row lock deadlock (PostgreSQL broke
-- each such tie after deadlock_timeout, 1 s). The function as it was meant to be: the two counts, no table lock.
CREATE OR REPLACE FUNCTION count_waiting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'waiting' THEN
        UPDATE waiting_counts SET waiting = waiting - 1
         WHERE office_id = OLD.office_id AND service_code = OLD.service_code
           AND priority = (OLD.priority IS NOT NULL);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'waiting' THEN
        INSERT INTO waiting_counts (office_id, service_code, priority, waiting)
        VALUES (NEW.office_id, NEW.service_code, NEW.priority IS NOT NULL, 1)
        ON CONFLICT (office_id, service_code, priority) DO UPDATE SET waiting = waiting_counts.waiting + 1;
    END IF;
    RETURN NULL;
END
$$;
