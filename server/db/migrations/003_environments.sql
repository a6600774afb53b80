CREATE TABLE builds (
  id INTEGER PRIMARY KEY,
  environment TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  trigger TEXT NOT NULL,
  requested_by TEXT,
  tag TEXT,
  image_id TEXT,
  error TEXT,
  failed_step TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER
);
CREATE INDEX builds_environment ON builds(environment, id);

-- Secrets an admin entered in the UI, encrypted with the installation key.
CREATE TABLE environment_secrets (
  environment TEXT NOT NULL,
  key TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  expose_as TEXT NOT NULL CHECK (expose_as IN ('env_var', 'file')),
  target TEXT NOT NULL,
  available_for TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  updated_by TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (environment, key)
);
