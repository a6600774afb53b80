import { CliError } from "./errors.ts";

/** A failed call to the server; `status` is null when no HTTP answer came at all. */
export class RemoteError extends CliError {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }

  /** Worth retrying: nothing answered, or the server or a proxy in front of it failed. */
  get transient(): boolean {
    return this.status === null || this.status >= 500;
  }
}

export interface RemoteFlags {
  server?: unknown;
  apiKey?: unknown;
}

/**
 * The server and key from flags or CODERFLOW_SERVER / CODERFLOW_API_KEY. A key given on the command
 * line is accepted with a warning: argv is readable by every user of the machine (ps, /proc).
 */
export function remoteFromFlags(flags: RemoteFlags): RemoteClient {
  const env = process.env;
  const server = flags.server !== undefined ? String(flags.server) : env.CODERFLOW_SERVER;
  if (!server) throw new CliError("no server given: pass --server URL or set CODERFLOW_SERVER", 2);
  if (flags.apiKey !== undefined) process.stderr.write("coder-server: warning: --api-key is visible to other users of this machine in the process list; prefer the CODERFLOW_API_KEY environment variable\n");
  const apiKey = (flags.apiKey !== undefined ? String(flags.apiKey) : env.CODERFLOW_API_KEY)?.trim();
  if (!apiKey) throw new CliError("no API key given: set CODERFLOW_API_KEY (make a key under Your account, or with coder-server api-key create)", 2);
  return new RemoteClient(server, apiKey);
}

export interface RequestOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** What a 404 means for this request, e.g. "no task 12". */
  notFound?: string;
}

export interface FollowOptions {
  /** Receives the events each network read completed, in order; returns true to stop following. */
  onEvents(events: SseEvent[]): boolean;
  /** Told before each reconnection, with why and after how long. */
  onReconnect?(reason: string, delayMs: number): void;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Failed connection attempts for this long end the follow with an error. */
  giveUpAfterMs?: number;
  /** Silence for this long means a dead connection (the server sends keep-alives every 15 s). */
  idleTimeoutMs?: number;
}

/** JSON, text and server-sent events from a CoderFlow server, authenticated with an API key. */
export class RemoteClient {
  readonly server: string;
  readonly #apiKey: string;

  constructor(server: string, apiKey: string) {
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new CliError(`the server URL "${server}" is not a URL; expected e.g. https://coder.example.com`, 2);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`the server URL "${server}" must start with http:// or https://`, 2);
    // fetch would put an invalid header value, the key included, into its error message.
    if (!/^[\x21-\x7e]+$/.test(apiKey)) throw new CliError("the API key contains spaces or control characters; check CODERFLOW_API_KEY", 2);
    this.server = url.href.replace(/\/+$/, "");
    this.#apiKey = apiKey;
  }

  async request(path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#apiKey}`, ...opts.headers };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(this.server + path, { method: opts.method ?? "GET", headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), signal: opts.signal });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      throw new RemoteError(`cannot reach the server at ${this.server}: ${networkCause(err)}`, null);
    }
    if (!res.ok) throw await this.#refusal(res, opts.notFound);
    return res;
  }

  async json<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const text = await this.text(path, { ...opts, headers: { accept: "application/json", ...opts.headers } });
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new RemoteError(`the server at ${this.server} answered ${path} with something that is not JSON; is it a CoderFlow server?`, 200);
    }
  }

  async text(path: string, opts: RequestOptions = {}): Promise<string> {
    const res = await this.request(path, opts);
    try {
      return await res.text();
    } catch (err) {
      throw new RemoteError(`the connection to ${this.server} dropped: ${networkCause(err)}`, null);
    }
  }

  /**
   * Follows a text/event-stream, reconnecting with Last-Event-ID after a drop so that no event is
   * lost or repeated. The first connection must succeed: failing there is a wrong URL or key, not a
   * blip. After that, failures back off from initialDelayMs doubling to maxDelayMs, and end the
   * follow once connections have failed for giveUpAfterMs.
   */
  async follow(path: string, opts: FollowOptions): Promise<void> {
    const { initialDelayMs = 500, maxDelayMs = 10_000, giveUpAfterMs = 120_000, idleTimeoutMs = 60_000 } = opts;
    let lastEventId: string | undefined;
    let everConnected = false;
    let delay = 0;
    let failingSince: number | undefined;
    for (;;) {
      const before = lastEventId;
      let connected = false;
      let reason: string;
      try {
        const stopped = await this.#streamOnce(path, lastEventId, idleTimeoutMs, () => (connected = everConnected = true), (events) => {
          lastEventId = events[events.length - 1].id;
          return opts.onEvents(events);
        });
        if (stopped) return;
        reason = "the server closed the stream";
      } catch (err) {
        if (!(err instanceof RemoteError && err.transient && everConnected)) throw err;
        reason = err.message;
      }
      // Reconnect at once after new events; back off while connections fail or bring nothing new.
      delay = lastEventId !== before ? 0 : Math.min(Math.max(delay * 2, initialDelayMs), maxDelayMs);
      if (connected) failingSince = undefined;
      else failingSince ??= Date.now();
      if (failingSince !== undefined && Date.now() + delay - failingSince > giveUpAfterMs) {
        throw new RemoteError(`lost the event stream from ${this.server} and could not reconnect for ${giveUpAfterMs / 1000} s: ${reason}`, null);
      }
      opts.onReconnect?.(reason, delay);
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** One connection: true if onEvents asked to stop, false if the stream ended without that. */
  async #streamOnce(path: string, lastEventId: string | undefined, idleTimeoutMs: number, onConnected: () => void, onEvents: (events: SseEvent[]) => boolean): Promise<boolean> {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => abort.abort(), idleTimeoutMs);
    };
    // Only transport failures become RemoteErrors (and so retries); a throwing onEvents propagates as is.
    const dropped = (err: unknown) =>
      err instanceof RemoteError ? err
      : abort.signal.aborted ? new RemoteError(`nothing came from ${this.server} for ${idleTimeoutMs / 1000} s`, null)
      : new RemoteError(`the connection to ${this.server} dropped: ${networkCause(err)}`, null);
    rearm();
    try {
      const headers: Record<string, string> = { accept: "text/event-stream" };
      if (lastEventId) headers["last-event-id"] = lastEventId;
      const res = await this.request(path, { headers, signal: abort.signal }).catch((err) => Promise.reject(dropped(err)));
      if (!res.headers.get("content-type")?.startsWith("text/event-stream")) {
        await res.body?.cancel();
        throw new RemoteError(`the server at ${this.server} answered ${path} with ${res.headers.get("content-type") ?? "no content type"}, not an event stream`, res.status);
      }
      onConnected();
      const parser = new SseParser(lastEventId);
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read().catch((err) => Promise.reject(dropped(err)));
        if (done) return false;
        rearm();
        const events = parser.push(value);
        if (events.length && onEvents(events)) {
          abort.abort();
          return true;
        }
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async #refusal(res: Response, notFound?: string): Promise<RemoteError> {
    const detail = await serverMessage(res);
    const status = res.status;
    const message =
      status === 401
        ? `the server at ${this.server} refused the API key: it is invalid or revoked`
        : status === 403
          ? `permission denied${detail ? `: ${detail}` : ""}`
          : status === 404
            ? (notFound ?? `not found${detail ? `: ${detail}` : ""}`)
            : status < 500
              ? `the server refused the request (HTTP ${status})${detail ? `: ${detail}` : ""}`
              : `the server at ${this.server} failed (HTTP ${status})${detail ? `: ${detail}` : ""}`;
    return new RemoteError(message, status);
  }
}

/** The server's own words: {error} from JSON, or a short plain-text body (never a proxy's HTML page). */
async function serverMessage(res: Response): Promise<string | undefined> {
  const type = res.headers.get("content-type") ?? "";
  const body = await res.text().catch(() => "");
  if (type.includes("json")) {
    try {
      const error = (JSON.parse(body) as { error?: unknown }).error;
      return typeof error === "string" && error ? error : undefined;
    } catch {
      return undefined;
    }
  }
  if (type.startsWith("text/plain") && body.trim()) return body.trim().slice(0, 300);
  return undefined;
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, a certificate problem) is in its cause. */
function networkCause(err: unknown): string {
  const cause = (err as { cause?: { message?: string; code?: string } })?.cause;
  const text = cause?.message || cause?.code || (err as Error)?.message || String(err);
  const tlsTrouble = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(`${cause?.code} ${text}`);
  return tlsTrouble ? `${text} (for a private certificate authority, set NODE_EXTRA_CA_CERTS to its certificate file)` : text;
}

/** One dispatched server-sent event; `id` is the stream's last event id once it arrived. */
export interface SseEvent {
  type: string;
  data: string;
  id: string;
}

/**
 * The text/event-stream parser of the HTML standard, fed raw bytes as they arrive: lines may end in
 * CRLF, LF or CR and chunks may split anything, a multi-byte character or a CRLF included. An event
 * still incomplete when the connection drops is never dispatched, and so never counted as received.
 */
export class SseParser {
  #decoder = new TextDecoder();
  #partialLine = "";
  /** The previous chunk ended in CR: a LF starting the next one belongs to that line end. */
  #skipLeadingLF = false;
  #data: string[] = [];
  #type = "";
  #idBuffer: string;
  lastEventId: string;

  constructor(lastEventId = "") {
    this.lastEventId = this.#idBuffer = lastEventId;
  }

  /** Returns the events this chunk completed. */
  push(chunk: Uint8Array): SseEvent[] {
    let text = this.#decoder.decode(chunk, { stream: true });
    if (!text) return [];
    if (this.#skipLeadingLF && text[0] === "\n") text = text.slice(1);
    this.#skipLeadingLF = false;
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (ch !== "\n" && ch !== "\r") continue;
      const line = this.#partialLine + text.slice(start, i);
      this.#partialLine = "";
      if (ch === "\r") {
        if (i + 1 === text.length) this.#skipLeadingLF = true;
        else if (text[i + 1] === "\n") i++;
      }
      start = i + 1;
      const event = this.#line(line);
      if (event) events.push(event);
    }
    this.#partialLine += text.slice(start);
    return events;
  }

  #line(line: string): SseEvent | undefined {
    if (line === "") return this.#dispatch();
    if (line[0] === ":") return; // a comment: the server's keep-alive
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value[0] === " ") value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#type = value;
    else if (field === "id" && !value.includes("\0")) this.#idBuffer = value;
  }

  #dispatch(): SseEvent | undefined {
    this.lastEventId = this.#idBuffer;
    const type = this.#type;
    const data = this.#data;
    this.#type = "";
    this.#data = [];
    // The standard drops events without data; a named one (`event: end` alone) still means something.
    if (data.length === 0 && !type) return;
    return { type: type || "message", data: data.join("\n"), id: this.lastEventId };
  }
}
