-- The waiting counts of migration 032, without a row every clerk of a queue waits for.
--
-- A ticket leaving the queue is counted on a row of the counter that called it: clerks calling from one queue no
-- longer take turns on its single count row (each held it until its transaction committed: measured with 8 clerks
-- in one queue, 3.6 ms of every "next" was spent waiting for it). A queue's count is the sum of its rows (one per
-- counter that called from it, one for the rest), which every reader already takes.
ALTER TABLE waiting_counts ADD COLUMN shard text NOT NULL DEFAULT '';
ALTER TABLE waiting_counts DROP CONSTRAINT waiting_counts_pkey;
ALTER TABLE waiting_counts ADD PRIMARY KEY (office_id, service_code, priority, shard);

CREATE OR REPLACE FUNCTION count_waiting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'waiting' THEN
        -- Called (or moved) from the queue by a counter: that counter's row, which only its own clerk writes.
        INSERT INTO waiting_counts AS w (office_id, service_code, priority, shard, waiting)
        VALUES (OLD.office_id, OLD.service_code, OLD.priority IS NOT NULL,
                CASE WHEN TG_OP = 'UPDATE' AND NEW.status <> 'waiting' THEN coalesce(NEW.counter_id, '') ELSE '' END,
                -1)
        ON CONFLICT (office_id, service_code, priority, shard) DO UPDATE SET waiting = w.waiting - 1;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'waiting' THEN
        INSERT INTO waiting_counts AS w (office_id, service_code, priority, shard, waiting)
        VALUES (NEW.office_id, NEW.service_code, NEW.priority IS NOT NULL, '', 1)
        ON CONFLICT (office_id, service_code, priority, shard) DO UPDATE SET waiting = w.waiting + 1;
    END IF;
    RETURN NULL;
END
$$;

-- How many wait ahead of a new ticket of (office, service): every waiting one, or the priority ones only for a
-- priority ticket. VOLATILE plpgsql on purpose: its query takes a snapshot of its own when it runs. Issuing calls it
-- after its statement has taken the number (services.store.issuing), so it counts every ticket numbered before,
-- including those committed while the statement waited for the number's row; the statement's own snapshot, taken
-- before that wait, would miss them.
CREATE FUNCTION waiting_ahead(office text, service text, priority_ticket boolean) RETURNS integer
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN (SELECT coalesce(sum(w.waiting), 0)::int FROM waiting_counts w
             WHERE w.office_id = office AND w.service_code = service AND (w.priority OR NOT priority_ticket));
END
$$;
