import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { LogEvent, LogStore } from "./store.ts";

export interface LogStreamSource {
  logs: LogStore;
  stream: string;
  /** True once no more lines will come (the build or task has ended). */
  isFinished(): Promise<boolean>;
  /** The current status, sent first and again on every change. */
  status(): Promise<Record<string, unknown>>;
}

const KEEPALIVE_MS = 15_000;

interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** How events are written: plain lines for curl and scripts, or HTML fragments that htmx swaps in. */
export interface SseFormat {
  lines(lines: { seq: number; line: string }[]): SseMessage[];
  status(status: Record<string, unknown>): SseMessage;
}

/** One event in the wire format; several are written at once, which is what keeps fan-out cheap. */
export function sseFrame(m: SseMessage): string {
  let frame = m.event ? `event: ${m.event}\n` : "";
  for (const line of m.data.split("\n")) frame += `data: ${line}\n`;
  if (m.id !== undefined) frame += `id: ${m.id}\n`;
  return frame + "\n";
}

export const textFormat: SseFormat = {
  lines: (lines) => lines.map((l) => ({ id: String(l.seq), event: "log", data: l.line.replace(/\r/g, "") })),
  status: (status) => ({ event: "status", data: JSON.stringify(status) }),
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Unnamed events are swapped by htmx's SSE extension; one event carries a whole batch of lines. */
export function htmlFormat(statusFragment: (status: Record<string, unknown>) => string): SseFormat {
  return {
    lines: (lines) => (lines.length ? [{ id: String(lines[lines.length - 1].seq), data: lines.map((l) => `<div class="line">${escapeHtml(l.line)}</div>`).join("") }] : []),
    status: (status) => ({ data: statusFragment(status) }),
  };
}

/** Where a client resumes: Last-Event-ID (set by EventSource on reconnect) wins over ?after=. */
export function resumePoint(c: Context): number {
  const raw = c.req.header("last-event-id") ?? c.req.query("after") ?? "0";
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * text/event-stream of a log: `id: <seq>`, `event: log`, `data: <line>` for each line,
 * `event: status` on changes, `event: end` once finished and everything was sent.
 */
export function logEventStream(c: Context, source: LogStreamSource, format: SseFormat = textFormat) {
  c.header("Cache-Control", "no-store");
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (sse) => {
    let last = resumePoint(c);
    const queue: LogEvent[] = [];
    let wake: (() => void) | undefined;
    const unsubscribe = source.logs.subscribe(source.stream, (event) => {
      queue.push(event);
      wake?.();
    });
    let closed = false;
    sse.onAbort(() => {
      closed = true;
      wake?.();
    });
    const sendLines = async (lines: { seq: number; line: string }[]) => {
      const fresh = lines[0] && lines[0].seq > last ? lines : lines.filter((l) => l.seq > last);
      if (fresh.length === 0) return;
      await sse.write(framesOf(fresh, format));
      last = fresh[fresh.length - 1].seq;
    };
    const drainStored = async () => {
      for (let page = await source.logs.read(source.stream, last); page.length > 0 && !closed; page = await source.logs.read(source.stream, last)) {
        await sendLines(page);
      }
    };
    try {
      await sse.write(sseFrame(format.status(await source.status())));
      await drainStored();
      if (await source.isFinished()) {
        await drainStored();
        await sse.write(sseFrame({ event: "end", data: "" }));
        return;
      }
      while (!closed) {
        if (queue.length === 0) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, KEEPALIVE_MS);
          });
          clearTimeout(timer);
          wake = undefined;
          if (queue.length === 0 && !closed) await sse.write(": keep-alive\n\n");
          continue;
        }
        const event = queue.shift()!;
        if (event.type === "lines") {
          // A gap means lines were committed before we subscribed: fetch them from the store.
          if (event.lines[0] && event.lines[0].seq > last + 1) await drainStored();
          await sendLines(event.lines);
        } else if (event.type === "status") {
          await sse.write(sseFrame(format.status(event.status)));
        } else {
          await drainStored();
          await sse.write(sseFrame({ event: "end", data: "" }));
          return;
        }
      }
    } finally {
      unsubscribe();
    }
  });
}

// A published batch is one array shared by every subscriber of the stream: serialise it once per
// format, not once per client (with a hundred followers that was most of the fan-out's cost).
const serialised = new WeakMap<object, Map<SseFormat, string>>();

function framesOf(lines: { seq: number; line: string }[], format: SseFormat): string {
  let byFormat = serialised.get(lines);
  if (!byFormat) serialised.set(lines, (byFormat = new Map()));
  let text = byFormat.get(format);
  if (text === undefined) byFormat.set(format, (text = format.lines(lines).map(sseFrame).join("")));
  return text;
}

/** The plain-text form for curl and scripts: every stored line after ?after=N. */
export async function logText(logs: LogStore, stream: string, after: number): Promise<string> {
  const out: string[] = [];
  for (let page = await logs.read(stream, after); page.length > 0; page = await logs.read(stream, after)) {
    for (const l of page) out.push(l.line);
    after = page[page.length - 1].seq;
  }
  return out.length ? out.join("\n") + "\n" : "";
}
