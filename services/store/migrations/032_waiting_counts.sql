-- How many wait in each queue (an office's service; priority or not), kept by triggers on the tickets themselves,
-- whatever changes them: a new ticket's place in the queue is read here in one row instead of counted (a count
-- grows with the queue: 3 ms of PostgreSQL per ticket with 3,000 waiting).
CREATE TABLE waiting_counts (
    office_id    text    NOT NULL,
    service_code text    NOT NULL,
    priority     boolean NOT NULL,
    waiting      integer NOT NULL,
    PRIMARY KEY (office_id, service_code, priority)
);

-- No ticket changes between the count and the triggers (a replica of the old version still running).
LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO waiting_counts (office_id, service_code, priority, waiting)
SELECT office_id, service_code, priority IS NOT NULL, count(*) FROM tickets WHERE status = 'waiting' GROUP BY 1, 2, 3;

CREATE FUNCTION count_waiting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'waiting' THEN
        UPDATE waiting_counts SET waiting = waiting - 1
         WHERE office_id = OLD.office_id AND service_code = OLD.service_code
           AND priority = (OLD.priority IS NOT NULL);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'waiting' THEN
        -- No ticket changes between the count and the triggers (a replica of the old version still running).
LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE;

INSERT INTO waiting_counts (office_id, service_code, priority, waiting)
        VALUES (NEW.office_id, NEW.service_code, NEW.priority IS NOT NULL, 1)
        ON CONFLICT (office_id, service_code, priority) DO UPDATE SET waiting = waiting_counts.waiting + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER tickets_count_new AFTER INSERT ON tickets
    FOR EACH ROW WHEN (NEW.status = 'waiting') EXECUTE FUNCTION count_waiting();
CREATE TRIGGER tickets_count_change AFTER UPDATE OF status, service_code, priority ON tickets
    FOR EACH ROW WHEN ((OLD.status = 'waiting' OR NEW.status = 'waiting')
                       AND (OLD.status, OLD.service_code, OLD.priority IS NULL)
                           IS DISTINCT FROM (NEW.status, NEW.service_code, NEW.priority IS NULL))
    EXECUTE FUNCTION count_waiting();
CREATE TRIGGER tickets_count_gone AFTER DELETE ON tickets
    FOR EACH ROW WHEN (OLD.status = 'waiting') EXECUTE FUNCTION count_waiting();
