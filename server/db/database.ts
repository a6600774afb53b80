import { closeSync, constants, openSync, readSync, realpathSync, watch, writeSync, type FSWatcher } from "node:fs";
import { createClient, type Client, type InStatement } from "@libsql/client";
import Libsql from "libsql";

export type SqlValue = string | number | bigint | null | Uint8Array;

/**
 * The one path to the database. Every write is queued through the @libsql/client client,
 * because the local libsql driver blocks the event loop while it waits on a write lock, so two
 * overlapping write transactions would stall the server. Reads go to a connection of their own
 * (see Reader).
 */
export class Database {
  #tail: Promise<unknown> = Promise.resolve();
  #reader: Reader | undefined;
  #changes: ChangeStamp;

  constructor(
    readonly client: Client,
    private path: string,
  ) {
    this.#changes = new ChangeStamp(`${path}-changes`);
  }

  static open(path: string): Database {
    return new Database(createClient({ url: `file:${path}`, timeout: BUSY_TIMEOUT_MS }), path);
  }

  /**
   * A value that changes after every write through any Database on this file, from this
   * process or another (the CLI): what was read while it stays the same is still current.
   * Writes made outside CoderFlow (a sqlite3 shell) do not change it.
   */
  changeStamp(): number {
    return this.#changes.read();
  }

  async all<T = Record<string, unknown>>(sql: string, args: SqlValue[] = []): Promise<T[]> {
    return this.#read().all(sql, args) as T[];
  }

  async get<T = Record<string, unknown>>(sql: string, args: SqlValue[] = []): Promise<T | undefined> {
    return this.#read().get(sql, args) as T | undefined;
  }

  /** Runs one write statement through the queue; resolves with the rows affected and last id. */
  run(sql: string, args: SqlValue[] = []): Promise<{ changes: number; lastId: number }> {
    return this.#enqueue(async () => {
      const r = await this.client.execute({ sql, args }).finally(() => this.#changes.bump());
      return { changes: r.rowsAffected, lastId: Number(r.lastInsertRowid ?? 0) };
    });
  }

  /** Runs several statements atomically through the queue. */
  batch(statements: InStatement[]): Promise<void> {
    return this.#enqueue(async () => {
      await this.client.batch(statements, "write").finally(() => this.#changes.bump());
    });
  }

  // Opened at the first read, after openDatabase has set the file up (WAL, migrations).
  #read(): Reader {
    return (this.#reader ??= new Reader(this.path));
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(work, work);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.#tail;
    this.#reader?.close();
    this.client.close();
    this.#changes.close();
  }
}

const STATEMENT_CACHE_SIZE = 256;

// How long a statement waits for another process's lock (a CLI command next to the server, two
// CLI commands on a new installation) before failing with SQLITE_BUSY. Given when each connection
// opens, because a PRAGMA would only reach the one connection it ran on.
const BUSY_TIMEOUT_MS = 5000;

/**
 * Reads on the driver underneath @libsql/client, with each statement prepared once. The client
 * prepares every statement again on each call and reads its column names twice: for the one
 * query behind every signed-in page that was ~60 µs against ~7 µs here, most of a page's cost.
 * Only SELECTs come here, so this connection never takes the write lock; in WAL mode each read
 * sees every write committed before it, from this process or another (the CLI).
 */
class Reader {
  #db: Libsql.Database;
  #statements = new Map<string, { statement: Libsql.Statement; columns: string[] }>();

  constructor(path: string) {
    this.#db = new Libsql(path, { timeout: BUSY_TIMEOUT_MS });
  }

  all(sql: string, args: SqlValue[]): Record<string, unknown>[] {
    const { statement, columns } = this.#prepared(sql);
    return (statement.all(...args) as unknown[][]).map((values) => toRow(columns, values));
  }

  get(sql: string, args: SqlValue[]): Record<string, unknown> | undefined {
    const { statement, columns } = this.#prepared(sql);
    const values = statement.get(...args) as unknown[] | undefined;
    return values && toRow(columns, values);
  }

  #prepared(sql: string) {
    let entry = this.#statements.get(sql);
    if (!entry) {
      const statement = this.#db.prepare(sql).raw(true);
      entry = { statement, columns: statement.columns().map((c) => c.name) };
      // Statements built with a varying IN list must not grow the cache without bound.
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.delete(this.#statements.keys().next().value!);
      this.#statements.set(sql, entry);
    }
    return entry;
  }

  close(): void {
    this.#db.close();
  }
}

function toRow(columns: string[], values: unknown[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) row[columns[i]] = values[i];
  return row;
}

/**
 * Eight random bytes in a file beside the database, rewritten after each write (after its
 * commit, so a reader that sees the old value read before the new rows were visible). Random
 * rather than a counter, so two processes writing at once cannot both write the same value.
 *
 * Reading it costs no system call while the file is watched: a write by this process counts at
 * once (every Database of the process on the file, see `local`), a write by another process (the
 * CLI) through the watch. The kernel queues that event during the other process's write, and the
 * event loop handles ready files in the order they became ready, so the event is handled before
 * any request sent after the write. Where no watch can be set, or under Deno (whose watch events
 * arrive later, batched), each read is a pread of the file instead.
 */
class ChangeStamp {
  #fd: number;
  #buffer = new Uint32Array(2);
  #bytes = new Uint8Array(this.#buffer.buffer);
  #watcher: FSWatcher | undefined;
  #changes = 0;
  #path: string;

  // The ChangeStamps of this process on each file: a write through one moves them all at once.
  static local = new Map<string, Set<ChangeStamp>>();

  constructor(path: string) {
    // Not O_APPEND: Linux would append every positioned write.
    this.#fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o600);
    this.#path = realpathSync(path);
    if (readSync(this.#fd, this.#bytes, 0, 8, 0) < 8) this.bump();
    if (!("Deno" in globalThis)) {
      try {
        this.#watcher = watch(path, { persistent: false }, () => this.#changes++);
        this.#watcher.on("error", () => this.#unwatch());
      } catch {
        this.#watcher = undefined;
      }
    }
    const sharing = ChangeStamp.local.get(this.#path) ?? new Set();
    ChangeStamp.local.set(this.#path, sharing.add(this));
  }

  read(): number {
    if (this.#watcher) return this.#changes;
    if (readSync(this.#fd, this.#bytes, 0, 8, 0) < 8) return -1;
    return (this.#buffer[0] & 0x1fffff) * 0x100000000 + this.#buffer[1];
  }

  bump(): void {
    crypto.getRandomValues(this.#bytes);
    writeSync(this.#fd, this.#bytes, 0, 8, 0);
    for (const stamp of ChangeStamp.local.get(this.#path) ?? [this]) stamp.#changes++;
  }

  #unwatch(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  close(): void {
    this.#unwatch();
    ChangeStamp.local.get(this.#path)?.delete(this);
    closeSync(this.#fd);
  }
}
