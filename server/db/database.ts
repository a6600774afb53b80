import { createClient, type Client, type InArgs, type InStatement, type Row } from "@libsql/client";

/**
 * The one path to the database. Reads go straight to the client; every write is
 * queued, because the local libsql driver blocks the event loop while it waits on
 * a write lock, so two overlapping write transactions would stall the server.
 */
export class Database {
  #tail: Promise<unknown> = Promise.resolve();

  constructor(readonly client: Client) {}

  static open(path: string): Database {
    const client = createClient({ url: path === ":memory:" ? ":memory:" : `file:${path}` });
    return new Database(client);
  }

  async all<T = Row>(sql: string, args: InArgs = []): Promise<T[]> {
    const result = await this.client.execute({ sql, args });
    return result.rows as unknown as T[];
  }

  async get<T = Row>(sql: string, args: InArgs = []): Promise<T | undefined> {
    return (await this.all<T>(sql, args))[0];
  }

  /** Runs one write statement through the queue; resolves with the rows affected and last id. */
  run(sql: string, args: InArgs = []): Promise<{ changes: number; lastId: number }> {
    return this.#enqueue(async () => {
      const r = await this.client.execute({ sql, args });
      return { changes: r.rowsAffected, lastId: Number(r.lastInsertRowid ?? 0) };
    });
  }

  /** Runs several statements atomically through the queue. */
  batch(statements: InStatement[]): Promise<void> {
    return this.#enqueue(async () => {
      await this.client.batch(statements, "write");
    });
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(work, work);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.#tail;
    this.client.close();
  }
}
