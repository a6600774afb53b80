import { appendFileSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";

/**
 * The common half of the scripted model endpoints (fake-anthropic.ts, fake-openai.ts, fake-gemini.ts):
 * a loopback HTTP server that answers an agent CLI's model requests from a fixed SCRIPT of turns, so the
 * real CLI runs its real tool loop with no vendor account and no network beyond the given host.
 */

/**
 * One model reply: optional text, then the tool calls the CLI is asked to carry out. A string input is a
 * freeform tool call (Codex's apply_patch takes the patch text itself); an object is JSON arguments.
 */
export interface ScriptTurn {
  text?: string;
  tools?: { name: string; input: Record<string, unknown> | string }[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface FakeModelServer {
  url: string;
  port: number;
  /** Every request received, in order: what the CLI sent is part of what a test checks. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeModelOptions {
  script: ScriptTurn[];
  host?: string;
  port?: number;
  /** Appends each request as a JSON line: how to see what a CLI sent when the endpoint runs in a container. */
  logFile?: string;
}

/**
 * Answers one request. `turn` picks the script entry from the conversation in the request itself (how many
 * model replies it already holds), so the server keeps no state and a resumed session carries on the script.
 */
export type ModelHandler = (req: RecordedRequest, res: ServerResponse, script: ScriptTurn[]) => void;

/** The turn to play once the conversation already holds `previousReplies` model replies; past the script's end, a closing remark. */
export function turnAt(script: ScriptTurn[], previousReplies: number): ScriptTurn {
  return script[previousReplies] ?? { text: "Nothing more to do." };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export function startSse(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function startFakeModel(handler: ModelHandler, opts: FakeModelOptions): Promise<FakeModelServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    try {
      const recorded = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers, body: await readBody(req) };
      requests.push(recorded);
      if (opts.logFile) appendFileSync(opts.logFile, JSON.stringify(recorded) + "\n");
      handler(recorded, res, opts.script);
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: (err as Error).message } });
      else res.end();
    }
  });
  const host = opts.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      const { port } = server.address() as AddressInfo;
      const urlHost = host === "0.0.0.0" ? "127.0.0.1" : host;
      resolve({
        url: `http://${urlHost}:${port}`,
        port,
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Command-line entry shared by the fake endpoints: `npx tsx test/helpers/fake-<vendor>.ts --port 0 --host 127.0.0.1
 * --script turns.json --log requests.jsonl` (a JSON array of turns; every option optional) prints `listening <url>`
 * once ready and serves until killed.
 */
export function runFromCommandLine(moduleUrl: string, handler: ModelHandler, defaultScript: ScriptTurn[]): void {
  if (!process.argv[1] || pathToFileURL(process.argv[1]).href !== moduleUrl) return;
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const scriptFile = option("script");
  const script = scriptFile ? (JSON.parse(readFileSync(scriptFile, "utf8")) as ScriptTurn[]) : defaultScript;
  startFakeModel(handler, { script, host: option("host"), port: Number(option("port") ?? 0), logFile: option("log") }).then(
    (server) => {
      process.stdout.write(`listening ${server.url}\n`);
      const stop = () => void server.close().then(() => process.exit(0));
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    },
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}
