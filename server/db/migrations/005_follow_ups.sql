-- A follow-up continues a finished task in a new container made from the previous one.
ALTER TABLE tasks ADD COLUMN runs INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN follow_up TEXT;
ALTER TABLE tasks ADD COLUMN container_removed INTEGER NOT NULL DEFAULT 0;
