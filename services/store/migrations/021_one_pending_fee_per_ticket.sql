-- A ticket waits on one fee at a time: a double tap at the counter, or two clerks at once, cannot put two QR codes
-- for the same citizen on the screens (services.payment.handlers refuses the second with the first one's details).
-- Fees already past their deadline are written as expired; of fees still really pending twice for one ticket (only
-- possible before this migration), the newest stays and the older ones are cancelled, their reason recorded; a
-- transfer for one of them still arrives, as a "late" exception for staff.
UPDATE fees SET status = 'expired', expired_at = now() WHERE status = 'pending' AND expires_at < now();
UPDATE fees SET status = 'cancelled', cancelled_at = now(), cancelled_by = 'system:migration-021',
       cancel_reason = 'Một phiếu chỉ chờ một khoản phí / one pending fee per ticket'
 WHERE status = 'pending' AND id IN (
       SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY ticket_id ORDER BY created_at DESC) AS n
                         FROM fees WHERE status = 'pending') ranked WHERE n > 1);
CREATE UNIQUE INDEX fees_one_pending_per_ticket ON fees (ticket_id) WHERE status = 'pending';
CREATE INDEX fees_office_ticket ON fees (office_id, ticket_id, created_at);
