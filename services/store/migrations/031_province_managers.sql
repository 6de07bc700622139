-- Province managers: a manager with a province and no office reads the figures of every office of the province
-- (offices name their province in their settings). Every other account keeps its office (admins need none).
ALTER TABLE users ADD COLUMN province text;
ALTER TABLE users DROP CONSTRAINT users_check;
ALTER TABLE users ADD CONSTRAINT users_scope CHECK (
    role = 'admin'
    OR (office_id IS NOT NULL AND province IS NULL)
    OR (role = 'manager' AND office_id IS NULL AND province IS NOT NULL)
);
