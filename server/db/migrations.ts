import { readdir, readFile } from "node:fs/promises";
import type { Migration } from "./migrate.ts";

const dir = new URL("./migrations/", import.meta.url);

/** Reads server/db/migrations/NNN_name.sql. */
export async function loadMigrations(): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const [, version, name] = file.match(/^(\d+)_([\w-]+)\.sql$/)!;
      return { version: Number(version), name, sql: await readFile(new URL(file, dir), "utf8") };
    }),
  );
}
