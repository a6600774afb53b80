CREATE TABLE tasks (
  id INTEGER PRIMARY KEY,
  environment TEXT NOT NULL,
  agent TEXT NOT NULL,
  model TEXT,
  instructions TEXT NOT NULL,
  template TEXT,
  parameters TEXT NOT NULL DEFAULT '{}',
  branches TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL CHECK (status IN ('queued', 'preparing', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
  reason TEXT,
  exit_code INTEGER,
  created_by INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  image TEXT,
  container_id TEXT,
  deadline INTEGER,
  session_id TEXT,
  tokens_in INTEGER NOT NULL DEFAULT 0,
  tokens_out INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  summary TEXT,
  commit_message TEXT,
  diff TEXT,
  files_changed TEXT NOT NULL DEFAULT '[]',
  cancel_requested_by TEXT
);
CREATE INDEX tasks_status ON tasks(status);
CREATE INDEX tasks_created ON tasks(created_at DESC);

CREATE TABLE task_activity (
  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;

-- Where each stored log line came from in the container's output (docker timestamp and its
-- occurrence), so capture resumes after a restart with no line lost or repeated.
ALTER TABLE log_lines ADD COLUMN source TEXT;
