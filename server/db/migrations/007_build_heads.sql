-- The commit of each repository a build baked in: a task on another branch brings only what differs.
ALTER TABLE builds ADD COLUMN repo_heads TEXT NOT NULL DEFAULT '{}';
