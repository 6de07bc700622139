-- "Complete & next" reads everything it decides on in one round trip (services.store.repository.open_counter): the
-- counter with its row lock, then its current ticket and the heads of its queues, each locked. The two functions are
-- VOLATILE plpgsql on purpose: each query inside takes a snapshot of its own when it runs, after the counter's lock
-- is held, so a press that waited for another press at the same counter sees what that one committed (the current
-- ticket it called, the heads it took), exactly as separate statements did.

-- The ticket a counter is calling or serving (at most one: tickets_one_current_per_counter), locked.
CREATE FUNCTION counter_current_ticket(_office text, _counter text) RETURNS SETOF tickets
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN QUERY SELECT * FROM tickets t
                  WHERE t.office_id = _office AND t.counter_id = _counter AND t.status IN ('called', 'serving')
                  FOR UPDATE;
END
$$;

-- The first waiting ticket of each queue of services _services (priority and normal), and the first of those sent
-- to counter _counter, in index order, each locked, skipping those other clerks hold at this moment (FOR UPDATE
-- SKIP LOCKED): clerks of one office pick at the same time, and never the same ticket.
CREATE FUNCTION counter_heads(_office text, _services text[], _counter text) RETURNS SETOF tickets
    LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN QUERY
        SELECT h.* FROM unnest(_services) AS s(code), unnest(ARRAY[true, false]) AS p(prio),
               LATERAL (SELECT * FROM tickets t
                         WHERE t.office_id = _office AND t.status = 'waiting' AND t.service_code = s.code
                           AND t.for_counter IS NULL AND (t.priority IS NOT NULL) = p.prio
                         ORDER BY t.queued_at, t.seq LIMIT 1 FOR UPDATE SKIP LOCKED) AS h
        UNION ALL
        SELECT f.* FROM (SELECT * FROM tickets t
                          WHERE t.office_id = _office AND t.status = 'waiting' AND t.for_counter = _counter
                            AND t.service_code = ANY(_services)
                          ORDER BY t.queued_at, t.seq LIMIT 1 FOR UPDATE SKIP LOCKED) AS f;
END
$$;
