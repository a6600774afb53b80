ALTER TABLE tasks ADD COLUMN effort TEXT;

-- Files a person attached to the task (screenshots, logs, code), put in /task-input for the agent.
CREATE TABLE task_attachments (
  task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  content BLOB NOT NULL,
  PRIMARY KEY (task_id, name)
);
