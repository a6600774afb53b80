-- Every line of every build and task log, stored before anyone is sent it.
CREATE TABLE log_lines (
  stream TEXT NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  line TEXT NOT NULL,
  PRIMARY KEY (stream, seq)
) WITHOUT ROWID;
