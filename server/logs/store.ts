import type { Database } from "../db/database.ts";

export interface LogLine {
  seq: number;
  at: number;
  line: string;
  /** Where the line came from (a container output position), for resuming capture. */
  source?: string;
}

export type LogEvent =
  | { type: "lines"; lines: LogLine[] }
  | { type: "status"; status: Record<string, unknown> }
  | { type: "end" };

type Listener = (event: LogEvent) => void;

/**
 * Durable, sequenced log streams ("build:12", "task:7"). Lines are committed in
 * small batches (group commit) and only then published, so a subscriber never sees a
 * line the database could lose, and a reconnecting client resumes from its last seq.
 */
export class LogStore {
  #listeners = new Map<string, Set<Listener>>();
  #next = new Map<string, number>();
  #pending = new Map<string, LogLine[]>();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private db: Database,
    private opts: { flushMs?: number; maxBatch?: number; now?: () => number } = {},
  ) {}

  #loading = new Map<string, Promise<void>>();

  /** Learns where an existing stream left off (after a restart), once per stream. */
  #loadNextSeq(stream: string): Promise<void> {
    let loading = this.#loading.get(stream);
    if (!loading) {
      loading = this.db.get<{ last: number | null }>("SELECT MAX(seq) AS last FROM log_lines WHERE stream = ?", [stream]).then((row) => {
        if (!this.#next.has(stream)) this.#next.set(stream, Number(row?.last ?? 0) + 1);
      });
      this.#loading.set(stream, loading);
    }
    return loading;
  }

  /** Queues lines for the stream; resolves once they are committed and published. */
  async append(stream: string, lines: string[], at = (this.opts.now ?? Date.now)(), source?: string): Promise<void> {
    if (lines.length === 0) return;
    if (!this.#next.has(stream)) await this.#loadNextSeq(stream);
    let seq = this.#next.get(stream)!;
    let pending = this.#pending.get(stream);
    if (!pending) this.#pending.set(stream, (pending = []));
    for (const line of lines) pending.push({ seq: seq++, at, line, source });
    this.#next.set(stream, seq);
    this.#pendingCount += lines.length;
    const cycle = (this.#cycle ??= deferred());
    if (this.#pendingCount >= (this.opts.maxBatch ?? 5000)) void this.flush();
    else this.#flushTimer ??= setTimeout(() => void this.flush(), this.opts.flushMs ?? 10);
    return cycle.promise;
  }

  #pendingCount = 0;
  /** Everyone who appended since the last flush waits on the same commit. */
  #cycle: Deferred | undefined;

  /** Commits everything queued so far, then tells subscribers. */
  flush(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const batch = this.#pending;
    const cycle = this.#cycle;
    this.#pending = new Map();
    this.#pendingCount = 0;
    this.#cycle = undefined;
    this.#flushing = this.#flushing.then(async () => {
      if (batch.size === 0) return cycle?.resolve();
      // One statement per stream, the rows as a JSON array unpacked by SQLite: binding thousands
      // of parameters one by one costs more than the insert itself.
      const statements = [...batch].map(([stream, lines]) => ({
        sql: "INSERT INTO log_lines (stream, seq, at, line, source) SELECT ?, j.value->>0, j.value->>1, j.value->>2, j.value->>3 FROM json_each(?) AS j",
        args: [stream, JSON.stringify(lines.map((l) => [l.seq, l.at, l.line, l.source ?? null]))],
      }));
      try {
        await this.db.batch(statements);
      } catch (err) {
        cycle?.reject(err);
        throw err;
      }
      for (const [stream, lines] of batch) this.#emit(stream, { type: "lines", lines });
      cycle?.resolve();
    });
    return this.#flushing.catch(() => undefined);
  }

  async read(stream: string, after = 0, limit = 5000): Promise<LogLine[]> {
    const rows = await this.db.all<LogLine>("SELECT seq, at, line FROM log_lines WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?", [stream, after, limit]);
    return rows.map((r) => ({ seq: Number(r.seq), at: Number(r.at), line: String(r.line) }));
  }

  /** The source of the newest line that has one: where capture of the stream should resume. */
  async lastSource(stream: string): Promise<string | null> {
    await this.flush();
    const row = await this.db.get<{ source: string }>("SELECT source FROM log_lines WHERE stream = ? AND source IS NOT NULL ORDER BY seq DESC LIMIT 1", [stream]);
    return row ? String(row.source) : null;
  }

  publishStatus(stream: string, status: Record<string, unknown>): void {
    this.#emit(stream, { type: "status", status });
  }

  /** Marks the stream finished once every queued line is committed and published. */
  async end(stream: string): Promise<void> {
    await this.flush();
    this.#emit(stream, { type: "end" });
    // A later run (a follow-up) reloads where the stream stands from the database.
    this.#next.delete(stream);
    this.#loading.delete(stream);
  }

  subscribe(stream: string, listener: Listener): () => void {
    let set = this.#listeners.get(stream);
    if (!set) this.#listeners.set(stream, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(stream);
    };
  }

  #emit(stream: string, event: LogEvent): void {
    for (const listener of this.#listeners.get(stream) ?? []) listener(event);
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void, reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  // Callers that fire and forget must not turn a failed write into an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
