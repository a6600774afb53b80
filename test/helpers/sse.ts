import { request, type IncomingHttpHeaders } from "node:http";

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

export interface SseCapture {
  status: number;
  headers: IncomingHttpHeaders;
  events: SseEvent[];
  /** The raw bytes as they came, for asserting the wire format itself. */
  raw: string;
  /** True when the server ended the response; false when `stopWhen` made the client hang up. */
  closedByServer: boolean;
}

/** One frame of text/event-stream; comment lines (keep-alives) are skipped. */
function parseFrame(frame: string): SseEvent | undefined {
  const event: SseEvent = { data: "" };
  let hasData = false;
  for (const line of frame.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") {
      event.data = hasData ? `${event.data}\n${value}` : value;
      hasData = true;
    } else if (field === "id") event.id = value;
    else if (field === "event") event.event = value;
  }
  return hasData || event.id !== undefined || event.event !== undefined ? event : undefined;
}

/**
 * Reads an event stream with a plain node:http client (no EventSource), as curl -N would, until
 * the server closes it or `stopWhen` says to hang up; gives up after `timeoutMs`.
 */
export function readEventStream(
  url: string,
  opts: { headers?: Record<string, string>; stopWhen?: (events: SseEvent[]) => boolean; timeoutMs?: number } = {},
): Promise<SseCapture> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: opts.headers }, (res) => {
      const capture: SseCapture = { status: res.statusCode ?? 0, headers: res.headers, events: [], raw: "", closedByServer: false };
      let buffer = "";
      let done = false;
      const finish = (closedByServer: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        capture.closedByServer = closedByServer;
        resolve(capture);
      };
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        capture.raw += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const event = parseFrame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event) capture.events.push(event);
        }
        if (opts.stopWhen?.(capture.events)) {
          finish(false);
          req.destroy();
        }
      });
      res.on("end", () => finish(true));
      res.on("error", (err) => (done ? undefined : reject(err)));
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${url}: the event stream neither ended nor met its stop condition within ${opts.timeoutMs ?? 30_000} ms`));
    }, opts.timeoutMs ?? 30_000);
    req.on("error", (err) => reject(err));
    req.end();
  });
}
