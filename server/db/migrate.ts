import type { Database } from "./database.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Applies, in order, every numbered migration the database has not seen yet. */
export async function migrate(db: Database, migrations: Migration[]): Promise<number[]> {
  await db.run("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  const applied = new Set((await db.all<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => Number(r.version)));
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    const statements = splitStatements(m.sql).map((sql) => ({ sql, args: [] }));
    statements.push({ sql: "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", args: [m.version, m.name, Date.now()] as never[] });
    try {
      await db.batch(statements);
    } catch (err) {
      // Two processes opening a new installation at once (two CLI commands) both find the
      // migration pending; the one that waited for the other's write lock then fails on it.
      if (await isApplied(db, m.version)) continue;
      throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`);
    }
    done.push(m.version);
  }
  return done;
}

async function isApplied(db: Database, version: number): Promise<boolean> {
  return (await db.get("SELECT 1 FROM schema_migrations WHERE version = ?", [version])) !== undefined;
}

function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
    .filter(Boolean);
}
